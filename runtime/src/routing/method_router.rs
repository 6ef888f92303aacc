//! Method routers that accept only guarded handlers.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};

use std::marker::PhantomData;

use super::erased::{IntoRouteFuture, Typed};
use super::guarded::GuardedHandler;
use super::secured::{RouteSecurity, Secured};
use super::table::{RouteKind, RouteMethod, methods_of};
use crate::policy::PolicyInfo;
use crate::security::Security;

/// Guarded handlers by HTTP method, for one path.
///
/// Built with [`get`], [`post`], [`on`], [`any`] and the other functions of
/// this module, and chained like axum's (`get(list).post(create)`). The
/// handlers receive their [`Security`] when [`crate::SecureRouter::route`]
/// mounts them.
#[must_use]
pub struct SecureMethodRouter<S = ()> {
    router: MethodRouter<S>,
    /// What the route table records: each handler's methods and policy.
    entries: Vec<(Vec<RouteMethod>, &'static PolicyInfo)>,
    security: RouteSecurity,
}

impl<S> std::fmt::Debug for SecureMethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureMethodRouter")
            .field("handlers", &self.entries.len())
            .finish()
    }
}

/// `handler` wrapped to decide its requests under the policy its guard
/// names, with the configuration `security` will hold.
pub(crate) fn secured<H, T, S>(handler: H, security: &RouteSecurity) -> Secured<S>
where
    H: Handler<T, S>,
    H::Future: IntoRouteFuture,
    T: GuardedHandler + 'static,
    S: Send + 'static,
{
    let handler = Typed {
        handler,
        _extractors: PhantomData,
    };
    Secured::new(Box::new(handler), security, PolicyInfo::of::<T::Policy>())
}

impl<S: Clone + Send + Sync + 'static> SecureMethodRouter<S> {
    fn new() -> Self {
        Self {
            router: MethodRouter::new(),
            entries: Vec::new(),
            security: RouteSecurity::default(),
        }
    }

    fn with<H, T>(self, filter: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        H::Future: IntoRouteFuture,
        T: GuardedHandler + 'static,
    {
        let handler = secured::<H, T, S>(handler, &self.security);
        self.with_secured(filter, handler)
    }

    /// The part of [`Self::with`] that does not depend on the handler's
    /// type, compiled once rather than for every handler.
    fn with_secured(mut self, filter: MethodFilter, handler: Secured<S>) -> Self {
        self.entries.push((route_methods(filter), handler.policy()));
        self.router = self.router.on(filter, handler);
        self
    }

    /// Also routes requests whose method `filter` lets through to `handler`.
    pub fn on<H, T>(self, filter: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        H::Future: IntoRouteFuture,
        T: GuardedHandler + 'static,
    {
        self.with(filter, handler)
    }

    /// Routes every method no other handler of this path takes to `handler`.
    pub fn any<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        H::Future: IntoRouteFuture,
        T: GuardedHandler + 'static,
    {
        let handler = secured::<H, T, S>(handler, &self.security);
        self.entries
            .push((vec![RouteMethod::Any], handler.policy()));
        self.router = self.router.fallback(handler);
        self
    }

    /// The route table's entries for `path` and the axum method router,
    /// every handler given `security`.
    pub(crate) fn build(
        self,
        path: &str,
        security: &Security,
    ) -> (Vec<super::RouteEntry>, MethodRouter<S>) {
        // A method router is mounted once (`route` takes it by value).
        let _ = self.security.set(security.clone());
        let routes = self
            .entries
            .into_iter()
            .flat_map(|(methods, policy)| {
                methods.into_iter().map(move |method| {
                    super::RouteEntry::new(
                        method,
                        path.to_owned(),
                        RouteKind::Handler,
                        policy,
                        security.clone(),
                    )
                })
            })
            .collect();
        (routes, self.router)
    }
}

/// The methods of `filter`, as the route table lists them.
fn route_methods(filter: MethodFilter) -> Vec<RouteMethod> {
    methods_of(filter)
        .into_iter()
        .map(RouteMethod::Only)
        .collect()
}

/// Routes requests whose method `filter` lets through (`MethodFilter::GET.or(MethodFilter::POST)`)
/// to a handler that carries a policy.
///
/// A handler without a policy attribute is a compile error.
pub fn on<H, T, S>(filter: MethodFilter, handler: H) -> SecureMethodRouter<S>
where
    H: Handler<T, S>,
    H::Future: IntoRouteFuture,
    T: GuardedHandler + 'static,
    S: Clone + Send + Sync + 'static,
{
    SecureMethodRouter::new().with(filter, handler)
}

/// Routes requests of every method to a handler that carries a policy.
///
/// A handler without a policy attribute is a compile error.
pub fn any<H, T, S>(handler: H) -> SecureMethodRouter<S>
where
    H: Handler<T, S>,
    H::Future: IntoRouteFuture,
    T: GuardedHandler + 'static,
    S: Clone + Send + Sync + 'static,
{
    SecureMethodRouter::new().any(handler)
}

macro_rules! method_fns {
    ($($name:ident => $filter:ident),* $(,)?) => {
        $(
            #[doc = concat!("Routes `", stringify!($filter), "` requests to a handler that carries a policy.")]
            ///
            /// A handler without a policy attribute is a compile error.
            pub fn $name<H, T, S>(handler: H) -> SecureMethodRouter<S>
            where
                H: Handler<T, S>,
                H::Future: IntoRouteFuture,
                T: GuardedHandler + 'static,
                S: Clone + Send + Sync + 'static,
            {
                SecureMethodRouter::new().with(MethodFilter::$filter, handler)
            }
        )*

        impl<S: Clone + Send + Sync + 'static> SecureMethodRouter<S> {
            $(
                #[doc = concat!("Also routes `", stringify!($filter), "` requests to `handler`.")]
                pub fn $name<H, T>(self, handler: H) -> Self
                where
                    H: Handler<T, S>,
                    H::Future: IntoRouteFuture,
                    T: GuardedHandler + 'static,
                {
                    self.with(MethodFilter::$filter, handler)
                }
            )*
        }
    };
}

method_fns! {
    get => GET,
    post => POST,
    put => PUT,
    patch => PATCH,
    delete => DELETE,
    head => HEAD,
    options => OPTIONS,
    trace => TRACE,
}
