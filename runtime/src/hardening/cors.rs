//! CORS from an explicit allow-list, checked when the layer is built.

use std::time::Duration;

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    AUTHORIZATION, CONTENT_TYPE, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
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
        let origins = self.checked_origins()?;
        let allow_origin = match origins {
            AllowedOrigins::Any => AllowOrigin::any(),
            AllowedOrigins::List(values) => AllowOrigin::list(values),
        };
        Ok(CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_credentials(self.credentials)
            .allow_methods(self.methods)
            .allow_headers(self.headers)
            .expose_headers(self.expose)
            .max_age(self.max_age))
    }

    /// Checks the policy and encodes every answer header once, for the
    /// combined service of [`super::Hardening`]; it answers as the layer of
    /// [`CorsPolicy::build`] does.
    pub(crate) fn rules(self) -> Result<CorsRules, ConfigError> {
        let origins = self.checked_origins()?;
        let encode = |text: String| {
            HeaderValue::try_from(text.as_str()).map_err(|_| {
                ConfigError::SecurityHeader(format!("`{text}` is not a valid CORS header value"))
            })
        };
        let methods = self.methods.iter().map(Method::as_str);
        let headers = self.headers.iter().map(HeaderName::as_str);
        let expose = self.expose.iter().map(HeaderName::as_str);
        Ok(CorsRules {
            origins,
            credentials: self.credentials,
            methods: encode(methods.collect::<Vec<_>>().join(","))?,
            headers: encode(headers.collect::<Vec<_>>().join(","))?,
            expose: match self.expose.is_empty() {
                true => None,
                false => Some(encode(expose.collect::<Vec<_>>().join(","))?),
            },
            max_age: HeaderValue::from(self.max_age.as_secs()),
        })
    }

    fn checked_origins(&self) -> Result<AllowedOrigins, ConfigError> {
        match &self.origins {
            Origins::Any if self.credentials => Err(ConfigError::CorsWildcardWithCredentials),
            Origins::Any => Ok(AllowedOrigins::Any),
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
                        _ => values.push(check_origin(origin)?),
                    }
                }
                Ok(AllowedOrigins::List(values))
            }
        }
    }
}

/// The origins a checked policy allows.
#[derive(Debug, Clone)]
enum AllowedOrigins {
    Any,
    List(Vec<HeaderValue>),
}

/// A checked [`CorsPolicy`] with its answer headers encoded once.
///
/// It answers like tower-http's layer: every OPTIONS request is a preflight
/// answered here; `Vary: origin` (appended) when the answer depends on the
/// origin; `Access-Control-Allow-Origin` for an allowed origin (`*` for
/// any); `Access-Control-Allow-Credentials` when configured; the allowed
/// methods, headers and max age on preflights, the exposed headers on other
/// answers.
#[derive(Debug, Clone)]
pub(crate) struct CorsRules {
    origins: AllowedOrigins,
    credentials: bool,
    methods: HeaderValue,
    headers: HeaderValue,
    expose: Option<HeaderValue>,
    max_age: HeaderValue,
}

/// How many headers [`CorsRules::answer`] adds at most.
pub(crate) const MAX_CORS_HEADERS: usize = 6;

impl CorsRules {
    /// The allowed origin to grant, read from the request's `Origin`.
    pub(crate) fn grant(&self, request: &HeaderMap) -> Option<HeaderValue> {
        match &self.origins {
            AllowedOrigins::Any => Some(HeaderValue::from_static("*")),
            AllowedOrigins::List(allowed) => {
                let origin = request.get(ORIGIN)?;
                allowed
                    .iter()
                    .any(|value| value.as_bytes() == origin.as_bytes())
                    .then(|| origin.clone())
            }
        }
    }

    /// Adds the CORS headers to an answer (a preflight's when `preflight`).
    pub(crate) fn answer(&self, map: &mut HeaderMap, grant: Option<HeaderValue>, preflight: bool) {
        if let AllowedOrigins::List(_) = self.origins {
            map.append(VARY, HeaderValue::from_static("origin"));
        }
        if let Some(origin) = grant {
            map.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        if self.credentials {
            map.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if preflight {
            map.insert(ACCESS_CONTROL_ALLOW_METHODS, self.methods.clone());
            map.insert(ACCESS_CONTROL_ALLOW_HEADERS, self.headers.clone());
            map.insert(ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
        } else if let Some(expose) = &self.expose {
            map.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }
}

/// `origin` as a header value, if it is the serialization of a tuple origin.
fn check_origin(origin: &str) -> Result<HeaderValue, ConfigError> {
    crate::origin::check_configured(origin)?;
    HeaderValue::from_str(origin).map_err(|_| ConfigError::MalformedOrigin(origin.to_owned()))
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
