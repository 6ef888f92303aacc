//! The rejection of the guard and of `Principal`: 401, 403, or a fail-closed 500.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::policy::{Denial, Scheme};
use crate::problem::{Problem, ProblemResponder};

/// `WWW-Authenticate` for a bearer request that carried no token (RFC 6750 3).
pub(crate) const BEARER_CHALLENGE: HeaderValue = HeaderValue::from_static("Bearer");
/// `WWW-Authenticate` for a bearer token that failed verification (RFC 6750 3.1).
pub(crate) const BEARER_INVALID_TOKEN: HeaderValue =
    HeaderValue::from_static("Bearer error=\"invalid_token\"");
/// `WWW-Authenticate` for a valid token without a required scope (RFC 6750 3.1).
pub(crate) const BEARER_INSUFFICIENT_SCOPE: HeaderValue =
    HeaderValue::from_static("Bearer error=\"insufficient_scope\"");

/// `WWW-Authenticate` for a session route: no registered HTTP scheme names
/// cookie sessions, so the challenge says `Cookie` (never `Bearer`, which
/// would invite a token the route does not accept).
pub(crate) const SESSION_CHALLENGE: HeaderValue = HeaderValue::from_static("Cookie");

/// Why a request was refused before the handler ran.
///
/// The client sees a fixed problem document and, on 401, a
/// `WWW-Authenticate` challenge; details go to the log only.
pub struct AuthRejection(Box<Refusal>);

/// Boxed: refusals are the rare path, and a small `Err` keeps every
/// extractor's `Result` small on the common one.
struct Refusal {
    problem: Problem,
    challenge: Option<HeaderValue>,
    /// `Retry-After`, on a 503.
    retry_after: Option<HeaderValue>,
    responder: ProblemResponder,
}

impl AuthRejection {
    pub(crate) fn missing_credentials(challenge: HeaderValue, responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "missing_credentials",
                "this resource requires authentication",
            ),
            Some(challenge),
            responder,
        )
    }

    pub(crate) fn invalid_token(responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the access token is malformed, expired, revoked or not trusted",
            ),
            Some(BEARER_INVALID_TOKEN),
            responder,
        )
    }

    #[cfg_attr(not(feature = "argon2"), allow(dead_code))]
    pub(crate) fn invalid_credentials(challenge: HeaderValue, responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "the username or password is not valid",
            ),
            Some(challenge),
            responder,
        )
    }

    pub(crate) fn forbidden(denial: Denial, scheme: Scheme, responder: ProblemResponder) -> Self {
        let detail = match denial {
            Denial::Role => "the caller lacks a role this resource requires",
            Denial::Scope => "the credential lacks a scope this resource requires",
        };
        Self::new(
            Problem::new(StatusCode::FORBIDDEN, denial.code(), detail),
            (scheme == Scheme::Bearer && denial == Denial::Scope)
                .then_some(BEARER_INSUFFICIENT_SCOPE),
            responder,
        )
    }

    /// A session cookie that names no live session: forged, tampered,
    /// truncated, expired or logged out.
    #[cfg_attr(not(feature = "sessions"), allow(dead_code))]
    pub(crate) fn invalid_session(responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_session",
                "the session is missing, expired or ended; sign in again",
            ),
            Some(SESSION_CHALLENGE),
            responder,
        )
    }

    /// A cookie-authenticated unsafe request without CSRF proof.
    pub(crate) fn csrf_failed(responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "the request is cross-site or lacks a valid CSRF token",
            ),
            None,
            responder,
        )
    }

    /// A shared store could not answer: 503 with `Retry-After` (fail closed).
    #[cfg_attr(not(feature = "sessions"), allow(dead_code))]
    pub(crate) fn unavailable(
        unavailable: &crate::unavailable::StoreUnavailable,
        responder: ProblemResponder,
    ) -> Self {
        tracing::error!(target: "portcullis::store", store = unavailable.store, detail = %unavailable.detail, "a shared store is unavailable; refusing");
        let mut rejection = Self::new(
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the service cannot check this request right now; retry later",
            ),
            None,
            responder,
        );
        rejection.0.retry_after = Some(HeaderValue::from(unavailable.retry_after.as_secs().max(1)));
        rejection
    }

    /// The server is wired wrongly (no security configuration reached the
    /// guard); refuse rather than run the handler unchecked.
    pub(crate) fn misconfigured(responder: ProblemResponder) -> Self {
        Self::new(Problem::internal(), None, responder)
    }

    fn new(problem: Problem, challenge: Option<HeaderValue>, responder: ProblemResponder) -> Self {
        Self(Box::new(Refusal {
            problem,
            challenge,
            retry_after: None,
            responder,
        }))
    }

    /// The problem document the client will see.
    pub fn problem(&self) -> &Problem {
        &self.0.problem
    }

    /// The HTTP status: 401, 403, 503 or 500.
    pub fn status(&self) -> StatusCode {
        self.0.problem.status()
    }
}

impl fmt::Debug for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRejection")
            .field("problem", &self.0.problem)
            .field("challenge", &self.0.challenge)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let Refusal {
            problem,
            challenge,
            retry_after,
            responder,
        } = *self.0;
        let mut response = responder.respond(problem);
        if let Some(challenge) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Some(retry_after) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after);
        }
        response
    }
}
