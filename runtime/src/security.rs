//! The security configuration: authenticators, role hierarchy, problem
//! rendering, body limit. Configuration only: authentication lives in
//! [`crate::auth`], the per-request decision in the route's wrapper.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
#[cfg(feature = "sessions")]
use std::time::Duration;

use crate::auth::Authenticators;
#[cfg(feature = "argon2")]
use crate::auth::basic::BasicAuth;
use crate::auth::bearer::{
    BearerAuth, BearerSettings, DEFAULT_CACHE_CAPACITY, JwksVerifier, RevocationStore,
    TokenSources, TrustedIssuers,
};
#[cfg(feature = "sessions")]
use crate::auth::session::{SessionManager, SessionSettings, SessionStore};
use crate::config_error::ConfigError;
use crate::hierarchy::RoleHierarchy;
use crate::jwt::JwtVerifier;
use crate::policy::Scheme;
use crate::problem::ProblemResponder;
use crate::proxy::{ForwardedHeaders, TrustedProxies};
use crate::rate_limit::{MemoryStore, Quota, RateLimit, RateLimitStore};
#[cfg(feature = "argon2")]
use crate::users::{FailureLimits, LoginThrottle};
use crate::vocabulary::RoleVocabulary;

/// Everything the secure routes need: how to verify callers, how roles
/// relate, and how to answer refusals.
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
    authenticators: Authenticators,
    /// Also held by the bearer scheme, which screens tokens against it;
    /// logout writes to it whichever schemes are configured.
    revocation: Option<Arc<dyn RevocationStore>>,
    hierarchy: RoleHierarchy,
    responder: ProblemResponder,
    body_limit: usize,
    rate_limits: RateLimits,
    #[cfg(feature = "argon2")]
    throttle: LoginThrottle,
    /// The origins whose pages may send cookie-authenticated unsafe requests.
    trusted_origins: Vec<String>,
}

/// Where rate-limit buckets live, the quotas replaced by name, and whose
/// forwarded headers name the client.
struct RateLimits {
    store: Arc<dyn RateLimitStore>,
    quotas: HashMap<String, Quota>,
    proxies: TrustedProxies,
}

/// The default request body limit: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Collects the security configuration; see [`Security::builder`].
#[must_use]
pub struct SecurityBuilder {
    bearer: BearerSettings,
    #[cfg(feature = "argon2")]
    basic: Option<BasicAuth>,
    hierarchy: Result<RoleHierarchy, ConfigError>,
    responder: ProblemResponder,
    body_limit: usize,
    rate_limit_store: Option<Arc<dyn RateLimitStore>>,
    quotas: HashMap<String, Quota>,
    forwarded: ForwardedHeaders,
    #[cfg(feature = "argon2")]
    failure_limits: FailureLimits,
    #[cfg(feature = "sessions")]
    session: SessionSettings,
    trusted_origins: Vec<String>,
}

impl Default for SecurityBuilder {
    fn default() -> Self {
        Self {
            bearer: BearerSettings {
                fixed: None,
                jwks: None,
                issuers: None,
                cache_capacity: DEFAULT_CACHE_CAPACITY,
                revocation: None,
                revocation_fail_open: false,
                sources: TokenSources::default(),
            },
            #[cfg(feature = "argon2")]
            basic: None,
            hierarchy: Ok(RoleHierarchy::default()),
            responder: ProblemResponder::default(),
            body_limit: DEFAULT_BODY_LIMIT,
            rate_limit_store: None,
            quotas: HashMap::new(),
            forwarded: ForwardedHeaders::ignore(),
            #[cfg(feature = "argon2")]
            failure_limits: FailureLimits::default(),
            #[cfg(feature = "sessions")]
            session: SessionSettings::default(),
            trusted_origins: Vec::new(),
        }
    }
}

