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

    fn call(self, request: Request, state: S) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let limit = self.security.body_limit();
        parts.extensions.insert(self.security);
        // An empty body (most GETs) has nothing to limit; others are cut at
        // the configured size, which axum's body extractors answer with 413.
        let body = if http_body::Body::size_hint(&body).exact() == Some(0) {
            body
        } else {
            Body::new(Limited::new(body, limit))
        };
        self.handler.call(Request::from_parts(parts, body), state)
    }
}
