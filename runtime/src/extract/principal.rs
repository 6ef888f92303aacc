//! `Principal` and `Option<Principal>` as extractors.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::authorization;
use crate::context;
use crate::principal::Principal;
use crate::rejection::AuthRejection;

/// The caller the route's wrapper verified: an `Arc` clone, never a second
/// verification.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state).await? {
            Some(principal) => Ok(principal),
            None => {
                // No caller was verified: a public route, or no secure route
                // at all. A wiring mistake, so fail closed.
                tracing::error!(
                    target: "portcullis::config",
                    "a handler asked for `Principal` but no caller was verified; use `Option<Principal>` on `#[public]` handlers"
                );
                Err(AuthRejection::misconfigured(context::responder()))
            }
        }
    }
}

/// On a public route: `None` for anonymous callers, the verified caller for
/// a valid credential of the route's scheme, and 401 for an invalid one.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Some(found) = context::with(|current| match current.decided.get() {
            Some(Some(principal)) => Ok(principal.clone()),
            _ => Err((current.security.clone(), current.policy)),
        }) else {
            return Ok(None);
        };
        match found {
            Ok(principal) => Ok(Some(principal)),
            Err((security, policy)) => {
                Box::pin(authorization::optional_caller(&security, policy, parts)).await
            }
        }
    }
}
