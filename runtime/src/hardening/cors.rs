//! CORS from an explicit allow-list, checked when the layer is built.

use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::request_id::X_REQUEST_ID;
use crate::config_error::ConfigError;

/// Which origins may call the API from a browser, and how.
///
/// Built on tower-http's [`CorsLayer`]; this type only decides what it may
/// be configured with. [`CorsPolicy::build`] refuses, as a [`ConfigError`]
/// rather than a panic at the first request:
///
/// - credentials together with the wildcard origin `*`;
/// - an origin that is not exactly `scheme://host[:port]` as a browser sends
///   it (lowercase, no default port, no path, no trailing slash);
/// - the `null` origin, which sandboxed frames, `file:` pages and redirected
///   requests all send, so allowing it allows any page.
///
/// Requests from other origins get no `Access-Control-Allow-*` answer, so the
/// browser withholds the response from the calling page.
///
/// ```
/// use portcullis::hardening::CorsPolicy;
///
/// let cors = CorsPolicy::allow_origins(["https://example.com", "https://app.example.com:8443"])
///     .allow_credentials()
///     .build()
///     .unwrap();
/// # let _ = cors;
/// assert!(CorsPolicy::any_origin().allow_credentials().build().is_err());
/// assert!(CorsPolicy::allow_origins(["https://example.com/"]).build().is_err());
/// assert!(CorsPolicy::allow_origins(["null"]).build().is_err());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CorsPolicy {
    origins: Origins,
    credentials: bool,
    methods: Vec<Method>,
    headers: Vec<HeaderName>,
    expose: Vec<HeaderName>,
    max_age: Duration,
}

#[derive(Debug, Clone)]
enum Origins {
    Any,
    List(Vec<String>),
}

/// The preflight cache time by default: ten minutes.
pub const DEFAULT_CORS_MAX_AGE: Duration = Duration::from_secs(600);

impl CorsPolicy {
    /// Allows exactly these origins, such as `https://example.com`.
    pub fn allow_origins<I>(origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self::with(Origins::List(origins.into_iter().map(Into::into).collect()))
    }

    /// Allows every origin, without credentials (a public, read-only API).
    pub fn any_origin() -> Self {
        Self::with(Origins::Any)
    }

    fn with(origins: Origins) -> Self {
        Self {
            origins,
            credentials: false,
            methods: vec![
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ],
            headers: vec![AUTHORIZATION, CONTENT_TYPE],
            expose: vec![X_REQUEST_ID],
            max_age: DEFAULT_CORS_MAX_AGE,
        }
    }

    /// Lets the browser send cookies and `Authorization` cross-origin.
    pub fn allow_credentials(mut self) -> Self {
        self.credentials = true;
        self
    }

    /// The methods a cross-origin request may use (GET, POST, PUT, PATCH and
    /// DELETE by default).
    pub fn allow_methods(mut self, methods: impl IntoIterator<Item = impl Into<Method>>) -> Self {
        self.methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// The request headers a cross-origin request may send (`Authorization`
    /// and `Content-Type` by default).
    pub fn allow_headers(
        mut self,
        headers: impl IntoIterator<Item = impl Into<HeaderName>>,
    ) -> Self {
        self.headers = headers.into_iter().map(Into::into).collect();
        self
    }

    /// The response headers the calling page may read (`X-Request-Id` by default).
    pub fn expose_headers(
        mut self,
        headers: impl IntoIterator<Item = impl Into<HeaderName>>,
    ) -> Self {
        self.expose = headers.into_iter().map(Into::into).collect();
        self
    }

    /// How long a browser may cache a preflight answer.
    pub fn max_age(mut self, max_age: impl Into<Duration>) -> Self {
        self.max_age = max_age.into();
        self
    }

    /// Checks the policy and builds tower-http's layer.
    pub fn build(self) -> Result<CorsLayer, ConfigError> {
        let allow_origin = match self.origins {
            Origins::Any if self.credentials => {
                return Err(ConfigError::CorsWildcardWithCredentials);
            }
            Origins::Any => AllowOrigin::any(),
            Origins::List(origins) => {
                let mut values = Vec::with_capacity(origins.len());
                for origin in origins {
                    match origin.as_str() {
                        "*" if self.credentials => {
                            return Err(ConfigError::CorsWildcardWithCredentials);
                        }
                        "*" => {
                            return Err(ConfigError::MalformedOrigin(
                                "* (use `CorsPolicy::any_origin()` for every origin)".to_owned(),
                            ));
                        }
                        _ => values.push(check_origin(&origin)?),
                    }
                }
                AllowOrigin::list(values)
            }
        };
        Ok(CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_credentials(self.credentials)
            .allow_methods(self.methods)
            .allow_headers(self.headers)
            .expose_headers(self.expose)
            .max_age(self.max_age))
    }
}

/// `origin` as a header value, if it is the serialization of a tuple origin.
fn check_origin(origin: &str) -> Result<HeaderValue, ConfigError> {
    if origin.eq_ignore_ascii_case("null") {
        return Err(ConfigError::NullOrigin);
    }
    let malformed = || ConfigError::MalformedOrigin(origin.to_owned());
    let url = url::Url::parse(origin).map_err(|_| malformed())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(malformed());
    }
    let canonical = url.origin().ascii_serialization();
    if canonical != origin {
        return Err(malformed());
    }
    HeaderValue::from_str(origin).map_err(|_| malformed())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_be_exact() {
        assert!(check_origin("https://example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        for bad in [
            "https://example.com/",
            "https://example.com/path",
            "https://EXAMPLE.com",
            "https://example.com:443",
            "example.com",
            "ftp://example.com",
            "https://user@example.com",
            "https://example.com?x",
            "",
        ] {
            assert_eq!(
                check_origin(bad),
                Err(ConfigError::MalformedOrigin(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(check_origin("null"), Err(ConfigError::NullOrigin));
    }

    #[test]
    fn wildcard_with_credentials_is_refused() {
        assert_eq!(
            CorsPolicy::allow_origins(["*"])
                .allow_credentials()
                .build()
                .err(),
            Some(ConfigError::CorsWildcardWithCredentials)
        );
        assert!(CorsPolicy::any_origin().build().is_ok());
    }
}
