//! The security configuration: authenticators, role hierarchy, problem rendering.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;
use tokio::task::futures::TaskLocalFuture;

use crate::audit::{self, Outcome};
use crate::basic::{BasicAuth, BasicError};
use crate::config_error::ConfigError;
use crate::credentials::{self, Presented};
use crate::hierarchy::RoleHierarchy;
use crate::jwt::{JwtVerifier, TokenError};
use crate::oauth::{
    self, BearerTokens, JwksVerifier, RevocationStore, TokenSources, TrustedIssuers,
};
use crate::policy::{Requirement, Scheme};
use crate::principal::{Identity, Principal};
use crate::problem::ProblemResponder;
use crate::rejection::{AuthRejection, BEARER_CHALLENGE};

tokio::task_local! {
    /// The configuration of the secure route whose handler is running.
    static CURRENT: Security;
}

/// Everything the guards need: how to verify callers and how to answer refusals.
///
/// Built once at start-up and handed to [`crate::SecureRouter::new`], so no
/// guarded route can run without it. Cloning is cheap.
///
/// ```
/// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
/// use portcullis::{RoleHierarchy, Security};
///
/// let security = Security::builder()
///     .bearer(
///         JwtVerifier::builder()
///             .key(VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap())
///             .build()
///             .unwrap(),
///     )
///     .role_hierarchy(RoleHierarchy::builder().role("admin", ["user"]).build().unwrap())
///     .build()
///     .unwrap();
/// # let _ = security;
/// ```
#[derive(Clone)]
pub struct Security(Arc<Inner>);

struct Inner {
    bearer: Option<JwtVerifier>,
    basic: Option<BasicAuth>,
    hierarchy: RoleHierarchy,
    responder: ProblemResponder,
    body_limit: usize,
    revocation: Option<Arc<dyn RevocationStore>>,
    tokens: Option<BearerTokens>,
    sources: TokenSources,
    /// Fixed keys, no cache, no revocation: the guard verifies without awaiting.
    immediate: bool,
}

/// The default request body limit: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Collects the security configuration; see [`Security::builder`].
#[must_use]
pub struct SecurityBuilder {
    bearer: Option<JwtVerifier>,
    basic: Option<BasicAuth>,
    hierarchy: RoleHierarchy,
    responder: ProblemResponder,
    body_limit: usize,
    revocation: Option<Arc<dyn RevocationStore>>,
    cache_capacity: Option<usize>,
    jwks: Option<JwksVerifier>,
    issuers: Option<TrustedIssuers>,
    sources: TokenSources,
}

impl Default for SecurityBuilder {
    fn default() -> Self {
        Self {
            bearer: None,
            basic: None,
            hierarchy: RoleHierarchy::default(),
            responder: ProblemResponder::default(),
            body_limit: DEFAULT_BODY_LIMIT,
            revocation: None,
            cache_capacity: None,
            jwks: None,
            issuers: None,
            sources: TokenSources::default(),
        }
    }
}

impl SecurityBuilder {
    /// Verifies `Authorization: Bearer` tokens with `verifier`.
    pub fn bearer(mut self, verifier: JwtVerifier) -> Self {
        self.bearer = Some(verifier);
        self
    }

    /// Verifies `Authorization: Basic` credentials with `basic`.
    pub fn basic(mut self, basic: BasicAuth) -> Self {
        self.basic = Some(basic);
        self
    }

    /// Applies `hierarchy` to every role check.
    pub fn role_hierarchy(mut self, hierarchy: RoleHierarchy) -> Self {
        self.hierarchy = hierarchy;
        self
    }

    /// Renders every refusal with `responder`.
    pub fn problem_responder(mut self, responder: ProblemResponder) -> Self {
        self.responder = responder;
        self
    }

    /// Refuses request bodies larger than `bytes` with 413; 64 KiB by default.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Refuses bearer tokens that `store` lists as revoked, after their
    /// signature checks out; a store error refuses the token too.
    pub fn revocation(mut self, store: impl RevocationStore) -> Self {
        self.revocation = Some(Arc::new(store));
        self
    }

