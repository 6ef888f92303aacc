//! One log event per request: request id, method, matched path, status, latency.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::MatchedPath;
use http::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION, SET_COOKIE};
use http::{HeaderMap, Method, Request, Response};
use tower::{Layer, Service};
use tracing::Span;

use super::request_id::{ClientRequestId, RequestId};

/// The tracing target of request log events.
pub const ACCESS_TARGET: &str = "portcullis::access";

/// The longest path the access log writes whole, in bytes; a longer one is
/// cut there and the line carries `path_truncated: true` and `path_len`.
pub const MAX_LOGGED_PATH: usize = 512;

/// Logs one event per request on [`ACCESS_TARGET`] and hides credentials
/// from every other log line.
///
/// The event carries `request_id`, `method`, `path` (the route pattern such
/// as `/items/{id}` when the router matched one, so ids and query strings
/// stay out of the log; otherwise the bare path without query, cut after
/// [`MAX_LOGGED_PATH`] bytes), `status` and `latency_us`, and
/// `client_request_id` when the client sent an `X-Request-Id` that was not
/// kept (see [`super::RequestIdLayer`]); 5xx answers are logged at `error`,
/// others at `info`.
///
/// It also marks `Authorization`, `Proxy-Authorization`, `Cookie` and
/// `Set-Cookie` sensitive, so a handler or library that logs the header map
/// with `{:?}` prints `Sensitive` in their place, and runs the request inside
/// a `request` span carrying the request id, so audit events of the request
/// can be tied to its log line.
///
/// ```
/// use portcullis::hardening::{AccessLogLayer, RequestIdLayer};
///
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "ok" }))
///     .layer(tower::ServiceBuilder::new().layer(RequestIdLayer::new()).layer(AccessLogLayer::new()));
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct AccessLogLayer {
    span: SpanMode,
}

/// Whether requests run in a `request` span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpanMode {
    WithSpan,
    EventOnly,
}

impl Default for AccessLogLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl AccessLogLayer {
    /// Whether requests run in a span.
    pub(crate) fn span_mode(&self) -> SpanMode {
        self.span
    }

    /// Logs each request and runs it in a `request` span.
    pub fn new() -> Self {
        Self {
            span: SpanMode::WithSpan,
        }
    }

    /// Logs each request without the span (cheaper; audit events then carry
    /// no request id).
    pub fn event_only() -> Self {
        Self {
            span: SpanMode::EventOnly,
        }
    }
}

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessLog {
            inner,
            span: self.span,
        }
    }
}

/// The service of [`AccessLogLayer`].
#[derive(Debug, Clone)]
pub struct AccessLog<S> {
    inner: S,
    span: SpanMode,
}

/// Marks the credential-bearing headers of `headers` sensitive.
pub(crate) fn redact(headers: &mut HeaderMap) {
    // one pass over the (few) headers beats four hashed lookups
    for (name, value) in headers.iter_mut() {
        if name == AUTHORIZATION
            || name == COOKIE
            || name == SET_COOKIE
            || name == PROXY_AUTHORIZATION
        {
            value.set_sensitive(true);
        }
    }
}

enum PathLabel {
    Matched(MatchedPath),
    Raw(http::Uri),
}

impl PathLabel {
    fn as_str(&self) -> &str {
        match self {
            Self::Matched(path) => path.as_str(),
            Self::Raw(uri) => uri.path(),
        }
    }
}

/// What the access log keeps of a request until its answer is ready.
pub(crate) struct AccessRecord {
    span: Span,
    start: Instant,
    method: Method,
    path: PathLabel,
    request_id: Option<RequestId>,
    client_request_id: Option<ClientRequestId>,
}

impl AccessRecord {
    /// Hides the request's credentials and notes what the log line needs;
    /// `request_id` is the id already given to the request, if any, and
    /// `client_request_id` the client's id that was not kept.
    pub(crate) fn begin<B>(
        request: &mut Request<B>,
        start: Instant,
        request_id: Option<RequestId>,
        client_request_id: Option<ClientRequestId>,
        span: SpanMode,
    ) -> Self {
        redact(request.headers_mut());
        let path = match request.extensions().get::<MatchedPath>() {
            Some(matched) => PathLabel::Matched(matched.clone()),
            None => PathLabel::Raw(request.uri().clone()),
        };
        let span = match span {
            SpanMode::WithSpan => tracing::info_span!(
                target: ACCESS_TARGET,
                "request",
                request_id = request_id.as_ref().map_or("-", RequestId::as_str)
            ),
            SpanMode::EventOnly => Span::none(),
        };
        Self {
            span,
            start,
            method: request.method().clone(),
            path,
            request_id,
            client_request_id,
        }
    }

    /// When the request arrived.
    pub(crate) fn started(&self) -> Instant {
        self.start
    }

    /// The request's span, entered around every call into the inner service.
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// Hides the answer's credentials and logs the request.
    pub(crate) fn finish<B>(&self, response: &mut Response<B>) {
        redact(response.headers_mut());
        let latency_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let status = response.status().as_u16();
        let request_id = self.request_id.as_ref().map_or("-", RequestId::as_str);
        let method = self.method.as_str();
        let (path, path_len) = cut(self.path.as_str());
        let path_truncated = path_len.map(|_| true);
        let client_request_id = self
            .client_request_id
            .as_ref()
            .map(ClientRequestId::for_log);
        let client_request_id = client_request_id.as_deref();
        if response.status().is_server_error() {
            tracing::error!(target: ACCESS_TARGET, request_id, method, path, path_truncated, path_len, client_request_id, status, latency_us, "request");
        } else {
            tracing::info!(target: ACCESS_TARGET, request_id, method, path, path_truncated, path_len, client_request_id, status, latency_us, "request");
        }
    }
}

/// `path` cut after [`MAX_LOGGED_PATH`] bytes (at a character boundary),
/// and its whole length when it was cut.
fn cut(path: &str) -> (&str, Option<u64>) {
    if path.len() <= MAX_LOGGED_PATH {
        return (path, None);
    }
    let mut end = MAX_LOGGED_PATH;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    (&path[..end], u64::try_from(path.len()).ok())
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessLog<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AccessLogFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let start = Instant::now();
        let request_id = request.extensions().get::<RequestId>().cloned();
        let client_request_id = request.extensions_mut().remove::<ClientRequestId>();
        let record = AccessRecord::begin(
            &mut request,
            start,
            request_id,
            client_request_id,
            self.span,
        );
        let inner = record.span().in_scope(|| self.inner.call(request));
        AccessLogFuture { inner, record }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`AccessLog`].
    pub struct AccessLogFuture<F> {
        #[pin]
        inner: F,
        record: AccessRecord,
    }
}

impl<F, B, E> Future for AccessLogFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _entered = this.record.span().enter();
            ready!(this.inner.poll(cx))
        };
        let mut response = result?;
        this.record.finish(&mut response);
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_are_cut_at_a_character_boundary() {
        assert_eq!(cut("/short"), ("/short", None));
        let exact = "a".repeat(MAX_LOGGED_PATH);
        assert_eq!(cut(&exact), (exact.as_str(), None));
        // a two-byte character straddling the limit is left out whole
        let straddling = format!("{}é{}", "a".repeat(MAX_LOGGED_PATH - 1), "b".repeat(100));
        let (kept, len) = cut(&straddling);
        assert_eq!(kept.len(), MAX_LOGGED_PATH - 1);
        assert_eq!(len, Some(straddling.len() as u64));
    }
}
