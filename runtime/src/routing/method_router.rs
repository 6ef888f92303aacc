//! Method routers that accept only guarded handlers.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};

use super::guarded::GuardedHandler;
use super::secured::Secured;
use super::table::{RouteKind, RouteMethod, methods_of};
use crate::policy::PolicyInfo;
use crate::security::Security;

/// Adds one handler to an axum method router, once the configuration is known.
type Mount<S> = Box<dyn FnOnce(MethodRouter<S>, &Security) -> MethodRouter<S> + Send>;

/// One handler of a method router, with what the route table records.
struct Entry<S> {
    methods: Vec<RouteMethod>,
    policy: &'static PolicyInfo,
    mount: Mount<S>,
}

/// Guarded handlers by HTTP method, for one path.
///
/// Built with [`get`], [`post`], [`on`], [`any`] and the other functions of
/// this module, and chained like axum's (`get(list).post(create)`). The
/// handlers receive their [`Security`] when [`crate::SecureRouter::route`]
/// mounts them.
#[must_use]
pub struct SecureMethodRouter<S = ()> {
    entries: Vec<Entry<S>>,
}

impl<S> std::fmt::Debug for SecureMethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureMethodRouter")
            .field("handlers", &self.entries.len())
            .finish()
    }
}

/// The wrapper of `handler`, deciding requests with `security` and the
/// policy the handler's guard names.
pub(crate) fn secured<H, T>(handler: H, security: &Security) -> Secured<H>
where
    T: GuardedHandler,
{
    Secured {
        handler,
        security: security.clone(),
        policy: PolicyInfo::of::<T::Policy>(),
    }
}

impl<S: Clone + Send + Sync + 'static> SecureMethodRouter<S> {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    fn with<H, T>(mut self, filter: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: GuardedHandler + 'static,
    {
        self.entries.push(Entry {
            methods: methods_of(filter)
                .into_iter()
                .map(RouteMethod::Only)
                .collect(),
            policy: PolicyInfo::of::<T::Policy>(),
            mount: Box::new(move |router: MethodRouter<S>, security: &Security| {
                router.on(filter, secured::<H, T>(handler, security))
            }),
        });
        self
    }

    /// Also routes requests whose method `filter` lets through to `handler`.
    pub fn on<H, T>(self, filter: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: GuardedHandler + 'static,
    {
        self.with(filter, handler)
    }

    /// Routes every method no other handler of this path takes to `handler`.
    pub fn any<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: GuardedHandler + 'static,
    {
        self.entries.push(Entry {
            methods: vec![RouteMethod::Any],
            policy: PolicyInfo::of::<T::Policy>(),
            mount: Box::new(move |router: MethodRouter<S>, security: &Security| {
                router.fallback(secured::<H, T>(handler, security))
            }),
        });
        self
    }

    /// The route table's entries for `path` and the axum method router,
    /// every handler given `security`.
    pub(crate) fn build(
        self,
        path: &str,
        security: &Security,
    ) -> (Vec<super::RouteEntry>, MethodRouter<S>) {
        let mut routes = Vec::new();
        let mut router = MethodRouter::new();
        for entry in self.entries {
            routes.extend(entry.methods.into_iter().map(|method| {
                super::RouteEntry::new(
                    method,
                    path.to_owned(),
                    RouteKind::Handler,
                    entry.policy,
                    security.clone(),
                )
            }));
            router = (entry.mount)(router, security);
        }
        (routes, router)
    }
}

/// Routes requests whose method `filter` lets through (`MethodFilter::GET.or(MethodFilter::POST)`)
/// to a handler that carries a policy.
///
/// A handler without a policy attribute is a compile error.
pub fn on<H, T, S>(filter: MethodFilter, handler: H) -> SecureMethodRouter<S>
where
    H: Handler<T, S>,
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
