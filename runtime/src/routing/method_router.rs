//! Method routers that accept only guarded handlers.

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};

use super::guarded::GuardedHandler;

/// An axum [`MethodRouter`] whose handlers all carry a policy.
///
/// Built with [`get`], [`post`] and the other method functions of this
/// module, and chained like axum's (`get(list).post(create)`).
#[must_use]
pub struct SecureMethodRouter<S = ()> {
    pub(crate) inner: MethodRouter<S>,
}

impl<S> std::fmt::Debug for SecureMethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureMethodRouter")
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
                SecureMethodRouter { inner: axum::routing::on(MethodFilter::$filter, handler) }
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
                    Self { inner: self.inner.on(MethodFilter::$filter, handler) }
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
