//! The guard extractor the policy attributes add as a handler's first parameter.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::audit::{self, Outcome};
use crate::policy::{Policy, Scheme};
use crate::principal::{Identity, Principal};
use crate::rejection::AuthRejection;
use crate::security::Security;

/// Proof that the request satisfied policy `P`; only extraction builds one.
///
/// The policy is a type, so the check reads constants: no allocation, no
/// configuration lookup beyond the [`Security`] the router installed. The
/// guard runs before every other extractor, so a refused request never has
/// its body read. On success the verified [`Principal`] is kept in the
/// request when the handler asks for it.
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
        let granted = Self {
            _policy: PhantomData,
        };
        if P::REQUIREMENT.is_public() {
            return Ok(granted);
        }
        let checked = Security::with_current(&parts.extensions, |security| match P::SCHEME {
            // Bearer verification with fixed keys is synchronous: borrow the
            // configuration instead of cloning it.
            Scheme::Bearer if security.bearer_is_immediate() => Checked::Done(
                security
                    .authenticate_bearer_now(parts, &P::REQUIREMENT)
                    .and_then(|identity| authorize::<P>(security, identity)),
            ),
            Scheme::Bearer | Scheme::Basic => Checked::Later(security.clone()),
        });
        let identity = match checked {
            Some(Checked::Done(result)) => result?,
            // Boxed so the asynchronous path's state (Argon2 on the blocking
            // pool, a JWKS fetch, a revocation lookup) does not enlarge every
            // guard's future; it dwarfs the allocation.
            Some(Checked::Later(security)) => {
                Box::pin(authenticate_async::<P>(security, parts)).await?
            }
            None => {
                tracing::error!(
                    target: "portcullis::config",
                    policy = %P::REQUIREMENT,
                    "a guarded handler ran outside a SecureRouter; refusing"
                );
                return Err(AuthRejection::misconfigured(Default::default()));
            }
        };
        if P::SHARES_PRINCIPAL {
            parts.extensions.insert(Principal::from(identity));
        }
        Ok(granted)
    }
}

/// The guard's synchronous answer, or the configuration to finish with.
enum Checked {
    Done(Result<Identity, AuthRejection>),
    Later(Security),
}

async fn authenticate_async<P: Policy>(
    security: Security,
    parts: &Parts,
) -> Result<Identity, AuthRejection> {
    let identity = security
        .authenticate_identity(parts, P::SCHEME, &P::REQUIREMENT)
        .await?;
    authorize::<P>(&security, identity)
}

/// Checks the verified `identity` against `P`, recording the decision.
fn authorize<P: Policy>(
    security: &Security,
    identity: Identity,
) -> Result<Identity, AuthRejection> {
    let subject = Some(identity.subject.as_str());
    match P::REQUIREMENT.evaluate_for(&identity.roles, &identity.scopes, security.role_hierarchy())
    {
        Ok(()) => {
            audit::decision(subject, &P::REQUIREMENT, Outcome::Allow, "granted");
            Ok(identity)
        }
        Err(denial) => {
            audit::decision(subject, &P::REQUIREMENT, Outcome::Deny, denial.code());
            Err(AuthRejection::forbidden(
                denial,
                P::SCHEME,
                security.responder().clone(),
            ))
        }
    }
}
