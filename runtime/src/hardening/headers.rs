//! Security headers on every response, errors included.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS, X_XSS_PROTECTION,
};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service};

use crate::config_error::ConfigError;

/// `Strict-Transport-Security` by default: two years, subdomains included.
pub const DEFAULT_HSTS: &str = "max-age=63072000; includeSubDomains";
/// `X-Frame-Options` by default: never framed.
pub const DEFAULT_FRAME_OPTIONS: &str = "DENY";
/// `Content-Security-Policy` by default: an API loads nothing and is never framed.
pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// `Referrer-Policy` by default: no referrer leaves the site.
pub const DEFAULT_REFERRER_POLICY: &str = "no-referrer";
/// `Cache-Control` by default: no answer is stored by a browser or a proxy
/// (an API's answers hold a caller's data); a route that sets its own keeps it.
pub const DEFAULT_CACHE_CONTROL: &str = "no-store";

/// The security headers to send, with the contract's values by default.
///
/// Each header is set on every response unless the handler already set it,
/// so a route that serves HTML may send a Content-Security-Policy of its own,
/// and a static file or documentation asset a `Cache-Control` of its own
/// (the semantics of tower-http's `SetResponseHeaderLayer::if_not_present`,
/// applied inside the one-pass hardening service).
///
/// `X-XSS-Protection` is sent only as `0`: the filter it switched on was
/// removed from modern browsers, and where it remains it can be abused to
/// blank out or leak parts of a page (see the OWASP secure headers
/// project). `0` asks the legacy filter to stay off; any other value is
/// refused when the layer is built.
///
/// ```
/// use portcullis::hardening::SecurityHeaders;
///
/// let layer = SecurityHeaders::recommended()
///     .content_security_policy("default-src 'self'")
///     .header("permissions-policy", "geolocation=()")
///     .build()
///     .unwrap();
/// # let _ = layer;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SecurityHeaders {
    headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self::recommended()
    }
}

impl SecurityHeaders {
    /// The contract's headers: HSTS, `X-Frame-Options: DENY`, `nosniff`, a
    /// closed CSP, `Referrer-Policy: no-referrer`, `X-XSS-Protection: 0` and
    /// `Cache-Control: no-store`.
    pub fn recommended() -> Self {
        Self::none()
            .header(STRICT_TRANSPORT_SECURITY.as_str(), DEFAULT_HSTS)
            .header(X_FRAME_OPTIONS.as_str(), DEFAULT_FRAME_OPTIONS)
            .header(X_CONTENT_TYPE_OPTIONS.as_str(), "nosniff")
            .header(CONTENT_SECURITY_POLICY.as_str(), DEFAULT_CSP)
            .header(REFERRER_POLICY.as_str(), DEFAULT_REFERRER_POLICY)
            .header(X_XSS_PROTECTION.as_str(), "0")
            .header(CACHE_CONTROL.as_str(), DEFAULT_CACHE_CONTROL)
    }

    /// No header at all; add them one by one with [`SecurityHeaders::header`].
    pub fn none() -> Self {
        Self {
            headers: Vec::new(),
        }
    }

    /// Sets `name` to `value`, replacing an earlier value of the same header.
    pub fn header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        let name = name.into();
        self.headers
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// Stops sending `name` (for example HSTS on a plain-HTTP development run).
    pub fn without(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = name.into();
        self.headers
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
        self
    }

    /// Sets `Strict-Transport-Security`.
    pub fn hsts(self, value: impl Into<Cow<'static, str>>) -> Self {
        self.header(STRICT_TRANSPORT_SECURITY.as_str(), value)
    }

    /// Sets `X-Frame-Options` (`DENY` or `SAMEORIGIN`).
    pub fn frame_options(self, value: impl Into<Cow<'static, str>>) -> Self {
        self.header(X_FRAME_OPTIONS.as_str(), value)
    }

    /// Sets `Content-Security-Policy`.
    pub fn content_security_policy(self, value: impl Into<Cow<'static, str>>) -> Self {
        self.header(CONTENT_SECURITY_POLICY.as_str(), value)
    }

    /// Sets `Referrer-Policy`.
    pub fn referrer_policy(self, value: impl Into<Cow<'static, str>>) -> Self {
        self.header(REFERRER_POLICY.as_str(), value)
    }

