//! The wrapper around each guarded handler: the per-route step that decides
//! the request (when it can without awaiting) before any extractor runs, and
//! runs the handler with the route's context.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;

use crate::authorization;
use crate::context::{self, RequestContext};
use crate::future::BoxFuture;
use crate::limiting;
use crate::policy::PolicyInfo;
use crate::principal::Principal;
use crate::rejection::AuthRejection;
use crate::security::Security;

/// The configuration of the routes of one method router, given when
/// [`crate::SecureRouter::route`] mounts it; shared by its handlers.
pub(crate) type RouteSecurity = Arc<OnceLock<Security>>;

/// A handler with the configuration and policy of its route.
///
/// `call` decides the request first when that needs no awaiting (public
/// routes, bearer tokens with fixed keys and no revocation store), so a
/// refused caller gets its 401 or 403 without the handler or any of its
/// extractors running; the guard, the first extractor, finishes the other
/// decisions. The handler then runs with the [`RequestContext`] current,
/// where the guard, the `Principal` and the other extractors find it. The
/// shared decision (`authorization.rs`) is also the place for per-route
/// checks that need the verified caller.
#[derive(Clone)]
pub(crate) struct Secured<H> {
    pub(crate) handler: H,
    pub(crate) security: RouteSecurity,
    pub(crate) policy: &'static PolicyInfo,
}

impl<H, T, S> Handler<T, S> for Secured<H>
where
    H: Handler<T, S>,
    T: 'static,
    S: Send + 'static,
{
    type Future = SecuredFuture<H::Future>;

    // The only code generated per handler; everything else is shared.
    fn call(self, request: Request, state: S) -> Self::Future {
        if !self.policy.rate_limits.is_empty() {
            // Limits await their store: the one boxed path, taken only by
            // routes that declare a limit.
            return SecuredFuture::Limited {
                future: Box::pin(async move {
                    match admit_limited(&self.security, self.policy, request).await {
                        Ok((context, request, note)) => note.annotate(
                            context::scope(context, self.handler.call(request, state)).await,
                        ),
                        Err(rejection) => rejection.into_response(),
                    }
                }),
            };
        }
        match admit(&self.security, self.policy, request) {
            Ok((context, request)) => SecuredFuture::Running {
                future: context::scope(context, self.handler.call(request, state)),
            },
            Err(rejection) => SecuredFuture::Refused {
                response: Some(rejection.into_response()),
            },
        }
    }
}

/// The route's configuration, or the fail-closed refusal.
fn configured<'a>(
    security: &'a RouteSecurity,
    policy: &PolicyInfo,
) -> Result<&'a Security, AuthRejection> {
    security.get().ok_or_else(|| {
        // A method router is given its configuration when it is routed,
        // before any request can reach it.
        tracing::error!(target: "portcullis::config", policy = policy.id, "a route ran before it was mounted; refusing");
        AuthRejection::misconfigured(Default::default())
    })
}

/// The context and request the handler runs with, or the refusal.
fn admit(
    security: &RouteSecurity,
    policy: &'static PolicyInfo,
    request: Request,
) -> Result<(RequestContext, Request), AuthRejection> {
    admit_with(configured(security, policy)?, policy, request, None)
}

/// [`admit`] for a route with rate limits: client-keyed limits (and a
/// Basic route's username) before authentication, subject-keyed ones right
/// after the decision, which is then reached here rather than in the guard.
pub(super) async fn admit_limited(
    security: &RouteSecurity,
    policy: &'static PolicyInfo,
    request: Request,
) -> Result<(RequestContext, Request, limiting::Note), AuthRejection> {
    let security = configured(security, policy)?;
    let (parts, body) = request.into_parts();
    let mut note = limiting::before_authentication(security, policy, &parts).await?;
    let mut decided = None;
    if limiting::has_subject_limits(policy) {
        let verdict = match authorization::decide_now(security, policy, &parts) {
            Some(verdict) => verdict,
            None => {
                let deciding: BoxFuture<'_, _> =
                    Box::pin(authorization::decide(security, policy, &parts));
                deciding.await
            }
        };
        let caller = verdict?;
        if let Some(caller) = &caller {
            note.merge(limiting::after_authentication(security, policy, caller.subject()).await?);
        }
        decided = Some(caller);
    }
    let (context, request) =
        admit_with(security, policy, Request::from_parts(parts, body), decided)?;
    Ok((context, request, note))
}

/// The context with the decision `decided` already reached, or reached
/// here when it needs no awaiting.
fn admit_with(
    security: &Security,
    policy: &'static PolicyInfo,
    request: Request,
    decided: Option<Option<Principal>>,
) -> Result<(RequestContext, Request), AuthRejection> {
    let request = limit_body(request, security.body_limit());
    let (parts, body) = request.into_parts();
    let decided = match decided {
        Some(caller) => OnceCell::from(caller),
        None => {
            let cell = OnceCell::new();
            if let Some(verdict) = authorization::decide_now(security, policy, &parts) {
                let _ = cell.set(verdict?);
            }
            cell
        }
    };
    Ok((
        RequestContext {
            security: security.clone(),
            policy,
            decided,
        },
        Request::from_parts(parts, body),
    ))
}

/// Cuts the body at `limit` bytes; axum's body extractors and `Valid`
/// answer a longer one with 413. An empty body (most GETs) is left alone.
fn limit_body(request: Request, limit: usize) -> Request {
    if http_body::Body::size_hint(request.body()).exact() == Some(0) {
        return request;
    }
    request.map(|body| Body::new(Limited::new(body, limit)))
}

pin_project! {
    /// The future of a [`Secured`] handler.
    #[project = SecuredProjection]
    pub(crate) enum SecuredFuture<F> {
        Running { #[pin] future: TaskLocalFuture<RequestContext, F> },
        Refused { response: Option<Response> },
        Limited { future: BoxFuture<'static, Response> },
    }
}

impl<F> Future for SecuredFuture<F>
where
    F: Future<Output = Response>,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.project() {
            SecuredProjection::Running { future } => future.poll(cx),
            SecuredProjection::Refused { response } => {
                Poll::Ready(response.take().unwrap_or_default())
            }
            SecuredProjection::Limited { future } => future.as_mut().poll(cx),
        }
    }
}