    /// Remembers up to `capacity` verified bearer tokens (see
    /// [`crate::oauth::CachedVerifier`]), so signatures are not checked again
    /// on every request; a JWKS refresh empties it, and revocation is still
    /// checked on every request.
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.cache_capacity = Some(capacity);
        self
    }

    /// Verifies `Authorization: Bearer` tokens with keys from a JWKS,
    /// instead of [`SecurityBuilder::bearer`]'s fixed keys.
    pub fn jwks(mut self, jwks: JwksVerifier) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// Verifies `Authorization: Bearer` tokens from several issuers, each
    /// with its own keys, chosen by the token's `iss`.
    pub fn issuers(mut self, issuers: TrustedIssuers) -> Self {
        self.issuers = Some(issuers);
        self
    }

    /// Reads bearer tokens from `sources`; only the `Authorization` header by default.
    pub fn token_sources(mut self, sources: TokenSources) -> Self {
        self.sources = sources;
        self
    }

    /// Finishes the configuration.
    pub fn build(self) -> Result<Security, ConfigError> {
        if self.bearer.is_none()
            && self.jwks.is_none()
            && self.issuers.is_none()
            && self.basic.is_none()
        {
            tracing::warn!(
                target: "portcullis::config",
                "no authenticator is configured: every guarded route will answer 401"
            );
        }
        let immediate = self.revocation.is_none()
            && self.cache_capacity.is_none()
            && self.jwks.is_none()
            && self.issuers.is_none();
        let tokens = BearerTokens::choose(
            self.bearer.clone(),
            self.jwks,
            self.issuers,
            self.cache_capacity,
        )?;
        Ok(Security(Arc::new(Inner {
            bearer: self.bearer,
            basic: self.basic,
            hierarchy: self.hierarchy,
            responder: self.responder,
            body_limit: self.body_limit,
            revocation: self.revocation,
            tokens,
            sources: self.sources,
            immediate,
        })))
    }
}

impl Security {
    /// Starts a configuration.
    pub fn builder() -> SecurityBuilder {
        SecurityBuilder::default()
    }

    /// The role hierarchy applied to role checks.
    pub fn role_hierarchy(&self) -> &RoleHierarchy {
        &self.0.hierarchy
    }

    /// The responder that renders refusals.
    pub fn responder(&self) -> &ProblemResponder {
        &self.0.responder
    }

    /// The bearer verifier, when configured.
    pub fn bearer(&self) -> Option<&JwtVerifier> {
        self.0.bearer.as_ref()
    }

    /// The Basic authenticator, when configured.
    pub fn basic(&self) -> Option<&BasicAuth> {
        self.0.basic.as_ref()
    }

    /// The responder of the security configuration a request carries, or the
    /// default one.
    pub fn responder_of(parts: &Parts) -> ProblemResponder {
        Self::responder_for(&parts.extensions)
    }

    /// As [`Security::responder_of`], from a request's extensions (for body
    /// extractors, which see the whole request).
    pub fn responder_for(extensions: &http::Extensions) -> ProblemResponder {
        Self::with_current(extensions, |security| security.0.responder.clone()).unwrap_or_default()
    }

    /// The configuration of the secure route being served, if any: the one
    /// [`crate::SecureRouter`] made current for the handler, or else one an
    /// application inserted as a request extension.
    ///
    /// The router uses a task-local, set while the handler (extractors
    /// included) runs, rather than a request extension, which would cost an
    /// allocation on every request.
    pub fn of(extensions: &http::Extensions) -> Option<Security> {
        Self::with_current(extensions, Clone::clone)
    }

    /// Runs `read` on the current configuration (see [`Security::of`])
    /// without cloning it.
    pub(crate) fn with_current<R>(
        extensions: &http::Extensions,
        read: impl Fn(&Security) -> R,
    ) -> Option<R> {
        CURRENT
            .try_with(&read)
            .ok()
            .or_else(|| extensions.get::<Security>().map(read))
    }

    /// `future`, run with `self` as the current configuration.
    pub(crate) fn scope<F: std::future::Future>(self, future: F) -> TaskLocalFuture<Security, F> {
        CURRENT.scope(self, future)
    }

    /// The revocation store, when configured.
    pub fn revocation(&self) -> Option<&Arc<dyn RevocationStore>> {
        self.0.revocation.as_ref()
    }

