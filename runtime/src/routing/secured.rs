//! Hands each guarded handler its security configuration, without a layer.

use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use http_body_util::Limited;

use crate::security::Security;

/// A handler with the configuration its guard reads.
///
/// Inserting the configuration here, inside the handler call, costs one
/// extension insert per request; a router `layer` would box every route's
/// service and future once more on every request.
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
    type Future = H::Future;

    fn call(self, mut request: Request, state: S) -> Self::Future {
        let limit = self.security.body_limit();
        request.extensions_mut().insert(self.security);
        // An empty body (most GETs) has nothing to limit; others are cut at
        // the configured size, which axum's body extractors answer with 413.
        if http_body::Body::size_hint(request.body()).exact() != Some(0) {
            request = request.map(|body| Body::new(Limited::new(body, limit)));
        }
        self.handler.call(request, state)
    }
}
