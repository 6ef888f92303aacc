//! `Principal` and `Option<Principal>` as extractors, alone or folded into
//! the guard ([`super::Fused`]).

use std::future::Future;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::authorization;
use crate::context;
use crate::future::BoxFuture;
use crate::policy::PolicyInfo;
use crate::principal::Principal;
use crate::rejection::AuthRejection;
use crate::security::Security;

use super::Extraction;

/// The caller the route's wrapper verified: an `Arc` clone, never a second
/// verification.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AuthRejection;

    fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        required(parts)
    }
}

/// On a public route: `None` for anonymous callers, the verified caller for
/// a valid credential of the route's scheme, and 401 for an invalid one.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = AuthRejection;

    fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> impl Future<Output = Result<Option<Self>, Self::Rejection>> + Send {
        optional(parts)
    }
}

/// The verified caller, or the fail-closed refusal when there is none.
pub(super) fn required(parts: &Parts) -> Extraction<'_, Principal> {
    match optional(parts) {
        Extraction::Known(Some(Ok(Some(principal)))) => Extraction::Known(Some(Ok(principal))),
        Extraction::Known(Some(Ok(None))) => Extraction::Known(Some(Err(no_caller()))),
        Extraction::Known(Some(Err(rejection))) => Extraction::Known(Some(Err(rejection))),
        Extraction::Known(None) => Extraction::Known(None),
        Extraction::Pending(pending) => {
            Extraction::Pending(Box::pin(
                async move { pending.await?.ok_or_else(no_caller) },
            ))
        }
    }
}

/// No caller was verified: a public route, or no secure route at all. A
/// wiring mistake, so fail closed.
fn no_caller() -> AuthRejection {
    tracing::error!(
        target: "portcullis::config",
        "a handler asked for `Principal` but no caller was verified; use `Option<Principal>` on `#[public]` handlers"
    );
    AuthRejection::misconfigured(context::responder())
}

/// The caller if one was verified, or the verification of a credential
/// sent to a public route.
pub(super) fn optional(parts: &Parts) -> Extraction<'_, Option<Principal>> {
    let Some(found) = context::with(|current| match current.decided.get() {
        Some(Some(principal)) => Ok(principal.clone()),
        _ => Err((current.security.clone(), current.policy)),
    }) else {
        return Extraction::Known(Some(Ok(None)));
    };
    match found {
        Ok(principal) => Extraction::Known(Some(Ok(Some(principal)))),
        Err((security, policy)) => Extraction::Pending(optional_caller(security, policy, parts)),
    }
}

/// The asynchronous path of the optional caller, boxed here so that its
/// state machine (and everything it awaits) is compiled once, in this crate,
/// rather than in every application that extracts a `Principal`.
fn optional_caller<'a>(
    security: Security,
    policy: &'static PolicyInfo,
    parts: &'a Parts,
) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
    Box::pin(async move { authorization::optional_caller(&security, policy, parts).await })
}