impl SecurityBuilder {
    /// Verifies `Authorization: Bearer` tokens with `verifier`'s fixed keys.
    pub fn bearer(mut self, verifier: JwtVerifier) -> Self {
        self.bearer.fixed = Some(verifier);
        self
    }

    /// Verifies `Authorization: Basic` credentials with `basic`.
    #[cfg(feature = "argon2")]
    pub fn basic(mut self, basic: BasicAuth) -> Self {
        self.basic = Some(basic);
        self
    }

    /// Applies `hierarchy` to every role check.
    pub fn role_hierarchy(mut self, hierarchy: RoleHierarchy) -> Self {
        self.hierarchy = Ok(hierarchy);
        self
    }

    /// Applies the hierarchy declared by the `#[derive(Roles)]` vocabulary
    /// `R` (its `#[portcullis(implies(..))]`) to every role check.
    ///
    /// ```
    /// use portcullis::prelude::*;
    ///
    /// #[derive(Roles)]
    /// enum Role {
    ///     #[portcullis(implies(User))]
    ///     Admin,
    ///     User,
    /// }
    ///
    /// let security = Security::builder().roles::<Role>().build().unwrap();
    /// assert!(security.role_hierarchy().grants(&["admin".to_owned()], "user"));
    /// ```
    pub fn roles<R: RoleVocabulary>(mut self) -> Self {
        self.hierarchy = RoleHierarchy::try_from_vocabulary::<R>().map_err(ConfigError::from);
        self
    }

    /// Renders every refusal with `responder`.
    pub fn problem_responder(mut self, responder: ProblemResponder) -> Self {
        self.responder = responder;
        self
    }

    /// Refuses request bodies larger than `bytes` with 413; 64 KiB by default.
    ///
    /// Every route of a [`crate::SecureRouter`] built with this configuration
    /// applies it to the body its extractors read (axum's `Json`, `Form`,
    /// `Bytes` and Portcullis' `Valid` answer 413); it is the one body limit,
    /// with or without [`crate::Hardening`].
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Refuses bearer tokens that `store` lists as revoked, after their
    /// signature checks out; when the store cannot answer, the request is
    /// refused with 503 and `Retry-After` (see
    /// [`SecurityBuilder::revocation_fail_open`]).
    pub fn revocation(mut self, store: impl RevocationStore) -> Self {
        self.bearer.revocation = Some(Arc::new(store));
        self
    }

    /// Accepts verified bearer tokens unchecked while the revocation store
    /// cannot answer, instead of refusing them with 503 (the default).
    /// Revoked tokens then pass until the store returns; every such request
    /// is logged as an error. Logout still fails (503) when it cannot be
    /// recorded.
    pub fn revocation_fail_open(mut self) -> Self {
        self.bearer.revocation_fail_open = true;
        self
    }