    /// The largest request body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.0.body_limit
    }

    /// Verifies the caller with `scheme`; on failure, the 401 to send.
    pub async fn authenticate(
        &self,
        parts: &Parts,
        scheme: Scheme,
        policy: &Requirement,
    ) -> Result<Principal, AuthRejection> {
        self.authenticate_identity(parts, scheme, policy)
            .await
            .map(Principal::from)
    }

    pub(crate) async fn authenticate_identity(
        &self,
        parts: &Parts,
        scheme: Scheme,
        policy: &Requirement,
    ) -> Result<Identity, AuthRejection> {
        let result = match scheme {
            Scheme::Bearer => self.authenticate_bearer(parts).await,
            Scheme::Basic => self.authenticate_basic(parts).await,
        };
        if let Err(reason) = &result {
            audit::decision(None, policy, Outcome::Deny, reason.0);
        }
        result.map_err(|failure| failure.1)
    }

    /// Whether bearer callers are verified without awaiting: fixed keys, no
    /// token cache and no revocation store. The guard then skips the
    /// asynchronous path.
    pub(crate) fn bearer_is_immediate(&self) -> bool {
        self.0.immediate
    }

    /// Verifies a bearer caller without awaiting; on failure, the 401 to send.
    /// Only for configurations where [`Security::bearer_is_immediate`] holds.
    pub(crate) fn authenticate_bearer_now(
        &self,
        parts: &Parts,
        policy: &Requirement,
    ) -> Result<Identity, AuthRejection> {
        self.bearer_now(parts)
            .map_err(|Failure(reason, rejection)| {
                audit::decision(None, policy, Outcome::Deny, reason);
                rejection
            })
    }

    fn bearer_now(&self, parts: &Parts) -> Result<Identity, Failure> {
        let Some(verifier) = &self.0.bearer else {
            return Err(self.no_bearer_verifier());
        };
        let token = self.bearer_token(parts)?;
        verifier
            .verify_identity(token)
            .map_err(|error| self.token_refused(error))
    }

    /// The bearer path with the token cache, JWKS keys, several issuers or a
    /// revocation store: revocation is checked after every verification.
    async fn authenticate_bearer(&self, parts: &Parts) -> Result<Identity, Failure> {
        if self.0.immediate {
            return self.bearer_now(parts);
        }
        let Some(tokens) = &self.0.tokens else {
            return Err(self.no_bearer_verifier());
        };
        let token = self.bearer_token(parts)?;
        let principal = tokens
            .verify(token)
            .await
            .map_err(|error| self.token_refused(error))?;
        oauth::revocation::screen(self.0.revocation.as_deref(), principal)
            .await
            .map(Principal::into_identity)
            .map_err(|reason| {
                Failure(
                    reason,
                    AuthRejection::invalid_token(self.0.responder.clone()),
                )
            })
    }

    /// The token the request presents through the configured sources, or
    /// the 401 for a missing or malformed one.
    fn bearer_token<'a>(&self, parts: &'a Parts) -> Result<&'a str, Failure> {
        match self.0.sources.find(parts) {
            Presented::Value(token) => Ok(token),
            Presented::Absent => Err(Failure(
                "missing_credentials",
                AuthRejection::missing_credentials(BEARER_CHALLENGE, self.0.responder.clone()),
            )),
            Presented::Malformed => Err(Failure(
                "malformed",
                AuthRejection::invalid_token(self.0.responder.clone()),
            )),
        }
    }

    fn token_refused(&self, error: TokenError) -> Failure {
        tracing::debug!(target: "portcullis::auth", reason = error.as_str(), "bearer token refused");
        Failure(
            error.as_str(),
            AuthRejection::invalid_token(self.0.responder.clone()),
        )
    }

    fn no_bearer_verifier(&self) -> Failure {
        tracing::error!(target: "portcullis::config", "a bearer route was called but no JWT verifier is configured; refusing");
        Failure(
            "no_bearer_verifier",
            AuthRejection::missing_credentials(BEARER_CHALLENGE, self.0.responder.clone()),
        )
    }

    async fn authenticate_basic(&self, parts: &Parts) -> Result<Identity, Failure> {
        let responder = self.0.responder.clone();
        let Some(basic) = &self.0.basic else {
            tracing::error!(target: "portcullis::config", "a Basic route was called but no Basic authenticator is configured; refusing");
            return Err(Failure(
                "no_basic_authenticator",
                AuthRejection::missing_credentials(BEARER_CHALLENGE, responder),
            ));
        };
        let challenge = basic.challenge().clone();
        match credentials::presented(&parts.headers, Scheme::Basic) {
            Presented::Absent => Err(Failure("missing_credentials", AuthRejection::missing_credentials(challenge, responder))),
            Presented::Malformed => Err(Failure("malformed", AuthRejection::invalid_credentials(challenge, responder))),
            Presented::Value(encoded) => basic.verify_identity(encoded).await.map_err(|error| {
                let reason = match error {
                    BasicError::Malformed => "malformed",
                    BasicError::BadCredentials => "bad_credentials",
                    BasicError::Store(store) => {
                        tracing::error!(target: "portcullis::auth", error = %store, "user store failed; refusing");
                        "store_unavailable"
                    }
                };
                Failure(reason, AuthRejection::invalid_credentials(challenge, responder))
            }),
        }
    }

    /// For `Option<Principal>` on public routes: `None` without credentials,
    /// the verified caller with valid ones, and 401 with invalid ones.
    pub(crate) async fn authenticate_optional(
        &self,
        parts: &Parts,
    ) -> Result<Option<Principal>, AuthRejection> {
        match credentials::scheme_of(&parts.headers) {
            None if self.0.sources.offers_token(parts) => self
                .authenticate(parts, Scheme::Bearer, &Requirement::Public)
                .await
                .map(Some),
            None => Ok(None),
            Some(scheme) => self
                .authenticate(parts, scheme, &Requirement::Public)
                .await
                .map(Some),
        }
    }
}

/// A refusal with the short reason that goes to the audit log.
struct Failure(&'static str, AuthRejection);

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security")
            .field("bearer", &self.0.bearer)
            .field("basic", &self.0.basic)
            .field("hierarchy", &self.0.hierarchy)
            .field("responder", &self.0.responder)
            .field("tokens", &self.0.tokens)
            .field("sources", &self.0.sources)
            .field("revocation", &self.0.revocation.is_some())
            .finish()
    }
}
