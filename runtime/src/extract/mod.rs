//! Extractors that read what the route's wrapper decided: the guard and the
//! verified caller.

mod guard;
mod principal;
#[cfg(feature = "sessions")]
mod session;

pub use guard::{Fused, Guard};
#[cfg(feature = "sessions")]
pub use session::Session;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::future::BoxFuture;
use crate::rejection::AuthRejection;

/// An extractor's answer, known at once (the common case: the route's
/// wrapper already decided) or being reached.
///
/// Neither generic over the state nor an `async fn`'s state machine, so
/// applications call the code that makes it rather than compile it again:
/// the asynchronous path is a boxed future made in this crate.
#[doc(hidden)]
pub enum Extraction<'a, T> {
    /// The answer, until it is taken.
    Known(Option<Result<T, AuthRejection>>),
    /// The answer that needs awaiting: a decision the route's wrapper could
    /// not reach at once (Basic, a JWKS, a revocation lookup), or a
    /// credential on a public route.
    Pending(BoxFuture<'a, Result<T, AuthRejection>>),
}

impl<T: Unpin> Future for Extraction<'_, T> {
    type Output = Result<T, AuthRejection>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            // Polled again after it answered: refuse rather than let through.
            Extraction::Known(answer) => Poll::Ready(
                answer
                    .take()
                    .unwrap_or_else(|| Err(AuthRejection::misconfigured(Default::default()))),
            ),
            Extraction::Pending(pending) => pending.as_mut().poll(cx),
        }
    }
}
