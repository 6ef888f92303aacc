//! Authentication: one module per scheme, each reading its credential,
//! verifying it and turning it into a [`crate::Principal`].
//!
//! Adding a scheme means one module here and one arm in
//! `Authenticators::authenticate`.

#[cfg(feature = "argon2")]
pub mod basic;
pub mod bearer;
pub(crate) mod header;
#[cfg(feature = "sessions")]
pub mod session;

use http::request::Parts;

#[cfg(feature = "argon2")]
use self::basic::BasicAuth;
use self::bearer::BearerAuth;
#[cfg(feature = "sessions")]
use self::session::SessionManager;
use crate::policy::Scheme;
use crate::principal::Principal;
use crate::problem::ProblemResponder;
use crate::rejection::{AuthRejection, BEARER_CHALLENGE, SESSION_CHALLENGE};

/// The short reason a refusal carries into the audit log.
pub(crate) type ReasonCode = &'static str;

/// A refusal with the short reason that goes to the audit log.
pub(crate) struct Failure {
    pub(crate) reason: ReasonCode,
    pub(crate) rejection: AuthRejection,
}

impl Failure {
    pub(crate) fn new(reason: ReasonCode, rejection: AuthRejection) -> Self {
        Self { reason, rejection }
    }
}

/// The configured scheme authenticators.
#[derive(Clone, Debug, Default)]
pub(crate) struct Authenticators {
    pub(crate) bearer: Option<BearerAuth>,
    #[cfg(feature = "argon2")]
    pub(crate) basic: Option<BasicAuth>,
    #[cfg(feature = "sessions")]
    pub(crate) session: Option<SessionManager>,
}

impl Authenticators {
    /// Whether `scheme` has an authenticator.
    pub(crate) fn supports(&self, scheme: Scheme) -> bool {
        match scheme {
            Scheme::Bearer => self.bearer.is_some(),
            #[cfg(feature = "argon2")]
            Scheme::Basic => self.basic.is_some(),
            #[cfg(not(feature = "argon2"))]
            Scheme::Basic => false,
            #[cfg(feature = "sessions")]
            Scheme::Session => self.session.is_some(),
            #[cfg(not(feature = "sessions"))]
            Scheme::Session => false,
        }
    }

    /// Whether the request's bearer token came from a cookie.
    pub(crate) fn bearer_from_cookie(&self, parts: &Parts) -> bool {
        self.bearer
            .as_ref()
            .is_some_and(|b| b.read_from_cookie(parts))
    }

    /// The caller, when `scheme` can verify it without awaiting; `None` when
    /// only [`Authenticators::authenticate`] can answer.
    pub(crate) fn authenticate_now(
        &self,
        parts: &Parts,
        scheme: Scheme,
        responder: &ProblemResponder,
    ) -> Option<Result<Principal, Failure>> {
        match (scheme, &self.bearer) {
            (Scheme::Bearer, Some(bearer)) => bearer.authenticate_now(parts, responder),
            (Scheme::Bearer, None) => Some(Err(unconfigured(scheme, responder))),
            (Scheme::Basic | Scheme::Session, _) => None,
        }
    }

    /// Verifies the caller with `scheme`.
    pub(crate) async fn authenticate(
        &self,
        parts: &Parts,
        scheme: Scheme,
        responder: &ProblemResponder,
    ) -> Result<Principal, Failure> {
        match scheme {
            Scheme::Bearer => match &self.bearer {
                Some(bearer) => bearer.authenticate(parts, responder).await,
                None => Err(unconfigured(scheme, responder)),
            },
            #[cfg(feature = "argon2")]
            Scheme::Basic => match &self.basic {
                Some(basic) => basic
                    .authenticate(parts, responder)
                    .await
                    .map(Principal::from),
                None => Err(unconfigured(scheme, responder)),
            },
            #[cfg(not(feature = "argon2"))]
            Scheme::Basic => Err(unconfigured(scheme, responder)),
            #[cfg(feature = "sessions")]
            Scheme::Session => match &self.session {
                Some(session) => session.authenticate(parts, responder).await,
                None => Err(unconfigured(scheme, responder)),
            },
            #[cfg(not(feature = "sessions"))]
            Scheme::Session => Err(unconfigured(scheme, responder)),
        }
    }

    /// Whether the request offers a credential for `scheme`.
    pub(crate) fn offered(&self, parts: &Parts, scheme: Scheme) -> bool {
        match scheme {
            Scheme::Bearer => self.bearer.as_ref().is_some_and(|b| b.offered(parts)),
            Scheme::Basic => !matches!(
                header::presented(&parts.headers, scheme),
                header::Presented::Absent
            ),
            #[cfg(feature = "sessions")]
            Scheme::Session => self.session.as_ref().is_some_and(|s| s.offered(parts)),
            #[cfg(not(feature = "sessions"))]
            Scheme::Session => false,
        }
    }
}

/// The fail-closed answer for a route whose scheme has no authenticator
/// (which [`crate::SecureRouter::build`] refuses and `into_router` logs).
fn unconfigured(scheme: Scheme, responder: &ProblemResponder) -> Failure {
    tracing::error!(
        target: "portcullis::config",
        scheme = scheme.as_str(),
        "a route was called whose scheme has no authenticator configured; refusing"
    );
    let challenge = match scheme {
        Scheme::Session => SESSION_CHALLENGE,
        _ => BEARER_CHALLENGE,
    };
    Failure::new(
        "no_authenticator",
        AuthRejection::missing_credentials(challenge, responder.clone()),
    )
}