    /// Checks every name and value and builds the layer; values are encoded
    /// once here, so a response only clones them.
    pub fn build(self) -> Result<SecurityHeadersLayer, ConfigError> {
        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, value) in self.headers {
            let header = HeaderName::try_from(name.as_ref()).map_err(|_| {
                ConfigError::SecurityHeader(format!("{name:?} is not a header name"))
            })?;
            if header == X_XSS_PROTECTION && value != "0" {
                return Err(ConfigError::SecurityHeader(
                    "`X-XSS-Protection` may only be `0`: the legacy filter it enables can be abused; rely on the Content-Security-Policy".into(),
                ));
            }
            let value = match value {
                Cow::Borrowed(text) => {
                    HeaderValue::from_str(text).map(|_| HeaderValue::from_static(text))
                }
                Cow::Owned(text) => HeaderValue::try_from(text),
            }
            .map_err(|_| {
                ConfigError::SecurityHeader(format!(
                    "the value of `{header}` is not a valid header value"
                ))
            })?;
            headers.push((header, value));
        }
        Ok(SecurityHeadersLayer {
            headers: headers.into(),
        })
    }
}

/// Adds the configured security headers to every response; see [`SecurityHeaders`].
#[derive(Debug, Clone)]
pub struct SecurityHeadersLayer {
    headers: Arc<[(HeaderName, HeaderValue)]>,
}

impl SecurityHeadersLayer {
    /// The contract's headers ([`SecurityHeaders::recommended`]).
    pub fn recommended() -> Self {
        let headers = [
            (STRICT_TRANSPORT_SECURITY, DEFAULT_HSTS),
            (X_FRAME_OPTIONS, DEFAULT_FRAME_OPTIONS),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (CONTENT_SECURITY_POLICY, DEFAULT_CSP),
            (REFERRER_POLICY, DEFAULT_REFERRER_POLICY),
            (X_XSS_PROTECTION, "0"),
            (CACHE_CONTROL, DEFAULT_CACHE_CONTROL),
        ];
        Self {
            headers: headers
                .map(|(name, value)| (name, HeaderValue::from_static(value)))
                .into(),
        }
    }

    /// The headers, shared, for the combined hardening service.
    pub(crate) fn shared(&self) -> Arc<[(HeaderName, HeaderValue)]> {
        Arc::clone(&self.headers)
    }

    /// The headers this layer sets, in order.
    pub fn headers(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.headers.iter().map(|(name, value)| (name, value))
    }
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SetSecurityHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetSecurityHeaders {
            inner,
            headers: Arc::clone(&self.headers),
        }
    }
}

/// The service of [`SecurityHeadersLayer`].
#[derive(Debug, Clone)]
pub struct SetSecurityHeaders<S> {
    inner: S,
    headers: Arc<[(HeaderName, HeaderValue)]>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SetSecurityHeaders<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = SecurityHeadersFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        SecurityHeadersFuture {
            inner: self.inner.call(request),
            headers: Arc::clone(&self.headers),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SetSecurityHeaders`].
    pub struct SecurityHeadersFuture<F> {
        #[pin]
        inner: F,
        headers: Arc<[(HeaderName, HeaderValue)]>,
    }
}

impl<F, B, E> Future for SecurityHeadersFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        let map = response.headers_mut();
        map.reserve(this.headers.len());
        set_vacant(map, this.headers);
        Poll::Ready(Ok(response))
    }
}

/// Sets each of `headers` that `map` does not hold yet.
pub(crate) fn set_vacant(map: &mut HeaderMap, headers: &[(HeaderName, HeaderValue)]) {
    for (name, value) in headers {
        if let http::header::Entry::Vacant(slot) = map.entry(name) {
            slot.insert(value.clone());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn recommended_builds_the_same_headers_as_the_shortcut() {
        let built = SecurityHeaders::recommended().build().unwrap();
        let shortcut = SecurityHeadersLayer::recommended();
        let a: Vec<_> = built.headers().collect();
        let b: Vec<_> = shortcut.headers().collect();
        assert_eq!(a, b);
    }

    #[test]
    fn xss_filter_may_only_be_off() {
        let error = SecurityHeaders::recommended()
            .header("X-XSS-Protection", "1; mode=block")
            .build()
            .unwrap_err();
        assert!(matches!(error, ConfigError::SecurityHeader(_)));
    }

    #[test]
    fn bad_values_are_refused_at_build() {
        let error = SecurityHeaders::recommended()
            .content_security_policy("a\nb")
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("content-security-policy"));
        assert!(
            SecurityHeaders::none()
                .header("bad name", "x")
                .build()
                .is_err()
        );
    }
}
