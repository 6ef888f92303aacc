//! The guard extractor the policy attributes add as a handler's first parameter.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::audit::{self, Outcome};
use crate::policy::{Policy, Scheme};
use crate::rejection::AuthRejection;
use crate::security::Security;

/// Proof that the request satisfied policy `P`; only extraction builds one.
///
/// The policy is a type, so the check reads constants: no allocation, no
/// configuration lookup beyond the [`Security`] the router installed. The
/// guard runs before every other extractor, so a refused request never has
/// its body read. On success the verified [`crate::Principal`] is stored in
/// the request for handlers that ask for it.
pub struct Guard<P: Policy> {
    _policy: PhantomData<fn() -> P>,
}

impl<P: Policy> fmt::Debug for Guard<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guard({})", P::REQUIREMENT)
    }
}

impl<S: Send + Sync, P: Policy> FromRequestParts<S> for Guard<P> {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let granted = Self { _policy: PhantomData };
        if P::REQUIREMENT.is_public() {
            return Ok(granted);
        }
        let Some(security) = parts.extensions.get::<Security>().cloned() else {
            tracing::error!(
                target: "portcullis::config",
                policy = %P::REQUIREMENT,
                "a guarded handler ran outside a SecureRouter; refusing"
            );
            return Err(AuthRejection::misconfigured(Default::default()));
        };
        let principal = security
            .authenticate(parts, P::SCHEME, &P::REQUIREMENT)
            .await?;
        match P::REQUIREMENT.evaluate(&principal, security.role_hierarchy()) {
            Ok(()) => {
                audit::decision(Some(&principal), &P::REQUIREMENT, Outcome::Allow, "granted");
                parts.extensions.insert(principal);
                Ok(granted)
            }
            Err(denial) => {
                audit::decision(Some(&principal), &P::REQUIREMENT, Outcome::Deny, denial.code());
                Err(AuthRejection::forbidden(
                    denial,
                    P::SCHEME == Scheme::Bearer,
                    security.responder().clone(),
                ))
            }
        }
    }
}
