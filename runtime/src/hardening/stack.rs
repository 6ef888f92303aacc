//! The whole hardening stack as one service and one response future.
//!
//! Applied layer by layer, the stack cost a future, a `poll` and a clone of
//! its settings per layer and request, a `HeaderMap` per request for CORS,
//! a timer per request and several growths of the response's header map.
//! [`Hardened`] does the same work in one pass: settings behind one `Arc`,
//! CORS headers encoded once, the timer armed only when the handler has to
//! wait, and the response's header map grown once.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use tokio::time::Sleep;
use tower::{BoxError, Layer, Service};

use super::access_log::{AccessRecord, SpanMode};
use super::cors::{CorsRules, MAX_CORS_HEADERS};
use super::errors::{needs_problem, to_problem};
use super::headers::set_vacant;
use super::panic::answer_panic;
use super::request_id::{RequestId, X_REQUEST_ID};
use crate::problem::{Problem, ProblemResponder};
use crate::proxy::TrustedProxies;
use crate::security::Security;

/// The settings of [`Hardened`], shared by every route's copy of it.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) headers: Arc<[(HeaderName, HeaderValue)]>,
    pub(crate) cors: Option<CorsRules>,
    pub(crate) answers: Answers,
    pub(crate) timeout: Duration,
    pub(crate) span: SpanMode,
    /// Whose `X-Request-Id` to keep.
    pub(crate) proxies: TrustedProxies,
}

/// Whose problem rendering the stack's own answers use.
#[derive(Debug, Clone)]
pub(crate) enum Answers {
    /// The configuration of the secure routes inside, held as it is.
    Of(Security),
    /// A responder given to the stack itself (no `Security`).
    Own(ProblemResponder),
}

impl Answers {
    pub(crate) fn responder(&self) -> &ProblemResponder {
        match self {
            Self::Of(security) => security.responder(),
            Self::Own(responder) => responder,
        }
    }
}

/// Builds [`Hardened`] around a service; the layer of [`super::HardeningLayer`].
#[derive(Debug, Clone)]
pub(crate) struct HardenedLayer {
    settings: Arc<Settings>,
}

impl HardenedLayer {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            settings: Arc::new(settings),
        }
    }
}

impl<S> Layer<S> for HardenedLayer {
    type Service = Hardened<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Hardened {
            inner,
            settings: Arc::clone(&self.settings),
        }
    }
}

/// The service of [`super::HardeningLayer`]: request id, access log,
/// security headers, CORS, problem documents, timeout and panic containment
/// in that order from the outside in, as one service.
#[derive(Debug, Clone)]
pub struct Hardened<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Hardened<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = HardenedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let start = Instant::now();
        let settings = Arc::clone(&self.settings);
        let (id, refused) = RequestId::tag(&mut request, &settings.proxies);
        let header = id.to_header_value();
        let record = AccessRecord::begin(&mut request, start, Some(id), refused, settings.span);
        let (grant, preflight) = match &settings.cors {
            Some(cors) => (
                cors.grant(request.headers()),
                request.method() == Method::OPTIONS,
            ),
            None => (None, false),
        };
        let stage = if preflight {
            Stage::Answered {
                response: Some(Response::new(Body::empty())),
            }
        } else {
            // The span is entered where handlers run, in `poll`; `call` only
            // builds the inner future, and entering costs a dispatch each way.
            match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
                Ok(future) => Stage::Running { future },
                Err(payload) => Stage::Answered {
                    response: Some(answer_panic(payload, settings.answers.responder())),
                },
            }
        };
        HardenedFuture {
            stage,
            timer: None,
            finish: Finish {
                settings,
                record,
                header,
                grant,
                preflight,
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Hardened`].
    pub struct HardenedFuture<F> {
        #[pin]
        stage: Stage<F>,
        timer: Option<Pin<Box<Sleep>>>,
        finish: Finish,
    }
}

pin_project_lite::pin_project! {
    #[project = StageProj]
    enum Stage<F> {
        Running { #[pin] future: F },
        Answered { response: Option<Response> },
    }
}

/// What the response needs once the inner service has answered.
struct Finish {
    settings: Arc<Settings>,
    record: AccessRecord,
    header: HeaderValue,
    grant: Option<HeaderValue>,
    preflight: bool,
}

impl Finish {
    fn responder(&self) -> &ProblemResponder {
        self.settings.answers.responder()
    }

    /// Everything the layers outside the handler add, innermost first.
    fn answer(&mut self, response: Response) -> Response {
        let mut response = if needs_problem(&response) {
            to_problem(response, self.responder())
        } else {
            response
        };
        let settings = &*self.settings;
        let map = response.headers_mut();
        let cors = if settings.cors.is_some() {
            MAX_CORS_HEADERS
        } else {
            0
        };
        map.reserve(settings.headers.len() + cors + 1);
        if let Some(cors) = &settings.cors {
            cors.answer(map, self.grant.take(), self.preflight);
        }
        set_vacant(map, &settings.headers);
        self.record.finish(&mut response);
        response
            .headers_mut()
            .insert(X_REQUEST_ID, self.header.clone());
        response
    }
}

impl<F, B, E> Future for HardenedFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let response = match this.stage.as_mut().project() {
            // `None` only when polled again after answering, which the
            // contract of `Future` rules out; answer the generic 500.
            StageProj::Answered { response } => response
                .take()
                .unwrap_or_else(|| this.finish.responder().respond(Problem::internal())),
            StageProj::Running { future } => {
                let polled = {
                    let _entered = this.finish.record.span().enter();
                    catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
                };
                match polled {
                    Ok(Poll::Ready(Ok(response))) => response.map(Body::new),
                    Ok(Poll::Ready(Err(error))) => return Poll::Ready(Err(error)),
                    Err(payload) => answer_panic(payload, this.finish.responder()),
                    Ok(Poll::Pending) => {
                        // Armed only when the handler has to wait: most
                        // answers are ready on the first poll.
                        let deadline = this.finish.record.started() + this.finish.settings.timeout;
                        let timer = this.timer.get_or_insert_with(|| {
                            Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(
                                deadline,
                            )))
                        });
                        if timer.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                        let mut timed_out = Response::new(Body::empty());
                        *timed_out.status_mut() = StatusCode::REQUEST_TIMEOUT;
                        timed_out
                    }
                }
            }
        };
        this.stage.set(Stage::Answered { response: None });
        Poll::Ready(Ok(this.finish.answer(response)))
    }
}
