//! The one place where status-only error answers become problem documents.
//!
//! tower and axum layers answer some failures with a bare status or a plain
//! text body: tower-http's timeout (408), axum's body extractors (400, 413,
//! 415, 422 with library text), a method router without a fallback (405), a
//! router without one (404). [`ProblemLayer`] turns every such answer into the
//! contract's `application/problem+json` document through the application's
//! [`ProblemResponder`], and leaves JSON answers a handler wrote on purpose
//! alone.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::{Body, HttpBody};
use axum::response::Response;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Request, StatusCode};
use tower::{BoxError, Layer, Service};

use crate::problem::{Problem, ProblemResponder};

/// The problem document for an error `status` that carried no document.
///
/// Codes and details are fixed words; nothing of the original body is kept.
///
/// ```
/// use http::StatusCode;
/// use portcullis::hardening::problem_for_status;
///
/// let problem = problem_for_status(StatusCode::REQUEST_TIMEOUT);
/// assert_eq!(problem.code(), "request_timeout");
/// ```
pub fn problem_for_status(status: StatusCode) -> Problem {
    let (code, detail) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "the request could not be read"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "this resource requires authentication"),
        StatusCode::FORBIDDEN => ("forbidden", "the caller may not access this resource"),
        StatusCode::NOT_FOUND => ("not_found", "no resource at this path"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this resource does not accept the request method",
        ),
        StatusCode::NOT_ACCEPTABLE => (
            "not_acceptable",
            "no representation matches the Accept header",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "the request took too long and was abandoned",
        ),
        StatusCode::CONFLICT => (
            "conflict",
            "the request conflicts with the resource's state",
        ),
        StatusCode::LENGTH_REQUIRED => ("length_required", "the request needs a Content-Length"),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is larger than this server accepts",
        ),
        StatusCode::URI_TOO_LONG => (
            "uri_too_long",
            "the request URI is longer than this server accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "the request body has a content type this resource does not accept",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            "unprocessable_content",
            "the request body could not be processed",
        ),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests; retry later"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "headers_too_large",
            "the request headers are larger than this server accepts",
        ),
        StatusCode::INTERNAL_SERVER_ERROR => return Problem::internal(),
        StatusCode::BAD_GATEWAY => ("bad_gateway", "an upstream service answered badly"),
        StatusCode::SERVICE_UNAVAILABLE => {
            ("unavailable", "the service is unavailable; retry later")
        }
        StatusCode::GATEWAY_TIMEOUT => (
            "gateway_timeout",
            "an upstream service did not answer in time",
        ),
        status if status.is_server_error() => {
            ("server_error", "the server could not complete the request")
        }
        _ => ("client_error", "the request was refused"),
    };
    Problem::new(status, code, detail)
}

/// Whether `response` is an error without a document of its own: no content
/// type, or a text one (axum's rejections, tower-http's limits).
pub(crate) fn needs_problem<B>(response: &Response<B>) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match response.headers().get(CONTENT_TYPE) {
        None => true,
        Some(value) => value
            .as_bytes()
            .get(..5)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"text/")),
    }
}

/// Renders status-only error answers as problem documents; see the module docs.
///
/// Headers of the original answer (`Allow`, `Retry-After`,
/// `WWW-Authenticate`, …) are kept.
///
/// ```
/// use portcullis::hardening::ProblemLayer;
///
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "ok" }))
///     .layer(ProblemLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProblemLayer {
    responder: ProblemResponder,
}

impl ProblemLayer {
    /// Renders with the built-in responder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Renders with `responder`; [`crate::Hardening::security`] gives the
    /// whole stack the responder of a `Security`.
    pub fn with_responder(responder: impl Into<ProblemResponder>) -> Self {
        Self {
            responder: responder.into(),
        }
    }
}

impl<S> Layer<S> for ProblemLayer {
    type Service = ProblemErrors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ProblemErrors {
            inner,
            responder: self.responder.clone(),
        }
    }
}

/// The service of [`ProblemLayer`].
#[derive(Debug, Clone)]
pub struct ProblemErrors<S> {
    inner: S,
    responder: ProblemResponder,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ProblemErrors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ProblemFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        ProblemFuture {
            inner: self.inner.call(request),
            responder: Some(self.responder.clone()),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`ProblemErrors`].
    pub struct ProblemFuture<F> {
        #[pin]
        inner: F,
        responder: Option<ProblemResponder>,
    }
}

impl<F, B, E> Future for ProblemFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        if !needs_problem(&response) {
            return Poll::Ready(Ok(response.map(Body::new)));
        }
        let responder = this.responder.take().unwrap_or_default();
        Poll::Ready(Ok(to_problem(response, &responder)))
    }
}

/// Replaces the body of an error answer with its problem document.
pub(crate) fn to_problem<B>(response: Response<B>, responder: &ProblemResponder) -> Response<Body> {
    let (parts, _body) = response.into_parts();
    let mut rendered = responder.respond(problem_for_status(parts.status));
    let headers = rendered.headers_mut();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && !headers.contains_key(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    rendered
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_error_status_has_a_code() {
        for code in 400..600 {
            let status = StatusCode::from_u16(code).unwrap();
            let problem = problem_for_status(status);
            assert_eq!(problem.status(), status);
            assert!(!problem.code().is_empty());
        }
    }

    #[test]
    fn only_status_only_and_text_errors_are_rewritten() {
        let plain = Response::builder()
            .status(415)
            .header(CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(())
            .unwrap();
        assert!(needs_problem(&plain));
        let bare = Response::builder().status(408).body(()).unwrap();
        assert!(needs_problem(&bare));
        let json = Response::builder()
            .status(400)
            .header(CONTENT_TYPE, "application/json")
            .body(())
            .unwrap();
        assert!(!needs_problem(&json));
        let ok = Response::builder().status(200).body(()).unwrap();
        assert!(!needs_problem(&ok));
    }
}
