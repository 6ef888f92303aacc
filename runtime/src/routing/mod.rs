//! `SecureRouter`: an axum router that routes only handlers with a policy,
//! and keeps every route's policy as data.

mod erased;
mod fallback;
mod guarded;
mod instances;
mod manifest;
mod method_router;
mod secured;
mod table;

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::IntoResponse;
use axum::routing::Route;
use tower::{Layer, Service};

pub use erased::IntoRouteFuture;
pub use guarded::GuardedHandler;
#[doc(hidden)]
pub use guarded::NotAnExtractor;
pub use manifest::{ManifestEntry, PolicyManifest};
pub use method_router::{
    SecureMethodRouter, any, delete, get, head, on, options, patch, post, put, trace,
};
pub use table::{RouteEntry, RouteKind, RouteMethod};

/// axum's method filter, for [`on`].
pub use axum::routing::MethodFilter;

use crate::config_error::ConfigError;
use crate::policy::PolicyInfo;
use crate::security::Security;

/// An axum router built with a [`Security`] configuration whose routes accept
/// only handlers that carry a policy attribute, and that lists every route
/// with its policy ([`SecureRouter::routes`]).
///
/// Each route authenticates and authorizes its requests in its own wrapper,
/// before the handler's extractors run. Unknown paths answer 404 and known
/// paths with another method 405, both as problem documents.
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
/// let router = SecureRouter::new(security)
///     .route("/health", get(health))
///     .route("/admin/stats", get(stats));
/// assert_eq!(router.routes().len(), 2);
/// let app: axum::Router = router.into_router();
/// ```
#[must_use]
pub struct SecureRouter<S = ()> {
    inner: Router<S>,
    security: Security,
    routes: Vec<RouteEntry>,
    has_fallback: bool,
}

impl<S> std::fmt::Debug for SecureRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureRouter")
            .field("security", &self.security)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> SecureRouter<S> {
    /// An empty router whose routes use `security`.
    pub fn new(security: Security) -> Self {
        Self {
            inner: Router::new(),
            security,
            routes: Vec::new(),
            has_fallback: false,
        }
    }

    /// Routes `path` to guarded handlers, as [`axum::Router::route`].
    pub fn route(mut self, path: &str, method_router: impl IntoSecureMethodRouter<S>) -> Self {
        let (routes, method_router) = method_router
            .into_secure_method_router()
            .build(path, &self.security);
        self.routes.extend(routes);
        self.inner = self.inner.route(path, method_router);
        self
    }

    /// Answers paths that no route matches with a guarded handler, instead
    /// of the problem-shaped 404.
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        H::Future: IntoRouteFuture,
        T: GuardedHandler + 'static,
    {
        let security = secured::RouteSecurity::new(self.security.clone().into());
        let handler = method_router::secured::<H, T, S>(handler, &security);
        self.routes.push(RouteEntry::new(
            RouteMethod::Any,
            "*".to_owned(),
            RouteKind::Fallback,
            handler.policy(),
            self.security.clone(),
        ));
        self.inner = self.inner.fallback(handler);
        self.has_fallback = true;
        self
    }

    /// Serves `path` with `service`, open to anyone: for what has no caller
    /// to check, such as a health probe service. Listed in the route table
    /// as a public service.
    pub fn public_route_service<T>(mut self, path: &str, service: T) -> Self
    where
        T: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        T::Response: IntoResponse,
        T::Future: Send + 'static,
    {
        self.routes.push(public_entry(path, &self.security));
        self.inner = self.inner.route_service(path, service);
        self
    }

    /// Serves everything under `path` with `service`, open to anyone: static
    /// files with `tower_http::services::ServeDir`, say. Listed in the route
    /// table as a public service.
    pub fn public_nest_service<T>(mut self, path: &str, service: T) -> Self
    where
        T: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
        T::Response: IntoResponse,
        T::Future: Send + 'static,
    {
        self.routes.push(public_entry(path, &self.security));
        self.inner = self.inner.nest_service(path, service);
        self
    }

    /// Adds another secure router's routes; they keep their own configuration.
    pub fn merge(mut self, other: impl IntoSecureRouter<S>) -> Self {
        let other = other.into_secure_router();
        self.routes.extend(other.routes);
        self.has_fallback |= other.has_fallback;
        self.inner = self.inner.merge(other.inner);
        self
    }

    /// Mounts another secure router under `path`; it keeps its own configuration.
    pub fn nest(mut self, path: &str, other: impl IntoSecureRouter<S>) -> Self {
        let other = other.into_secure_router();
        self.routes.extend(
            other
                .routes
                .into_iter()
                .map(|route| route.nested_under(path)),
        );
        self.inner = self.inner.nest(path, other.inner);
        self
    }

    /// Wraps every route in `layer`, as [`axum::Router::layer`].
    ///
    /// The layer runs **before** the route's authentication and
    /// authorization, for every caller: a layer that answers by itself (a
    /// response cache, say) would serve a guarded answer to anyone. Put only
    /// layers there that are safe for unauthenticated requests.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.inner = self.inner.layer(layer);
        self
    }

    /// Provides the state, as [`axum::Router::with_state`].
    pub fn with_state<S2>(self, state: S) -> SecureRouter<S2> {
        SecureRouter {
            inner: self.inner.with_state(state),
            security: self.security,
            routes: self.routes,
            has_fallback: self.has_fallback,
        }
    }

    /// The security configuration of the routes added to this router.
    pub fn security(&self) -> &Security {
        &self.security
    }

    /// Every route, in the order it was added (merged and nested routes
    /// included), with its method, path and policy.
    pub fn routes(&self) -> &[RouteEntry] {
        &self.routes
    }

    /// The policy manifest of [`SecureRouter::routes`]: every route with
    /// its policy, as JSON or a table.
    pub fn manifest(&self) -> PolicyManifest {
        PolicyManifest::new(&self.routes)
    }

    /// The finished axum router, or the first misconfigured route: a route
    /// whose scheme has no authenticator, or whose policy names a role
    /// vocabulary whose hierarchy its `Security` was not given.
    ///
    /// ```
    /// use portcullis::prelude::*;
    /// use portcullis::routing::get;
    ///
    /// #[requires_role("admin", scheme = basic)]
    /// async fn secure_data() -> &'static str { "secret" }
    ///
    /// // no Basic authenticator configured
    /// let security = Security::builder().build().unwrap();
    /// let error = SecureRouter::<()>::new(security)
    ///     .route("/secure-data", get(secure_data))
    ///     .build()
    ///     .unwrap_err();
    /// assert!(error.to_string().contains("/secure-data"));
    /// ```
    pub fn build(self) -> Result<Router<S>, ConfigError> {
        if let Some(reason) = self.routes.iter().find_map(RouteEntry::misconfiguration) {
            return Err(ConfigError::Route(reason));
        }
        Ok(self.finish())
    }

    /// The finished axum router, with problem-shaped 404 and 405 answers.
    ///
    /// A misconfigured route (see [`SecureRouter::build`]) is logged once
    /// here and refuses its callers (fail closed) instead of failing the
    /// build. Routes added to the returned axum router afterwards are not
    /// checked by Portcullis at all.
    pub fn into_router(self) -> Router<S> {
        for reason in self.routes.iter().filter_map(RouteEntry::misconfiguration) {
            tracing::error!(target: "portcullis::config", "{reason}; its callers are refused");
        }
        self.finish()
    }

    fn finish(self) -> Router<S> {
        let not_allowed = self.security.clone();
        let router = self
            .inner
            .method_not_allowed_fallback(move || fallback::method_not_allowed(not_allowed));
        if self.has_fallback {
            router
        } else {
            let not_found = self.security;
            router.fallback(move || fallback::not_found(not_found))
        }
    }
}

