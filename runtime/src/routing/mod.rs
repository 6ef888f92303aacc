//! `SecureRouter`: an axum router that routes only handlers with a policy.

mod fallback;
mod guarded;
mod method_router;
mod secured;

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::Route;
use tower::{Layer, Service};

pub use guarded::GuardedHandler;
pub use method_router::{SecureMethodRouter, delete, get, head, options, patch, post, put};

use crate::security::Security;

/// An axum router built with a [`Security`] configuration whose routes accept
/// only handlers that carry a policy attribute.
///
/// Unknown paths answer 404 and known paths with another method 405, both as
/// problem documents.
///
/// ```
/// use portcullis::prelude::*;
/// use portcullis::routing::get;
///
/// #[public]
/// async fn health() -> &'static str { "ok" }
///
/// #[requires_role("admin")]
/// async fn stats() -> &'static str { "{}" }
///
/// # let security = Security::builder().build().unwrap();
/// let app: axum::Router = SecureRouter::new(security)
///     .route("/health", get(health))
///     .route("/admin/stats", get(stats))
///     .into_router();
/// ```
#[must_use]
pub struct SecureRouter<S = ()> {
    inner: Router<S>,
    security: Security,
}

impl<S> std::fmt::Debug for SecureRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureRouter")
            .field("security", &self.security)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> SecureRouter<S> {
    /// An empty router whose guards use `security`.
    pub fn new(security: Security) -> Self {
        Self {
            inner: Router::new(),
            security,
        }
    }

    /// Routes `path` to guarded handlers, as [`axum::Router::route`].
    pub fn route(self, path: &str, method_router: SecureMethodRouter<S>) -> Self {
        let method_router = method_router.build(&self.security);
        Self {
            inner: self.inner.route(path, method_router),
            security: self.security,
        }
    }

    /// Adds another secure router's routes; they keep their own configuration.
    pub fn merge(self, other: SecureRouter<S>) -> Self {
        Self {
            inner: self.inner.merge(other.inner),
            security: self.security,
        }
    }

    /// Mounts another secure router under `path`; it keeps its own configuration.
    pub fn nest(self, path: &str, other: SecureRouter<S>) -> Self {
        Self {
            inner: self.inner.nest(path, other.inner),
            security: self.security,
        }
    }

    /// Wraps every route in `layer`, as [`axum::Router::layer`].
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        Self {
            inner: self.inner.layer(layer),
            security: self.security,
        }
    }

    /// Provides the state, as [`axum::Router::with_state`].
    pub fn with_state<S2>(self, state: S) -> SecureRouter<S2> {
        SecureRouter {
            inner: self.inner.with_state(state),
            security: self.security,
        }
    }

    /// The security configuration the guards use.
    pub fn security(&self) -> &Security {
        &self.security
    }

    /// The finished axum router, with problem-shaped 404 and 405 answers.
    ///
    /// Every handler already holds the configuration (it was given at
    /// [`SecureRouter::route`]), so no layer is added to the routes.
    pub fn into_router(self) -> Router<S> {
        let not_found = self.security.responder().clone();
        let not_allowed = not_found.clone();
        self.inner
            .fallback(move || fallback::not_found(not_found))
            .method_not_allowed_fallback(move || fallback::method_not_allowed(not_allowed))
    }
}

impl<S: Clone + Send + Sync + 'static> From<SecureRouter<S>> for Router<S> {
    fn from(router: SecureRouter<S>) -> Self {
        router.into_router()
    }
}
