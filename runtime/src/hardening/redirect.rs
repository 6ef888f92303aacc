//! The plain-HTTP listener that redirects to HTTPS, for the configured host
//! names only.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, LOCATION};
use http::request::Parts;
use http::{HeaderValue, StatusCode};

use crate::config_error::ConfigError;
use crate::problem::Problem;

/// The plain-HTTP side: answers every request with 308 to the same path and
/// query over HTTPS, for the configured host names only.
///
/// The target host is taken from the configuration, never copied from the
/// request: a request for any other `Host` gets 421 Misdirected Request, so
/// a forged `Host` cannot turn the server into an open redirect.
///
/// ```
/// use portcullis::hardening::HttpsRedirect;
///
/// let redirect: axum::Router = HttpsRedirect::to_hosts(["example.com", "www.example.com"])
///     .https_port(8443_u16)
///     .build()
///     .unwrap();
/// # let _ = redirect;
/// assert!(HttpsRedirect::to_hosts(["https://example.com/"]).build().is_err());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct HttpsRedirect {
    hosts: Vec<String>,
    https_port: u16,
}

struct Target {
    hosts: Vec<String>,
    port_suffix: String,
}

impl HttpsRedirect {
    /// Redirects requests for these host names (or IP addresses).
    pub fn to_hosts<I>(hosts: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            hosts: hosts.into_iter().map(Into::into).collect(),
            https_port: 443,
        }
    }

    /// The port HTTPS listens on (443 by default).
    pub fn https_port(mut self, port: impl Into<u16>) -> Self {
        self.https_port = port.into();
        self
    }

    /// Checks the host names and builds the redirecting router.
    pub fn build(self) -> Result<Router, ConfigError> {
        if self.hosts.is_empty() {
            return Err(ConfigError::RedirectWithoutHosts);
        }
        let mut hosts = Vec::with_capacity(self.hosts.len());
        for host in self.hosts {
            let lower = host.to_ascii_lowercase();
            if !crate::origin::is_serialized_host(&lower) {
                return Err(ConfigError::MalformedHost(host));
            }
            hosts.push(lower);
        }
        let port_suffix = match self.https_port {
            443 => String::new(),
            port => format!(":{port}"),
        };
        Ok(Router::new()
            .fallback(redirect)
            .with_state(Arc::new(Target { hosts, port_suffix })))
    }
}

/// The host a request names, without its port.
fn requested_host(parts: &Parts) -> Option<&str> {
    let authority = match parts.uri.authority() {
        Some(authority) => authority.as_str(),
        None => parts.headers.get(HOST)?.to_str().ok()?,
    };
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if authority.starts_with('[') {
        return authority.find(']').map(|end| &authority[..=end]);
    }
    Some(
        authority
            .split_once(':')
            .map_or(authority, |(host, _)| host),
    )
}

async fn redirect(State(target): State<Arc<Target>>, parts: Parts) -> Response {
    let host = requested_host(&parts).and_then(|host| {
        target
            .hosts
            .iter()
            .find(|known| known.eq_ignore_ascii_case(host))
    });
    let Some(host) = host else {
        return Problem::new(
            StatusCode::MISDIRECTED_REQUEST,
            "unknown_host",
            "this server does not answer for the requested host",
        )
        .into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    match HeaderValue::try_from(format!("https://{host}{}{path}", target.port_suffix)) {
        Ok(location) => (StatusCode::PERMANENT_REDIRECT, [(LOCATION, location)]).into_response(),
        Err(_) => Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request could not be read",
        )
        .into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parts(uri: &str, host: Option<&str>) -> Parts {
        let mut builder = http::Request::builder().uri(uri);
        if let Some(host) = host {
            builder = builder.header(HOST, host);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_host_is_read_without_port() {
        assert_eq!(
            requested_host(&parts("/x", Some("example.com:8080"))),
            Some("example.com")
        );
        assert_eq!(
            requested_host(&parts("/x", Some("[::1]:80"))),
            Some("[::1]")
        );
        assert_eq!(
            requested_host(&parts("http://evil.test/x", Some("example.com"))),
            Some("evil.test")
        );
        assert_eq!(requested_host(&parts("/x", None)), None);
    }

    #[test]
    fn hosts_are_checked_at_build() {
        assert_eq!(
            HttpsRedirect::to_hosts([""; 0]).build().err(),
            Some(ConfigError::RedirectWithoutHosts)
        );
        for bad in [
            "example.com:443",
            "https://example.com",
            "exa mple.com",
            "example.com/x",
        ] {
            assert_eq!(
                HttpsRedirect::to_hosts([bad]).build().err(),
                Some(ConfigError::MalformedHost(bad.to_owned()))
            );
        }
        assert!(
            HttpsRedirect::to_hosts(["Example.COM", "127.0.0.1"])
                .build()
                .is_ok()
        );
    }
}
