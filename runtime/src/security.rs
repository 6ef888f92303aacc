//! The security configuration: authenticators, role hierarchy, problem rendering.

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use crate::audit::{self, Outcome};
use crate::basic::{BasicAuth, BasicError};
use crate::config_error::ConfigError;
use crate::credentials::{self, Presented};
use crate::hierarchy::RoleHierarchy;
use crate::jwt::JwtVerifier;
use crate::policy::{Requirement, Scheme};
use crate::principal::Principal;
use crate::problem::ProblemResponder;
use crate::rejection::{AuthRejection, BEARER_CHALLENGE};

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
}

impl Default for SecurityBuilder {
    fn default() -> Self {
        Self {
            bearer: None,
            basic: None,
            hierarchy: RoleHierarchy::default(),
            responder: ProblemResponder::default(),
            body_limit: DEFAULT_BODY_LIMIT,
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

    /// Finishes the configuration.
    pub fn build(self) -> Result<Security, ConfigError> {
        if self.bearer.is_none() && self.basic.is_none() {
            tracing::warn!(
                target: "portcullis::config",
                "no authenticator is configured: every guarded route will answer 401"
            );
        }
        Ok(Security(Arc::new(Inner {
            bearer: self.bearer,
            basic: self.basic,
            hierarchy: self.hierarchy,
            responder: self.responder,
            body_limit: self.body_limit,
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
        extensions
            .get::<Security>()
            .map(|security| security.0.responder.clone())
            .unwrap_or_default()
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
        let result = match scheme {
            Scheme::Bearer => self.authenticate_bearer(parts),
            Scheme::Basic => self.authenticate_basic(parts).await,
        };
        if let Err(reason) = &result {
            audit::decision(None, policy, Outcome::Deny, reason.0);
        }
        result.map_err(|failure| failure.1)
    }

    fn authenticate_bearer(&self, parts: &Parts) -> Result<Principal, Failure> {
        let responder = || self.0.responder.clone();
        let Some(verifier) = &self.0.bearer else {
            tracing::error!(target: "portcullis::config", "a bearer route was called but no JWT verifier is configured; refusing");
            return Err(Failure("no_bearer_verifier", AuthRejection::missing_credentials(BEARER_CHALLENGE, responder())));
        };
        match credentials::presented(&parts.headers, Scheme::Bearer) {
            Presented::Absent => Err(Failure(
                "missing_credentials",
                AuthRejection::missing_credentials(BEARER_CHALLENGE, responder()),
            )),
            Presented::Malformed => Err(Failure("malformed", AuthRejection::invalid_token(responder()))),
            Presented::Value(token) => verifier.verify(token).map_err(|error| {
                tracing::debug!(target: "portcullis::auth", reason = error.as_str(), "bearer token refused");
                Failure(error.as_str(), AuthRejection::invalid_token(responder()))
            }),
        }
    }

    async fn authenticate_basic(&self, parts: &Parts) -> Result<Principal, Failure> {
        let responder = self.0.responder.clone();
        let Some(basic) = &self.0.basic else {
            tracing::error!(target: "portcullis::config", "a Basic route was called but no Basic authenticator is configured; refusing");
            return Err(Failure("no_basic_authenticator", AuthRejection::missing_credentials(BEARER_CHALLENGE, responder)));
        };
        let challenge = basic.challenge().clone();
        match credentials::presented(&parts.headers, Scheme::Basic) {
            Presented::Absent => Err(Failure("missing_credentials", AuthRejection::missing_credentials(challenge, responder))),
            Presented::Malformed => Err(Failure("malformed", AuthRejection::invalid_credentials(challenge, responder))),
            Presented::Value(encoded) => basic.verify(encoded).await.map_err(|error| {
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
    pub(crate) async fn authenticate_optional(&self, parts: &Parts) -> Result<Option<Principal>, AuthRejection> {
        match credentials::scheme_of(&parts.headers) {
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
            .finish()
    }
}
