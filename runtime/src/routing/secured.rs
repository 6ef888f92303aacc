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
    type Future = SecuredFuture<H, S, H::Future>;

    fn call(self, request: Request, state: S) -> Self::Future {
        let (parts, body) = limit_body(request, self.security.body_limit()).into_parts();
        let call = <H as Handler<T, S>>::call;
        match authorization::decide_now(&self.security, self.policy, &parts) {
            Some(verdict) => {
                let pending = Pending {
                    handler: self.handler,
                    security: self.security,
                    policy: self.policy,
                    body,
                    state,
                    call,
                };
                pending.finish(parts, verdict)
            }
            None => SecuredFuture::Deciding {
                decision: authorization::decide(self.security.clone(), self.policy, parts),
                pending: Some(Pending {
                    handler: self.handler,
                    security: self.security,
                    policy: self.policy,
                    body,
                    state,
                    call,
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

/// What the handler needs once the request is decided.
pub(crate) struct Pending<H, S, F> {
    handler: H,
    security: Security,
    policy: &'static PolicyInfo,
    body: Body,
    state: S,
    call: fn(H, Request, S) -> F,
}

impl<H, S, F: Future> Pending<H, S, F> {
    fn finish(self, parts: Parts, verdict: Verdict) -> SecuredFuture<H, S, F> {
        match verdict {
            Ok(principal) => {
                let request = Request::from_parts(parts, self.body);
                let context = RequestContext {
                    security: self.security,
                    policy: self.policy,
                    principal,
                };
                SecuredFuture::Running {
                    future: context::scope(context, (self.call)(self.handler, request, self.state)),
                }
            }
            Err(rejection) => SecuredFuture::Refused {
                response: Some(rejection.into_response()),
            },
        }
    }
}

pin_project! {
    /// The future of a [`Secured`] handler.
    #[project = SecuredProjection]
    pub(crate) enum SecuredFuture<H, S, F> {
        Running { #[pin] future: TaskLocalFuture<RequestContext, F> },
        Deciding {
            decision: BoxFuture<'static, (Parts, Verdict)>,
            pending: Option<Pending<H, S, F>>,
        },
        Refused { response: Option<Response> },
    }
}

impl<H, S, F> Future for SecuredFuture<H, S, F>
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
                SecuredProjection::Deciding { decision, pending } => {
                    let (parts, verdict) = ready!(decision.as_mut().poll(cx));
                    match pending.take() {
                        Some(pending) => pending.finish(parts, verdict),
                        // Polled again after completion; nothing left to run.
                        None => return Poll::Ready(Response::default()),
                    }
                }
            };
            self.set(next);
        }
    }
}
