//! Panics inside handlers become the generic 500; the server keeps serving.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, HttpBody};
use axum::response::Response;
use bytes::Bytes;
use http::Request;
use tower::{BoxError, Layer, Service};

use crate::problem::{Problem, ProblemResponder};

/// The tracing target of the event logged when a handler panics.
pub const PANIC_TARGET: &str = "portcullis::panic";

/// Catches a panic in the inner service and answers [`Problem::internal`].
///
/// The panic message is not logged: it may hold whatever the failed code was
/// handling (a token, a password). An `error` event on [`PANIC_TARGET`] says
/// that a handler panicked; the process's panic hook (stderr by default, or
/// one the application installs) still sees the message.
///
/// Unlike tower-http's `CatchPanicLayer`, this one keeps axum's body type, so
/// a request through it costs no extra allocation.
///
/// ```
/// use portcullis::hardening::CatchPanicLayer;
///
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "ok" }))
///     .layer(CatchPanicLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Default)]
pub struct CatchPanicLayer {
    responder: ProblemResponder,
}

impl CatchPanicLayer {
    /// Answers panics with the built-in responder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers panics with `responder`.
    pub fn with_responder(responder: impl Into<ProblemResponder>) -> Self {
        Self {
            responder: responder.into(),
        }
    }
}

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CatchPanic {
            inner,
            responder: self.responder.clone(),
        }
    }
}

/// The service of [`CatchPanicLayer`].
#[derive(Debug, Clone)]
pub struct CatchPanic<S> {
    inner: S,
    responder: ProblemResponder,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CatchPanic<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = CatchPanicFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => CatchPanicFuture {
                state: State::Running {
                    future,
                    responder: self.responder.clone(),
                },
            },
            Err(payload) => CatchPanicFuture {
                state: State::Panicked {
                    responder: Some(self.responder.clone()),
                    payload: Some(payload),
                },
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`CatchPanic`].
    pub struct CatchPanicFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        Running { #[pin] future: F, responder: ProblemResponder },
        Panicked { responder: Option<ProblemResponder>, payload: Option<Box<dyn Any + Send>> },
    }
}

impl<F, B, E> Future for CatchPanicFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Running { future, responder } => {
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(result)) => {
                        Poll::Ready(result.map(|response| response.map(Body::new)))
                    }
                    Err(payload) => Poll::Ready(Ok(answer_panic(payload, responder))),
                }
            }
            StateProj::Panicked { responder, payload } => {
                let responder = responder.take().unwrap_or_default();
                let payload = payload.take().unwrap_or_else(|| Box::new(()));
                Poll::Ready(Ok(answer_panic(payload, &responder)))
            }
        }
    }
}

pub(crate) fn answer_panic(payload: Box<dyn Any + Send>, responder: &ProblemResponder) -> Response {
    tracing::error!(target: PANIC_TARGET, "a handler panicked; answered 500");
    // Dropping a payload may itself panic (a payload whose Drop panics);
    // contain that too rather than tear down the connection.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    responder.respond(Problem::internal())
}

/// Replaces the process's panic hook with one that logs an `error` event on
/// [`PANIC_TARGET`] with the panic's location and thread, but not its
/// message: a message such as `called unwrap() on Err(..)` can carry a token
/// or a password, and the default hook prints it to stderr.
///
/// ```no_run
/// portcullis::hardening::install_quiet_panic_hook();
/// ```
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let thread = std::thread::current();
        tracing::error!(
            target: PANIC_TARGET,
            location = location.as_deref().unwrap_or("-"),
            thread = thread.name().unwrap_or("-"),
            "panic"
        );
    }));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::convert::Infallible;

    use http::StatusCode;
    use tower::ServiceExt;

    use super::*;

    /// A service that panics in `call` itself, before any future exists.
    #[derive(Clone)]
    struct PanicsInCall;

    impl Service<Request<Body>> for PanicsInCall {
        type Response = Response;
        type Error = Infallible;
        type Future = std::future::Ready<Result<Response, Infallible>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _request: Request<Body>) -> Self::Future {
            panic!("synchronous bug")
        }
    }

    #[tokio::test]
    async fn a_panic_in_call_is_contained_too() {
        let service = CatchPanicLayer::new().layer(PanicsInCall);
        let response = service.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[http::header::CONTENT_TYPE],
            crate::problem::PROBLEM_JSON
        );
    }
}
