//! The guard extractor the policy attributes add as a handler's first parameter.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::authorization;
use crate::context;

use super::Extraction;
use crate::policy::{Policy, PolicyInfo};
use crate::principal::Principal;
use crate::rejection::AuthRejection;

/// Proof that the request satisfied policy `P`; only extraction builds one.
///
/// [`crate::SecureRouter`] decides every request before any other extractor
/// runs, so a refused request never has its body read: the route's wrapper
/// decides when it can without awaiting (public routes, bearer tokens with
/// fixed keys), and the guard, which runs first, finishes the others (Basic
/// credentials, a JWKS, a revocation lookup). Reached any other way (a
/// guarded handler on a plain axum router), it refuses with a 500 and logs
/// why, rather than let the request through unchecked.
///
/// When a handler's first parameter is the caller (`Principal` or
/// `Option<Principal>`), the attribute folds it into the guard (`T`), so the
/// handler has one extractor where it had two: the same answers, less code
/// per handler. [`Guard::caller`] hands it back.
pub struct Guard<P: Policy, T: Fused = ()> {
    /// What the guard carries besides the proof: the verified caller when
    /// the handler's first parameter was folded into it, else `()`.
    pub caller: T,
    _policy: PhantomData<fn() -> P>,
}

impl<P: Policy, T: Fused> fmt::Debug for Guard<P, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guard({})", P::ID)
    }
}

/// What a [`Guard`] can carry besides the proof: nothing (`()`), the
/// verified caller (`Principal`), or the caller a public route may have
/// (`Option<Principal>`). Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not Portcullis' `Principal`, so the policy attribute cannot hand it to the handler",
    label = "the policy attribute reads a first parameter of a type named `Principal` as the verified caller",
    note = "import your own type under another name (`use crate::Principal as Account;`), or take `portcullis::Principal` here"
)]
pub trait Fused: Sized + Send + Unpin + sealed::Sealed + 'static {
    #[doc(hidden)]
    fn extract(parts: &Parts) -> Extraction<'_, Self>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl Sealed for crate::principal::Principal {}
    impl Sealed for Option<crate::principal::Principal> {}
}

impl Fused for () {
    fn extract(_parts: &Parts) -> Extraction<'_, Self> {
        Extraction::Known(Some(Ok(())))
    }
}

impl Fused for Principal {
    fn extract(parts: &Parts) -> Extraction<'_, Self> {
        super::principal::required(parts)
    }
}

impl Fused for Option<Principal> {
    fn extract(parts: &Parts) -> Extraction<'_, Self> {
        super::principal::optional(parts)
    }
}

impl<S: Send + Sync, P: Policy, T: Fused> FromRequestParts<S> for Guard<P, T> {
    type Rejection = AuthRejection;

    // The per-policy code is this shim and `GuardFuture::poll`; the decision
    // and the caller are read by code generic at most over `T`, compiled
    // once per application.
    fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        GuardFuture {
            fusion: Fusion {
                parts,
                confirmation: confirm(parts, PolicyInfo::of::<P>()),
                extraction: None,
            },
            _policy: PhantomData,
        }
    }
}

/// The guard's future: the shared confirmation and extraction, then the
/// typed proof.
struct GuardFuture<'a, P, T> {
    fusion: Fusion<'a, T>,
    _policy: PhantomData<fn() -> P>,
}

impl<P: Policy, T: Fused> Future for GuardFuture<'_, P, T> {
    type Output = Result<Guard<P, T>, AuthRejection>;

    // A `match` rather than `Poll::map` and `Result::map`: each closure and
    // each `map` would be one more function compiled for every policy.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.fusion).poll(cx) {
            Poll::Ready(Ok(caller)) => Poll::Ready(Ok(Guard {
                caller,
                _policy: PhantomData,
            })),
            Poll::Ready(Err(rejection)) => Poll::Ready(Err(rejection)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The confirmation, then what the guard carries.
struct Fusion<'a, T> {
    parts: &'a Parts,
    confirmation: Extraction<'a, ()>,
    extraction: Option<Extraction<'a, T>>,
}

impl<T: Fused> Future for Fusion<'_, T> {
    type Output = Result<T, AuthRejection>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            if let Some(extraction) = &mut this.extraction {
                return Pin::new(extraction).poll(cx);
            }
            ready!(Pin::new(&mut this.confirmation).poll(cx))?;
            this.extraction = Some(T::extract(this.parts));
        }
    }
}

/// Confirms that the current request was decided under `policy`, finishing
/// the decision when the route's wrapper could not reach it without awaiting.
fn confirm<'a>(parts: &'a Parts, policy: &'static PolicyInfo) -> Extraction<'a, ()> {
    let pending = context::with(|current| {
        if !(std::ptr::eq(current.policy, policy) || current.policy.id == policy.id) {
            return Err(());
        }
        Ok(match current.decided.get() {
            Some(_) => None,
            None => Some(current.security.clone()),
        })
    });
    let answer = match pending {
        Some(Ok(None)) => Ok(()),
        Some(Ok(Some(security))) => {
            // Boxed so the asynchronous path's state (Argon2 on the blocking
            // pool, a JWKS fetch, a revocation lookup) does not enlarge every
            // handler's future; it dwarfs the allocation.
            return Extraction::Pending(Box::pin(async move {
                let caller = authorization::decide(&security, policy, parts).await?;
                context::with(|current| current.decided.set(caller).is_ok());
                Ok(())
            }));
        }
        Some(Err(())) => {
            tracing::error!(
                target: "portcullis::config",
                policy = policy.id,
                "a guarded handler ran under another route's decision; refusing"
            );
            Err(AuthRejection::misconfigured(context::responder()))
        }
        None => {
            tracing::error!(
                target: "portcullis::config",
                policy = policy.id,
                "a guarded handler ran outside a SecureRouter; route it through `SecureRouter`; refusing"
            );
            Err(AuthRejection::misconfigured(Default::default()))
        }
    };
    Extraction::Known(Some(answer))
}
