//! The guard extractor the policy attributes add as a handler's first parameter.

use std::fmt;
use std::future::ready;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::context;
use crate::policy::{Policy, PolicyInfo};
use crate::rejection::AuthRejection;

/// Proof that the request satisfied policy `P`; only extraction builds one.
///
/// [`crate::SecureRouter`] authenticates and authorizes every request in
/// the route's wrapper, before any extractor runs, so a refused request never
/// has its body read. The guard then only confirms that this decision was
/// made for `P`: reached any other way (a guarded handler on a plain axum
/// router), it refuses with a 500 and logs why, rather than let the request
/// through unchecked.
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

    // A plain function returning a ready future: the guard's per-handler
    // code is this shim; everything else is shared.
    fn from_request_parts(
        _parts: &mut Parts,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        ready(confirm(PolicyInfo::of::<P>()).map(|()| Self {
            _policy: PhantomData,
        }))
    }
}

/// Whether the current request was decided under `policy`.
fn confirm(policy: &'static PolicyInfo) -> Result<(), AuthRejection> {
    let decided = context::with(|current| {
        std::ptr::eq(current.policy, policy) || current.policy.id == policy.id
    });
    match decided {
        Some(true) => Ok(()),
        Some(false) => {
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