    /// Remembers up to `capacity` verified bearer tokens, so signatures are
    /// not checked again on every request; on by default with
    /// [`DEFAULT_CACHE_CAPACITY`] (10 000) entries, each trusted for at most
    /// five minutes and never past the token's `exp`. A JWKS refresh empties
    /// it, and revocation is still checked on every request. `0` turns it off.
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.bearer.cache_capacity = capacity;
        self
    }

    /// Verifies every bearer token's signature on every request.
    pub fn without_token_cache(self) -> Self {
        self.verified_token_cache(0)
    }

    /// Verifies `Authorization: Bearer` tokens with keys from a JWKS,
    /// instead of [`SecurityBuilder::bearer`]'s fixed keys.
    pub fn jwks(mut self, jwks: JwksVerifier) -> Self {
        self.bearer.jwks = Some(jwks);
        self
    }

    /// Verifies `Authorization: Bearer` tokens from several issuers, each
    /// with its own keys, chosen by the token's `iss`.
    pub fn issuers(mut self, issuers: TrustedIssuers) -> Self {
        self.bearer.issuers = Some(issuers);
        self
    }

    /// Reads bearer tokens from `sources`; only the `Authorization` header by default.
    pub fn token_sources(mut self, sources: TokenSources) -> Self {
        self.bearer.sources = sources;
        self
    }

    /// Keeps rate-limit buckets in `store` instead of this process's memory
    /// ([`MemoryStore`], the default); a store shared by every instance
    /// (Redis) makes a limit hold across them. A store that cannot answer
    /// refuses the request with 503 and `Retry-After` (fail closed).
    pub fn rate_limit_store(mut self, store: impl RateLimitStore) -> Self {
        self.rate_limit_store = Some(Arc::new(store));
        self
    }

    /// Replaces the quota of every limit named `name` (as declared with
    /// `rate_limit("name", ..)`), for instance from an environment variable,
    /// so tests and load tests can raise it.
    ///
    /// ```
    /// use portcullis::Security;
    /// use portcullis::rate_limit::Quota;
    ///
    /// let quota: Quota = std::env::var("LOGIN_LIMIT").ok()
    ///     .and_then(|text| text.parse().ok())
    ///     .unwrap_or(Quota::per_minute(5).unwrap());
    /// let security = Security::builder().rate_limit_quota("login", quota).build().unwrap();
    /// # let _ = security;
    /// ```
    pub fn rate_limit_quota(mut self, name: impl Into<String>, quota: Quota) -> Self {
        self.quotas.insert(name.into(), quota);
        self
    }

    /// The reverse proxies to believe, the one setting for them: their
    /// `X-Forwarded-For` (or `Forwarded`) names the client that client-keyed
    /// rate limits, failure limits and sessions count, and the hardening
    /// stack given this `Security` ([`crate::Hardening::security`]) keeps
    /// the `X-Request-Id` they send. By default none: the client is the
    /// connection's peer and every request gets a fresh id.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use portcullis::Security;
    /// use portcullis::hardening::ForwardedHeaders;
    ///
    /// let proxy = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
    /// let security = Security::builder()
    ///     .forwarded_headers(ForwardedHeaders::trust_from([proxy]))
    ///     .build()
    ///     .unwrap();
    /// assert!(security.trusted_proxies().is_trusted(proxy));
    /// // trust without an address would believe every client: refused
    /// let anyone = ForwardedHeaders::trust_from([] as [IpAddr; 0]);
    /// assert!(Security::builder().forwarded_headers(anyone).build().is_err());
    /// ```
    pub fn forwarded_headers(mut self, forwarded: ForwardedHeaders) -> Self {
        self.forwarded = forwarded;
        self
    }

    /// How failed password checks (HTTP Basic, the password grant) are
    /// limited before any hash; see [`FailureLimits`] for the defaults.
    #[cfg(feature = "argon2")]
    pub fn failure_limits(mut self, limits: FailureLimits) -> Self {
        self.failure_limits = limits;
        self
    }

    /// The origins (`https://app.example.com`, as browsers send `Origin`)
    /// whose pages may send unsafe requests authenticated by a cookie (a
    /// session, or a bearer token read from a cookie). Any other `Origin`,
    /// and `null`, is refused with 403 `csrf_failed`; list your own origin
    /// too when the pages are served by this API. None by default: then
    /// only requests without `Origin` (and with `Sec-Fetch-Site:
    /// same-origin`, or with the session's `X-CSRF-Token`) pass. Usually the
    /// CORS allow-list.
    ///
    /// ```
    /// use portcullis::Security;
    ///
    /// let security = Security::builder().trusted_origins(["https://app.example.com"]).build();
    /// assert!(security.is_ok());
    /// assert!(Security::builder().trusted_origins(["null"]).build().is_err());
    /// ```
    pub fn trusted_origins<I>(mut self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.trusted_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Authenticates `scheme = session` routes with server-side sessions
    /// kept in `store` (tower-sessions 0.14's trait): in memory, a bounded
    /// [`MokaStore`]; for several instances, prefer
    /// `SecurityBuilder::redis_sessions` (feature `redis`), whose cache and
    /// per-user index hold across instances. See [`crate::auth::session`].
    ///
    /// ```
    /// use portcullis::Security;
    /// use portcullis::auth::session::{DEFAULT_MEMORY_SESSIONS, MokaStore};
    ///
    /// let store = MokaStore::new(Some(DEFAULT_MEMORY_SESSIONS));
    /// let security = Security::builder().sessions(store).build().unwrap();
    /// assert_eq!(security.sessions().unwrap().cookie_name(), "__Host-session");
    /// ```
    ///
    /// [`MokaStore`]: crate::auth::session::MokaStore
    #[cfg(feature = "sessions")]
    pub fn sessions<S: SessionStore>(mut self, store: S) -> Self {
        self.session.store = Some(Arc::new(store));
        self.session.index = None;
        self.session.store_type = std::any::type_name::<S>();
        self
    }

    /// Authenticates `scheme = session` routes with sessions kept in Redis
    /// and shared by every instance ([`crate::redis::RedisSessions`]): a
    /// session started on one instance works on all, and one ended on any
    /// (logout, "log out everywhere", the per-user cap) is refused on all
    /// within the staleness bound. The per-user index lives in Redis too,
    /// race-free across instances.
    #[cfg(all(feature = "sessions", feature = "redis"))]
    pub fn redis_sessions(mut self, sessions: crate::redis::RedisSessions) -> Self {
        self.session.store_type = std::any::type_name::<crate::redis::RedisSessions>();
        self.session.index = Some(Arc::new(sessions.clone()));
        self.session.store = Some(Arc::new(sessions));
        self
    }

    /// Names the session cookie; `__Host-session` by default. A name without
    /// the `__Host-` prefix is logged at start as weaker.
    #[cfg(feature = "sessions")]
    pub fn session_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.session.cookie_name = name.into();
        self
    }

    /// Drops `Secure` from the session cookie, for a local plain-HTTP run
    /// only (needs a name without `__Host-`); logged at start.
    #[cfg(feature = "sessions")]
    pub fn insecure_session_cookie(mut self) -> Self {
        self.session.insecure = true;
        self
    }

    /// `SameSite=Lax` instead of `Strict` (links from other sites then
    /// arrive signed in); logged at start.
    #[cfg(feature = "sessions")]
    pub fn lax_session_cookie(mut self) -> Self {
        self.session.same_site_lax = true;
        self
    }

    /// Ends a session after `idle` without requests; 30 minutes by default.
    /// Activity is written at most once a minute. Longer is logged at start.
    #[cfg(feature = "sessions")]
    pub fn session_idle_timeout(mut self, idle: Duration) -> Self {
        self.session.idle = idle;
        self
    }

    /// Ends a session `absolute` after sign-in, whatever its activity; 8
    /// hours by default. Longer is logged at start.
    #[cfg(feature = "sessions")]
    pub fn session_absolute_timeout(mut self, absolute: Duration) -> Self {
        self.session.absolute = absolute;
        self
    }

    /// Keeps at most `sessions` concurrent sessions per user (10 by
    /// default); signing in once more ends the oldest.
    #[cfg(feature = "sessions")]
    pub fn sessions_per_user(mut self, sessions: usize) -> Self {
        self.session.per_user = sessions;
        self
    }

    /// Finishes the configuration.
    pub fn build(self) -> Result<Security, ConfigError> {
        for origin in &self.trusted_origins {
            crate::origin::check_configured(origin)?;
        }
        if self.body_limit == 0 {
            return Err(ConfigError::ZeroBodyLimit);
        }
        let hierarchy = self.hierarchy?;
        let revocation = self.bearer.revocation.clone();
        let store = self
            .rate_limit_store
            .unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let proxies = self.forwarded.build()?;
        #[cfg(feature = "argon2")]
        let throttle = LoginThrottle::new(self.failure_limits, Arc::clone(&store), proxies.clone());
        let authenticators = Authenticators {
            bearer: BearerAuth::from_settings(self.bearer)?,
            #[cfg(feature = "argon2")]
            basic: self
                .basic
                .map(|basic| basic.with_throttle(throttle.clone())),
            #[cfg(feature = "sessions")]
            session: SessionManager::from_settings(self.session)?,
        };
        if ![Scheme::Bearer, Scheme::Basic, Scheme::Session]
            .into_iter()
            .any(|scheme| authenticators.supports(scheme))
        {
            tracing::warn!(
                target: "portcullis::config",
                "no authenticator is configured: every guarded route will answer 401"
            );
        }
        Ok(Security(Arc::new(Inner {
            authenticators,
            revocation,
            hierarchy,
            responder: self.responder,
            body_limit: self.body_limit,
            rate_limits: RateLimits {
                store,
                quotas: self.quotas,
                proxies,
            },
            #[cfg(feature = "argon2")]
            throttle,
            trusted_origins: self.trusted_origins,
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

    /// The fixed-key bearer verifier, when bearer tokens are verified with
    /// [`SecurityBuilder::bearer`].
    pub fn bearer(&self) -> Option<&JwtVerifier> {
        self.0.authenticators.bearer.as_ref()?.fixed()
    }

    /// The Basic authenticator, when configured.
    #[cfg(feature = "argon2")]
    pub fn basic(&self) -> Option<&BasicAuth> {
        self.0.authenticators.basic.as_ref()
    }

    /// The revocation store, when configured.
    pub fn revocation(&self) -> Option<&Arc<dyn RevocationStore>> {
        self.0.revocation.as_ref()
    }

    /// Whether routes using `scheme` can authenticate their callers.
    pub fn supports(&self, scheme: Scheme) -> bool {
        self.0.authenticators.supports(scheme)
    }

    /// The largest request body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.0.body_limit
    }

    /// Where rate-limit buckets live.
    pub fn rate_limit_store(&self) -> &Arc<dyn RateLimitStore> {
        &self.0.rate_limits.store
    }

    /// The quota in force for `limit`: the one configured for its name, or
    /// the one it was declared with.
    pub fn quota_of(&self, limit: &RateLimit) -> Quota {
        let quotas = &self.0.rate_limits.quotas;
        if quotas.is_empty() {
            return limit.quota;
        }
        quotas.get(limit.name).copied().unwrap_or(limit.quota)
    }

    /// Whose forwarded headers name the client and whose `X-Request-Id` is
    /// kept ([`SecurityBuilder::forwarded_headers`]).
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.0.rate_limits.proxies
    }

    /// The limits on failed password checks.
    #[cfg(feature = "argon2")]
    pub fn login_throttle(&self) -> &LoginThrottle {
        &self.0.throttle
    }

    /// The session scheme, when configured: to end every session of a
    /// user outside a request ([`SessionManager::end_all`]).
    #[cfg(feature = "sessions")]
    pub fn sessions(&self) -> Option<&SessionManager> {
        self.0.authenticators.session.as_ref()
    }

    /// The origins trusted for cookie-authenticated unsafe requests.
    pub fn trusted_origins(&self) -> &[String] {
        &self.0.trusted_origins
    }

    pub(crate) fn authenticators(&self) -> &Authenticators {
        &self.0.authenticators
    }
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security")
            .field("authenticators", &self.0.authenticators)
            .field("hierarchy", &self.0.hierarchy)
            .field("responder", &self.0.responder)
            .field("body_limit", &self.0.body_limit)
            .field("rate_limit_quotas", &self.0.rate_limits.quotas)
            .field("trusted_proxies", &self.0.rate_limits.proxies)
            .field("trusted_origins", &self.0.trusted_origins)
            .finish_non_exhaustive()
    }
}
