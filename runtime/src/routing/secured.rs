//! The wrapper around each guarded handler: the per-route step that decides
//! the request (when it can without awaiting) before any extractor runs, and
//! runs the handler with the route's context.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;

use super::erased::{RouteFuture, Start};
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

/// A guarded handler with the configuration and policy of its route.
///
/// `call` decides the request first when that needs no awaiting (public
/// routes, bearer tokens with fixed keys and no revocation store), so a
/// refused caller gets its 401 or 403 without the handler or any of its
/// extractors running; the guard, the first extractor, finishes the other
/// decisions. The handler then runs with the [`RequestContext`] current,
/// where the guard, the `Principal` and the other extractors find it. The
/// shared decision (`authorization.rs`) is also the place for per-route
/// checks that need the verified caller.
///
/// The handler is behind a trait object ([`super::erased`]), so this is one
/// type for every handler of an application: axum's routing code for it,
/// and this `call`, are compiled once rather than once per handler.
pub(crate) struct Secured<S> {
    route: Arc<SecuredRoute<S>>,
}

/// What a [`Secured`] shares between its clones (axum clones a handler for
/// every request): one reference count.
struct SecuredRoute<S> {
    handler: Box<dyn Start<S>>,
    security: RouteSecurity,
    policy: &'static PolicyInfo,
}

impl<S> Clone for Secured<S> {
    fn clone(&self) -> Self {
        Self {
            route: Arc::clone(&self.route),
        }
    }
}

impl<S> Secured<S> {
    /// The policy the route's requests are decided under.
    pub(crate) fn policy(&self) -> &'static PolicyInfo {
        self.route.policy
    }

    /// `handler`, deciding its requests under `policy` with the
    /// configuration `security` will hold.
    pub(crate) fn new(
        handler: Box<dyn Start<S>>,
        security: &RouteSecurity,
        policy: &'static PolicyInfo,
    ) -> Self {
        Self {
            route: Arc::new(SecuredRoute {
                handler,
                security: Arc::clone(security),
                policy,
            }),
        }
    }
}

/// The extractor list axum sees for a [`Secured`] handler; the handler's
/// own list is behind the trait object.
pub(crate) enum Erased {}

impl<S> Handler<Erased, S> for Secured<S>
where
    S: Clone + Send + Sync + 'static,
{
    type Future = SecuredFuture;

    fn call(self, request: Request, state: S) -> Self::Future {
        let route = self.route;
        if !route.policy.rate_limits.is_empty() {
            // Limits await their store: a boxed admission made in this
            // crate, then the handler, taken only by routes that declare a
            // limit.
            let admission = admission(route.security.clone(), route.policy, request);
            return SecuredFuture::Admitting {
                admission,
                start: Some(Box::new(move |request| route.handler.start(request, state))),
            };
        }
        match admit(&route.security, route.policy, request) {
            Ok((context, request)) => SecuredFuture::Running {
                future: context::scope(context, route.handler.start(request, state)),
                note: limiting::Note::default(),
            },
            Err(rejection) => SecuredFuture::Refused {
                response: Some(rejection.into_response()),
            },
        }
    }
}

/// What a route with rate limits is admitted with: the handler's context
/// and request, and the limit to report on its answer.
type Admitted = Result<(RequestContext, Request, limiting::Note), AuthRejection>;

/// [`admit_limited`] boxed here, so that its state machine and what it
/// awaits are compiled once, in this crate, not for every handler.
fn admission(
    security: RouteSecurity,
    policy: &'static PolicyInfo,
    request: Request,
) -> BoxFuture<'static, Admitted> {
    Box::pin(async move { admit_limited(&security, policy, request).await })
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
async fn admit_limited(
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

/// The handler of a route with rate limits, started once it is admitted.
type Resume = Box<dyn FnOnce(Request) -> RouteFuture + Send>;

pin_project! {
    /// The future of a [`Secured`] handler.
    #[project = SecuredProjection]
    pub(crate) enum SecuredFuture {
        Admitting { admission: BoxFuture<'static, Admitted>, start: Option<Resume> },
        Running {
            #[pin] future: TaskLocalFuture<RequestContext, RouteFuture>,
            note: limiting::Note,
        },
        Refused { response: Option<Response> },
    }
}

impl Future for SecuredFuture {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        loop {
            match self.as_mut().project() {
                SecuredProjection::Admitting { admission, start } => {
                    match ready!(admission.as_mut().poll(cx)) {
                        Ok((context, request, note)) => {
                            let Some(start) = start.take() else {
                                // Taken only here, and the state changes
                                // right after: never reached.
                                return Poll::Ready(spent());
                            };
                            let future = context::scope(context, start(request));
                            self.set(SecuredFuture::Running { future, note });
                        }
                        Err(rejection) => return Poll::Ready(rejection.into_response()),
                    }
                }
                SecuredProjection::Running { future, note } => {
                    let response = ready!(future.poll(cx));
                    // An empty note (a route without limits) adds nothing.
                    return Poll::Ready(note.annotate(response));
                }
                SecuredProjection::Refused { response } => {
                    // Polled again after it answered: a refusal, never an
                    // empty 200.
                    return Poll::Ready(response.take().unwrap_or_else(spent));
                }
            }
        }
    }
}

/// The answer of a future polled after it answered: a refusal, never an
/// empty 200. Non-generic, so it is compiled once.
fn spent() -> Response {
    AuthRejection::misconfigured(Default::default()).into_response()
}
