//! Method routers that accept only guarded handlers.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};

use super::guarded::GuardedHandler;
use super::secured::Secured;
use crate::security::Security;

/// Adds one handler to an axum method router, once the configuration is known.
type Entry<S> = Box<dyn FnOnce(MethodRouter<S>, &Security) -> MethodRouter<S> + Send>;

/// Guarded handlers by HTTP method, for one path.
///
/// Built with [`get`], [`post`] and the other method functions of this
/// module, and chained like axum's (`get(list).post(create)`). The handlers
/// receive their [`Security`] when [`crate::SecureRouter::route`] mounts them.
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

impl<S: Clone + Send + Sync + 'static> SecureMethodRouter<S> {
    fn with<H, T>(mut self, filter: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: GuardedHandler + 'static,
    {
        self.entries.push(Box::new(
            move |router: MethodRouter<S>, security: &Security| {
                router.on(
                    filter,
                    Secured {
                        handler,
                        security: security.clone(),
                    },
                )
            },
        ));
        self
    }

    /// The axum method router, every handler given `security`.
    pub(crate) fn build(self, security: &Security) -> MethodRouter<S> {
        self.entries
            .into_iter()
            .fold(MethodRouter::new(), |router, entry| entry(router, security))
    }
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
                SecureMethodRouter { entries: Vec::new() }.with(MethodFilter::$filter, handler)
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
}