/// What [`SecureRouter::route`] takes: guarded handlers by method, built
/// with [`get`], [`post`] and the other functions of this module.
#[diagnostic::on_unimplemented(
    message = "`SecureRouter::route` takes `portcullis::routing::get(..)` and its siblings, not `{Self}`",
    label = "a method router whose handlers Portcullis cannot check",
    note = "import `get`, `post`, `any`, `on`, … from `portcullis::routing` instead of `axum::routing`; each handler then needs a policy attribute"
)]
pub trait IntoSecureMethodRouter<S> {
    /// The method router itself.
    fn into_secure_method_router(self) -> SecureMethodRouter<S>;
}

impl<S> IntoSecureMethodRouter<S> for SecureMethodRouter<S> {
    fn into_secure_method_router(self) -> Self {
        self
    }
}

/// What [`SecureRouter::merge`] and [`SecureRouter::nest`] take: another
/// secure router, whose routes are checked and listed.
#[diagnostic::on_unimplemented(
    message = "`SecureRouter::merge` and `nest` take another `SecureRouter`, not `{Self}`",
    label = "a router whose routes Portcullis cannot check or list",
    note = "build that part as a `SecureRouter` too; to add unchecked axum routes on purpose, merge them into the `axum::Router` that `into_router()` returns"
)]
pub trait IntoSecureRouter<S> {
    /// The router itself.
    fn into_secure_router(self) -> SecureRouter<S>;
}

impl<S> IntoSecureRouter<S> for SecureRouter<S> {
    fn into_secure_router(self) -> Self {
        self
    }
}

fn public_entry(path: &str, security: &Security) -> RouteEntry {
    RouteEntry::new(
        RouteMethod::Any,
        path.to_owned(),
        RouteKind::PublicService,
        PolicyInfo::PUBLIC_SERVICE,
        security.clone(),
    )
}

impl<S: Clone + Send + Sync + 'static> From<SecureRouter<S>> for Router<S> {
    fn from(router: SecureRouter<S>) -> Self {
        router.into_router()
    }
}
