//! The decision for one request: authenticate with the route's scheme, then
//! check the verified caller against the route's policy, recording an audit
//! event either way.
//!
//! Non-generic on purpose: every route shares this code, and only a thin
//! wrapper per handler calls it.

use http::request::Parts;

use crate::audit::{self, Outcome};
use crate::auth::Failure;
use crate::csrf;
use crate::policy::PolicyInfo;
use crate::principal::Principal;
use crate::rejection::AuthRejection;
use crate::security::Security;

/// The verdict: the caller (`None` on public routes), or the refusal.
pub(crate) type Verdict = Result<Option<Principal>, AuthRejection>;

/// The verdict, when it can be reached without awaiting (public routes, and
/// bearer tokens verified with fixed keys and no revocation store); `None`
/// when only [`decide`] can reach it.
pub(crate) fn decide_now(
    security: &Security,
    policy: &PolicyInfo,
    parts: &Parts,
) -> Option<Verdict> {
    if policy.requirement.is_public() {
        return Some(Ok(None));
    }
    let authenticated =
        security
            .authenticators()
            .authenticate_now(parts, policy.scheme, security.responder())?;
    Some(conclude(security, policy, parts, authenticated))
}

/// The verdict, awaiting what the scheme needs (Argon2 on the blocking pool,
/// a JWKS fetch, a revocation lookup).
pub(crate) async fn decide(security: &Security, policy: &PolicyInfo, parts: &Parts) -> Verdict {
    let authenticated = security
        .authenticators()
        .authenticate(parts, policy.scheme, security.responder())
        .await;
    conclude(security, policy, parts, authenticated)
}

/// Checks an authenticated caller against `policy`, recording the decision.
fn conclude(
    security: &Security,
    policy: &PolicyInfo,
    parts: &Parts,
    authenticated: Result<Principal, Failure>,
) -> Verdict {
    let principal = match authenticated {
        Ok(principal) => principal,
        Err(failure) => {
            audit::decision(None, policy, Outcome::Deny, failure.reason)
                .map_err(|refused| refused.rejection(security.responder()))?;
            return Err(failure.rejection);
        }
    };
    csrf::verify(security, policy, parts, &principal)?;
    match policy.requirement.evaluate_for(
        principal.roles(),
        principal.scopes(),
        security.role_hierarchy(),
    ) {
        Ok(()) => {
            audit::decision(Some(principal.subject()), policy, Outcome::Allow, "granted")
                .map_err(|refused| refused.rejection(security.responder()))?;
            Ok(Some(principal))
        }
        Err(denial) => {
            audit::decision(
                Some(principal.subject()),
                policy,
                Outcome::Deny,
                denial.code(),
            )
            .map_err(|refused| refused.rejection(security.responder()))?;
            Err(AuthRejection::forbidden(
                denial,
                policy.scheme,
                security.responder().clone(),
            ))
        }
    }
}

/// For `Option<Principal>` on a public route: `None` without a credential
/// for the route's scheme, the verified caller with a valid one, and 401
/// with an invalid one. A credential a browser sends by itself (a session
/// cookie, a bearer token from a cookie) needs the same CSRF proof on an
/// unsafe method as on a guarded route, or another site could act as the
/// signed-in user wherever the route treats callers differently.
pub(crate) async fn optional_caller(
    security: &Security,
    policy: &PolicyInfo,
    parts: &Parts,
) -> Result<Option<Principal>, AuthRejection> {
    let authenticators = security.authenticators();
    if !authenticators.offered(parts, policy.scheme) {
        return Ok(None);
    }
    match authenticators
        .authenticate(parts, policy.scheme, security.responder())
        .await
    {
        Ok(principal) => {
            csrf::verify(security, policy, parts, &principal)?;
            Ok(Some(principal))
        }
        Err(failure) => {
            audit::decision(None, policy, Outcome::Deny, failure.reason)
                .map_err(|refused| refused.rejection(security.responder()))?;
            Err(failure.rejection)
        }
    }
}
