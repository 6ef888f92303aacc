//! Configuration errors: refused at start-up, each saying what to change.

use std::fmt;

use crate::hierarchy::HierarchyError;
use crate::jwt::KeyError;

/// A security configuration that Portcullis refuses to run with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key could not be used.
    Key(KeyError),
    /// A JWT verifier was built without keys.
    NoVerificationKey,
    /// HMAC and asymmetric keys in one key set.
    MixedKeyFamilies,
    /// Several keys, one of them without a `kid`.
    KeyWithoutKid,
    /// Two keys share a `kid`.
    DuplicateKid(String),
    /// A Basic realm that cannot be sent in a header.
    InvalidRealm,
    /// A role hierarchy with a cycle or a malformed role.
    Hierarchy(HierarchyError),
    /// CORS that allows credentials from any origin (`*`).
    CorsWildcardWithCredentials,
    /// A CORS origin that is not `scheme://host[:port]`.
    MalformedOrigin(String),
    /// The `null` origin in a CORS allow-list.
    NullOrigin,
    /// A security header value that cannot be sent, or a weakening one.
    SecurityHeader(String),
    /// A request timeout of zero.
    ZeroTimeout,
    /// A request body limit of zero bytes.
    ZeroBodyLimit,
    /// A hashing or serving limit that cannot work (zero permits, a zero
    /// timeout); the text says what to change.
    Limit(&'static str),
    /// A certificate or private key that could not be loaded.
    Tls(String),
    /// An HTTP→HTTPS redirect without any host name to answer for.
    RedirectWithoutHosts,
    /// A host name that is not a valid DNS name or IP address.
    MalformedHost(String),
    /// A cookie without `Secure` outside development mode.
    InsecureCookie,
    /// Forwarded headers trusted with no proxy configured.
    ForwardedWithoutProxy,
    /// A log filter that does not parse.
    LogFilter(String),
    /// A global log subscriber is already installed.
    LoggingAlreadyInstalled,
    /// A log queue without room, or a log writer thread that could not start.
    LogWriter(&'static str),
    /// A token issuer whose tokens would live less than one second.
    TokenLifetime,
    /// A route that cannot work under its configuration; the text names the
    /// route and says what to add.
    Route(String),
    /// The system's random source failed while building a secret.
    RandomSource,
    /// Bearer key settings (JWKS, trusted issuers) that cannot work; the text
    /// says what to change.
    BearerKeys(&'static str),
    /// A trusted issuer whose fixed-key verifier does not check `aud`, and
    /// was not told to accept any audience; holds the issuer.
    IssuerWithoutAudience(String),
    /// Session, CSRF or sealed-token settings that cannot work; the text
    /// says what to change.
    Sessions(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(error) => error.fmt(f),
            Self::NoVerificationKey => f.write_str("the JWT verifier has no key; add one with `.key(VerificationKey::…)`"),
            Self::MixedKeyFamilies => f.write_str(
                "HMAC and asymmetric keys are mixed in one key set; a public key could then be used as an HMAC secret. Use one family",
            ),
            Self::KeyWithoutKid => f.write_str("with several verification keys, give each a `kid` with `.with_kid(..)`"),
            Self::DuplicateKid(kid) => write!(f, "two verification keys share the kid {kid:?}; give each a distinct kid"),
            Self::InvalidRealm => f.write_str("the Basic realm must be printable ASCII without `\"` or `\\`"),
            Self::Hierarchy(error) => error.fmt(f),
            Self::CorsWildcardWithCredentials => f.write_str(
                "CORS allows credentials from any origin (`*`); list the allowed origins explicitly, or drop `.allow_credentials()`",
            ),
            Self::MalformedOrigin(origin) => write!(
                f,
                "the CORS origin {origin:?} is not `scheme://host[:port]` (lowercase, no path or trailing slash); write it as a browser sends it, e.g. `https://example.com`"
            ),
            Self::NullOrigin => f.write_str(
                "the `null` origin is shared by sandboxed frames, local files and redirects, so any page can claim it; remove it from the CORS allow-list",
            ),
            Self::SecurityHeader(reason) => write!(f, "security headers: {reason}"),
            Self::ZeroTimeout => f.write_str("the request timeout is zero; give a positive duration such as 30 seconds"),
            Self::ZeroBodyLimit => f.write_str("the request body limit is zero; give a positive size such as 64 KiB"),
            Self::Limit(advice) => f.write_str(advice),
            Self::Tls(reason) => write!(f, "TLS: {reason}"),
            Self::RedirectWithoutHosts => f.write_str(
                "the HTTPS redirect answers for no host; name each host it may redirect to with `.host(..)`",
            ),
            Self::MalformedHost(host) => write!(
                f,
                "{host:?} is not a host name or IP address; give the bare name, without scheme, port or path"
            ),
            Self::InsecureCookie => f.write_str(
                "cookies without `Secure` are refused outside development mode; keep `Secure`, or call `.development_mode()` for local plain-HTTP runs only",
            ),
            Self::ForwardedWithoutProxy => f.write_str(
                "forwarded headers are trusted but no proxy is configured, so any client could forge them; list the proxy addresses",
            ),
            Self::LogFilter(reason) => write!(f, "the log filter does not parse: {reason}"),
            Self::LoggingAlreadyInstalled => f.write_str(
                "a global tracing subscriber is already installed; install the JSON logs once, at start-up",
            ),
            Self::LogWriter(advice) => f.write_str(advice),
            Self::BearerKeys(advice) => f.write_str(advice),
            Self::IssuerWithoutAudience(issuer) => write!(
                f,
                "the trusted issuer {issuer:?} has a `JwtVerifier` without audience, so tokens it minted for other APIs would pass; set `.audience(..)` on its verifier, or call `.any_audience()` if this API accepts tokens minted for any audience"
            ),
            Self::Route(reason) => f.write_str(reason),
            Self::Sessions(advice) => f.write_str(advice),
            Self::RandomSource => f.write_str("the system's random source failed; no secret could be generated"),
            Self::TokenLifetime => f.write_str("the token lifetime is under one second; set `.lifetime(..)` to at least one second"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<KeyError> for ConfigError {
    fn from(error: KeyError) -> Self {
        Self::Key(error)
    }
}

impl From<HierarchyError> for ConfigError {
    fn from(error: HierarchyError) -> Self {
        Self::Hierarchy(error)
    }
}
