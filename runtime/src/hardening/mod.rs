//! Hardening layers: security headers, CORS, request ids, timeouts, body
//! limits, contained panics, problem-shaped errors and JSON logs, plus
//! serving with connection limits ([`serve`], and over TLS with an
//! HTTP→HTTPS redirect).
//!
//! [`Hardening`] applies them all with the contract's defaults in one call;
//! each layer is also usable alone.
//!
//! ```
//! use portcullis::hardening::{CorsPolicy, Hardening};
//!
//! let app: axum::Router = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
//! let app = Hardening::new()
//!     .cors(CorsPolicy::allow_origins(["https://example.com"]))
//!     .apply(app)
//!     .unwrap();
//! # let _ = app;
//! ```

mod access_log;
mod cookies;
mod cors;
mod errors;
mod headers;
#[cfg(feature = "json-logs")]
mod json_line;
#[cfg(feature = "json-logs")]
mod log_queue;
#[cfg(feature = "json-logs")]
mod logging;
mod panic;
mod redirect;
mod request_id;
mod serve;
mod stack;
#[cfg(feature = "tls")]
mod tls;

use std::fmt;
use std::time::Duration;

use axum::Router;
use tower::Layer;

pub use crate::proxy::{ForwardedHeaders, TrustedProxies};
pub use access_log::{ACCESS_TARGET, AccessLog, AccessLogFuture, AccessLogLayer, MAX_LOGGED_PATH};
pub use cookies::{CookiePolicy, SameSite};
pub use cors::{CorsPolicy, DEFAULT_CORS_MAX_AGE};
pub use errors::{ProblemErrors, ProblemFuture, ProblemLayer, problem_for_status};
pub use headers::{
    DEFAULT_CACHE_CONTROL, DEFAULT_CSP, DEFAULT_FRAME_OPTIONS, DEFAULT_HSTS,
    DEFAULT_REFERRER_POLICY, SecurityHeaders, SecurityHeadersFuture, SecurityHeadersLayer,
    SetSecurityHeaders,
};
#[cfg(feature = "json-logs")]
pub use log_queue::LOG_WRITER_TARGET;
#[cfg(feature = "json-logs")]
pub use logging::{DEFAULT_LOG_FILTER, DEFAULT_LOG_QUEUE, JsonLogs, LogGuard};
pub use panic::{
    CatchPanic, CatchPanicFuture, CatchPanicLayer, PANIC_TARGET, install_quiet_panic_hook,
};
pub use redirect::HttpsRedirect;
pub use request_id::{
    MAX_REQUEST_ID_LEN, RequestId, RequestIdFuture, RequestIdLayer, SetRequestId, X_REQUEST_ID,
};
pub use serve::{
    CheckedServerLimits, DEFAULT_BODY_DEADLINE, DEFAULT_H2_MAX_CONCURRENT_STREAMS,
    DEFAULT_H2_MAX_HEADER_LIST_BYTES, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_SHUTDOWN_GRACE, ServerLimits, serve,
};
pub use stack::{Hardened, HardenedFuture};
#[cfg(feature = "tls")]
pub use tls::{TlsConfig, serve_https, serve_tls};
/// tower-http's CORS layer, as [`CorsPolicy::build`] returns it.
pub use tower_http::cors::CorsLayer;

use crate::config_error::ConfigError;
use crate::problem::ProblemResponder;
use crate::security::Security;
use stack::{Answers, HardenedLayer, Settings};

/// The request timeout by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Every hardening layer with the contract's defaults, configured in one place.
///
/// From the outside in: [`RequestIdLayer`], [`AccessLogLayer`],
/// [`SecurityHeadersLayer`] (so preflights and every error carry the
/// headers), CORS when configured, [`ProblemLayer`], a 30-second timeout
/// answering 408 and [`CatchPanicLayer`]. The body limit is the secure
/// routes' own ([`crate::SecurityBuilder::body_limit`]).
///
/// [`Hardening::build`] refuses insecure settings with a [`ConfigError`] that
/// says what to change; it never panics.
///
/// ```
/// use std::time::Duration;
/// use portcullis::hardening::{CookiePolicy, Hardening, SecurityHeaders};
///
/// let layer = Hardening::new()
///     .security_headers(SecurityHeaders::recommended().content_security_policy("default-src 'self'"))
///     .timeout(Duration::from_secs(10))
///     .session_cookie(CookiePolicy::session("__Host-session"))
///     .build()
///     .unwrap();
/// let app: axum::Router = layer.apply(axum::Router::new());
/// # let _ = app;
///
/// // a cookie without `Secure` needs an explicit development mode
/// let insecure = Hardening::new().session_cookie(CookiePolicy::session("sid").insecure());
/// assert!(insecure.build().is_err());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Hardening {
    headers: SecurityHeaders,
    cors: Option<CorsPolicy>,
    timeout: Duration,
    answers: Answers,
    access_log: AccessLogLayer,
    mode: Mode,
    cookie: Option<CookiePolicy>,
    /// The [`Security`]'s trusted proxies (none without one).
    proxies: TrustedProxies,
}

/// Whether settings meant only for a local plain-HTTP run are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Production,
    Development,
}

impl Default for Hardening {
    fn default() -> Self {
        Self::new()
    }
}

