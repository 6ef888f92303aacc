//! The guard extractor the policy attributes add as a handler's first parameter.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use http::request::Parts;
use pin_project_lite::pin_project;

use crate::authorization;
use crate::context;
use crate::policy::{Policy, PolicyInfo};
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
pub struct Guard<P: Policy> {
    _policy: PhantomData<fn() -> P>,
}

impl<P: Policy> fmt::Debug for Guard<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guard({})", P::ID)
    }
}

impl<S: Send + Sync, P: Policy> FromRequestParts<S> for Guard<P> {
    type Rejection = AuthRejection;

    // The per-policy code is this shim and `GuardFuture::poll`; the decision
    // itself is one non-generic function shared by every guard.
    fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        GuardFuture {
            decision: confirm(parts, PolicyInfo::of::<P>()),
            _policy: PhantomData,
        }
    }
}

pin_project! {
    /// The guard's future: the shared decision, then the typed proof.
    struct GuardFuture<P, F> {
        #[pin]
        decision: F,
        _policy: PhantomData<fn() -> P>,
    }
}

impl<P: Policy, F: Future<Output = Result<(), AuthRejection>>> Future for GuardFuture<P, F> {
    type Output = Result<Guard<P>, AuthRejection>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().decision.poll(cx).map(|decided| {
            decided.map(|()| Guard {
                _policy: PhantomData,
            })
        })
    }
}

/// Confirms that the current request was decided under `policy`, finishing
/// the decision when the route's wrapper could not reach it without awaiting.
pub(crate) async fn confirm(
    parts: &Parts,
    policy: &'static PolicyInfo,
) -> Result<(), AuthRejection> {
    let pending = context::with(|current| {
        if !(std::ptr::eq(current.policy, policy) || current.policy.id == policy.id) {
            return Err(());
        }
        Ok(match current.decided.get() {
            Some(_) => None,
            None => Some(current.security.clone()),
        })
    });
    match pending {
        Some(Ok(None)) => Ok(()),
        Some(Ok(Some(security))) => {
            // Boxed so the asynchronous path's state (Argon2 on the blocking
            // pool, a JWKS fetch, a revocation lookup) does not enlarge every
            // handler's future; it dwarfs the allocation.
            let caller = Box::pin(authorization::decide(&security, policy, parts)).await?;
            context::with(|current| current.decided.set(caller).is_ok());
            Ok(())
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
    }
}
