//! One type for every guarded handler of an application.
//!
//! axum compiles its routing machinery (the handler service, its boxing,
//! cloning and dropping, some twenty functions) once for every handler type
//! it is given. Each guarded handler is its own type, so [`super::SecureRouter`]
//! hands axum one type instead, [`super::secured::Secured`], which holds the
//! handler behind a trait object. What is compiled per handler is then only
//! [`Typed::start`]: call the handler, and pass its future on.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use axum::extract::Request;
use axum::handler::Handler;
use axum::handler::future::LayeredFuture;
use axum::response::Response;
use tower::Service;

/// The future of a started handler. axum's handler functions already box
/// theirs, so for them this is the same allocation, not a second one.
pub(crate) type RouteFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Starts a handler with its request and state.
pub(crate) trait Start<S>: Send + Sync {
    fn start(&self, request: Request, state: S) -> RouteFuture;
}

/// A handler `H` with its extractor list `T`, which names its policy.
pub(crate) struct Typed<H, T> {
    pub(crate) handler: H,
    pub(crate) _extractors: PhantomData<fn() -> T>,
}

impl<H, T, S> Start<S> for Typed<H, T>
where
    H: Handler<T, S>,
    H::Future: IntoRouteFuture,
    T: 'static,
    S: Send + 'static,
{
    // The only routing code compiled for each handler.
    fn start(&self, request: Request, state: S) -> RouteFuture {
        self.handler
            .clone()
            .call(request, state)
            .into_route_future()
    }
}

/// The futures of the handlers a [`super::SecureRouter`] routes: axum's
/// handler functions (already boxed) and handlers with layers
/// (`handler.layer(…)`). Sealed.
#[diagnostic::on_unimplemented(
    message = "`SecureRouter` routes `async fn` handlers with a policy attribute, and handlers made from them with `.layer(…)`",
    label = "this handler's future is of another kind"
)]
pub trait IntoRouteFuture: sealed::Sealed + Send + 'static {
    #[doc(hidden)]
    fn into_route_future(self) -> RouteFuture;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::RouteFuture {}
    impl<S: tower::Service<axum::extract::Request>> Sealed for axum::handler::future::LayeredFuture<S> {}
}

impl IntoRouteFuture for RouteFuture {
    fn into_route_future(self) -> RouteFuture {
        self
    }
}

impl<S> IntoRouteFuture for LayeredFuture<S>
where
    S: Service<Request> + 'static,
    LayeredFuture<S>: Future<Output = Response> + Send,
{
    fn into_route_future(self) -> RouteFuture {
        Box::pin(self)
    }
}