impl Hardening {
    /// The contract's defaults: recommended headers, no CORS, 30 s timeout,
    /// the built-in problem rendering, production mode.
    pub fn new() -> Self {
        Self {
            headers: SecurityHeaders::recommended(),
            cors: None,
            timeout: DEFAULT_TIMEOUT,
            answers: Answers::Own(ProblemResponder::default()),
            access_log: AccessLogLayer::new(),
            mode: Mode::Production,
            cookie: None,
            proxies: TrustedProxies::default(),
        }
    }

    /// Sends `headers` instead of the recommended set.
    pub fn security_headers(mut self, headers: impl Into<SecurityHeaders>) -> Self {
        self.headers = headers.into();
        self
    }

    /// Answers cross-origin requests as `policy` says.
    pub fn cors(mut self, policy: impl Into<CorsPolicy>) -> Self {
        self.cors = Some(policy.into());
        self
    }

    /// Abandons requests that take longer than `timeout` with 408.
    pub fn timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Renders every error the layers produce with `responder`, for a stack
    /// without a [`Security`].
    pub fn problem_responder(mut self, responder: impl Into<ProblemResponder>) -> Self {
        self.answers = Answers::Own(responder.into());
        self
    }

    /// Holds `security`, the configuration of the secure routes inside, and
    /// renders the layers' own answers with its responder, as the guards do.
    ///
    /// The stack also takes its trusted proxies from `security`
    /// ([`crate::SecurityBuilder::forwarded_headers`], the one setting for
    /// them): only from one of them is a client's `X-Request-Id` kept; from
    /// any other peer a request gets a fresh id and the client's value is
    /// logged apart (`client_request_id`). Without a `Security` no proxy is
    /// trusted.
    ///
    /// There is no body limit here: each secure route applies its
    /// `Security`'s ([`crate::SecurityBuilder::body_limit`]) to the body its
    /// extractors read, so a 413 comes from the route, with or without this
    /// stack. Plain axum routes keep axum's own limit (`DefaultBodyLimit`).
    pub fn security(mut self, security: &Security) -> Self {
        self.answers = Answers::Of(security.clone());
        self.proxies = security.trusted_proxies().clone();
        self
    }

    /// Logs requests with `layer`; [`AccessLogLayer::event_only`] drops the
    /// per-request span (cheaper, but audit events then carry no request id).
    pub fn access_log(mut self, layer: impl Into<AccessLogLayer>) -> Self {
        self.access_log = layer.into();
        self
    }

    /// The session cookie's attributes; without `Secure` it needs
    /// [`Hardening::development_mode`].
    pub fn session_cookie(mut self, policy: impl Into<CookiePolicy>) -> Self {
        self.cookie = Some(policy.into());
        self
    }

    /// Allows settings meant only for a local plain-HTTP run (a cookie
    /// without `Secure`). Never use it in production.
    pub fn development_mode(mut self) -> Self {
        self.mode = Mode::Development;
        self
    }

    /// Checks every setting and builds the layer stack.
    pub fn build(self) -> Result<HardeningLayer, ConfigError> {
        if self.timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout);
        }
        if let Some(cookie) = &self.cookie
            && !cookie.is_secure()
            && self.mode != Mode::Development
        {
            return Err(ConfigError::InsecureCookie);
        }
        let headers = self.headers.build()?;
        let cors = self.cors.map(CorsPolicy::rules).transpose()?;
        let hardened = HardenedLayer::new(Settings {
            headers: headers.shared(),
            cors,
            answers: self.answers,
            timeout: self.timeout,
            span: self.access_log.span_mode(),
            proxies: self.proxies,
        });
        Ok(HardeningLayer {
            hardened,
            cookie: self.cookie,
        })
    }

    /// Builds the stack and wraps every route (and the fallback) of `router` in it.
    pub fn apply<S>(self, router: Router<S>) -> Result<Router<S>, ConfigError>
    where
        S: Clone + Send + Sync + 'static,
    {
        Ok(self.build()?.apply(router))
    }
}

/// The checked layer stack [`Hardening::build`] returns.
///
/// Apply it once with [`HardeningLayer::apply`] or `Router::layer`: the
/// layers are one service ([`Hardened`]), so a
/// request crosses them in one call and one future, and each route's copy
/// shares the settings through one `Arc`.
#[derive(Clone)]
pub struct HardeningLayer {
    hardened: HardenedLayer,
    cookie: Option<CookiePolicy>,
}

impl HardeningLayer {
    /// Wraps every route (and the fallback) of `router`.
    pub fn apply<S>(self, router: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        router.layer(self)
    }

    /// The checked session cookie policy, when one was configured.
    pub fn cookie_policy(&self) -> Option<&CookiePolicy> {
        self.cookie.as_ref()
    }
}

impl fmt::Debug for HardeningLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HardeningLayer")
            .field("cookie", &self.cookie)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for HardeningLayer {
    type Service = Hardened<S>;

    fn layer(&self, inner: S) -> Self::Service {
        self.hardened.layer(inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn zero_settings_are_refused() {
        assert_eq!(
            Hardening::new().timeout(Duration::ZERO).build().err(),
            Some(ConfigError::ZeroTimeout)
        );
    }

    #[test]
    fn insecure_cookies_need_development_mode() {
        let cookie = CookiePolicy::session("sid").insecure();
        assert_eq!(
            Hardening::new()
                .session_cookie(cookie.clone())
                .build()
                .err(),
            Some(ConfigError::InsecureCookie)
        );
        assert!(
            Hardening::new()
                .session_cookie(cookie)
                .development_mode()
                .build()
                .is_ok()
        );
    }
}
