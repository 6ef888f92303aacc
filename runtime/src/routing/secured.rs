//! Hands each guarded handler its security configuration, without a layer.

use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use http_body_util::Limited;
use tokio::task::futures::TaskLocalFuture;

use crate::security::Security;

/// A handler with the configuration its guard reads.
///
/// The configuration is made current for the handler's future (a task-local
/// swapped in on each poll), where the guard and the other extractors find
/// it. A request extension would cost an allocation per request, and a
/// router `layer` would box every route's service and future once more.
#[derive(Clone)]
pub(crate) struct Secured<H> {
    pub(crate) handler: H,
    pub(crate) security: Security,
}

impl<H, T, S> Handler<T, S> for Secured<H>
where
    H: Handler<T, S>,
    T: 'static,
    S: Send + 'static,
{
    type Future = TaskLocalFuture<Security, H::Future>;

    fn call(self, mut request: Request, state: S) -> Self::Future {
        // An empty body (most GETs) has nothing to limit; others are cut at
        // the configured size, which axum's body extractors answer with 413.
        if http_body::Body::size_hint(request.body()).exact() != Some(0) {
            let limit = self.security.body_limit();
            request = request.map(|body| Body::new(Limited::new(body, limit)));
        }
        self.security.scope(self.handler.call(request, state))
    }
}
