//! The wrapper around each guarded handler: the per-route step where the
//! request is authenticated and authorized, before any extractor runs.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http_body_util::Limited;
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;

use crate::authorization::{self, Verdict};
use crate::context::{self, RequestContext};
use crate::future::BoxFuture;
use crate::policy::PolicyInfo;
use crate::rejection::AuthRejection;
use crate::security::Security;

/// A handler with the configuration and policy of its route.
///
/// `call` decides the request first (synchronously when the scheme allows:
/// public routes, fixed bearer keys without a revocation store), then runs
/// the handler with the [`RequestContext`] current, where the guard, the
/// `Principal` and the other extractors find it. A refused request gets its
/// 401 or 403 without the handler, or any of its extractors, running. This is
/// also the place for per-route checks that need the verified caller.
#[derive(Clone)]
pub(crate) struct Secured<H> {
    pub(crate) handler: H,
    pub(crate) security: Security,
    pub(crate) policy: &'static PolicyInfo,
}

impl<H, T, S> Handler<T, S> for Secured<H>
where
    H: Handler<T, S>,
    T: 'static,
    S: Send + 'static,
{
    type Future = SecuredFuture<H::Future>;

    // The only code generated per handler: everything after the decision is
    // shared by every handler whose future type is the same (axum boxes the
    // future of every `async fn` handler, so that is all of them).
    fn call(self, request: Request, state: S) -> Self::Future {
        let (parts, body) = limit_body(request, self.security.body_limit()).into_parts();
        let Secured {
            handler,
            security,
            policy,
        } = self;
        match authorization::decide_now(&security, policy, &parts) {
            Some(verdict) => match admit(security, policy, parts, body, verdict) {
                Ok((context, request)) => {
                    SecuredFuture::running(context, handler.call(request, state))
                }
                Err(rejection) => SecuredFuture::refused(rejection),
            },
            None => SecuredFuture::Deciding {
                decision: authorization::decide(security.clone(), policy, parts),
                resume: Some(Resume {
                    security,
                    policy,
                    body,
                    start: Box::new(move |request| handler.call(request, state)),
                }),
            },
        }
    }
}

/// Cuts the body at `limit` bytes; axum's body extractors and `Valid`
/// answer a longer one with 413. An empty body (most GETs) is left alone.
fn limit_body(request: Request, limit: usize) -> Request {
    if http_body::Body::size_hint(request.body()).exact() == Some(0) {
        return request;
    }
    request.map(|body| Body::new(Limited::new(body, limit)))
}

/// The context and request the handler runs with, or the refusal.
fn admit(
    security: Security,
    policy: &'static PolicyInfo,
    parts: Parts,
    body: Body,
    verdict: Verdict,
) -> Result<(RequestContext, Request), AuthRejection> {
    match verdict {
        Ok(principal) => Ok((
            RequestContext {
                security,
                policy,
                principal,
            },
            Request::from_parts(parts, body),
        )),
        Err(rejection) => Err(rejection),
    }
}

/// What the handler needs once an asynchronous decision is reached.
pub(crate) struct Resume<F> {
    security: Security,
    policy: &'static PolicyInfo,
    body: Body,
    start: Box<dyn FnOnce(Request) -> F + Send>,
}

pin_project! {
    /// The future of a [`Secured`] handler.
    #[project = SecuredProjection]
    pub(crate) enum SecuredFuture<F> {
        Running { #[pin] future: TaskLocalFuture<RequestContext, F> },
        Deciding {
            decision: BoxFuture<'static, (Parts, Verdict)>,
            resume: Option<Resume<F>>,
        },
        Refused { response: Option<Response> },
    }
}

impl<F: Future> SecuredFuture<F> {
    fn running(context: RequestContext, future: F) -> Self {
        Self::Running {
            future: context::scope(context, future),
        }
    }

    fn refused(rejection: AuthRejection) -> Self {
        Self::Refused {
            response: Some(rejection.into_response()),
        }
    }
}

impl<F> Future for SecuredFuture<F>
where
    F: Future<Output = Response>,
{
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        loop {
            let next = match self.as_mut().project() {
                SecuredProjection::Running { future } => return future.poll(cx),
                SecuredProjection::Refused { response } => {
                    return Poll::Ready(response.take().unwrap_or_default());
                }
                SecuredProjection::Deciding { decision, resume } => {
                    let (parts, verdict) = ready!(decision.as_mut().poll(cx));
                    match resume.take() {
                        Some(Resume {
                            security,
                            policy,
                            body,
                            start,
                        }) => match admit(security, policy, parts, body, verdict) {
                            Ok((context, request)) => Self::running(context, start(request)),
                            Err(rejection) => Self::refused(rejection),
                        },
                        // Polled again after completion; nothing left to run.
                        None => return Poll::Ready(Response::default()),
                    }
                }
            };
            self.set(next);
        }
    }
}
