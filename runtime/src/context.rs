//! How request-time code finds its configuration: the one mechanism.
//!
//! [`crate::SecureRouter`] runs each handler (its extractors included) with a
//! [`RequestContext`] made current in a task-local: the [`Security`] the
//! route was built with, the route's policy and, once decided, the verified
//! caller (the route's wrapper decides when it can without awaiting, the
//! guard otherwise). The
//! guard, `Principal`, the validation extractors and `TokenRevoker` read it
//! there. A task-local costs nothing per request, where a request extension
//! would cost an allocation and a router layer would box every route once
//! more. Outside a secure route there is no context, and extractors that need
//! one refuse (fail closed).

use std::cell::OnceCell;

use tokio::task::futures::TaskLocalFuture;

use crate::policy::PolicyInfo;
use crate::principal::Principal;
use crate::problem::ProblemResponder;
use crate::security::Security;

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// What the route's wrapper established before the handler runs.
pub(crate) struct RequestContext {
    pub(crate) security: Security,
    pub(crate) policy: &'static PolicyInfo,
    /// The decision: unset until it is reached; then the verified caller,
    /// or `None` on public routes (until an optional `Principal` asks).
    pub(crate) decided: OnceCell<Option<Principal>>,
}

/// `future`, run with `context` current.
pub(crate) fn scope<F: std::future::Future>(
    context: RequestContext,
    future: F,
) -> TaskLocalFuture<RequestContext, F> {
    CURRENT.scope(context, future)
}

/// Runs `read` on the current request context, if there is one.
pub(crate) fn with<R>(read: impl FnOnce(&RequestContext) -> R) -> Option<R> {
    CURRENT.try_with(read).ok()
}

/// The responder of the current route's configuration, or the default one.
pub(crate) fn responder() -> ProblemResponder {
    with(|context| context.security.responder().clone()).unwrap_or_default()
}

impl Security {
    /// The configuration of the secure route being served, if any: the one
    /// [`crate::SecureRouter`] made current for the handler and its
    /// extractors. Outside a secure route (a plain axum route, a tower
    /// layer) it is `None`.
    ///
    /// ```
    /// use portcullis::Security;
    ///
    /// // outside a request there is no current configuration
    /// assert!(Security::current().is_none());
    /// ```
    pub fn current() -> Option<Security> {
        with(|context| context.security.clone())
    }
}
