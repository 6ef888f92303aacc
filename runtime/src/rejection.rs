//! The rejection of the guard and of `Principal`: 401, 403, or a fail-closed
//! 500 or 503.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::policy::{Denial, Scheme};
use crate::problem::{Problem, ProblemResponder};
use crate::unavailable::StoreUnavailable;

/// `WWW-Authenticate` for a bearer request that carried no token (RFC 6750 3).
pub(crate) const BEARER_CHALLENGE: HeaderValue = HeaderValue::from_static("Bearer");
/// `WWW-Authenticate` for a bearer token that failed verification (RFC 6750 3.1).
pub(crate) const BEARER_INVALID_TOKEN: HeaderValue =
    HeaderValue::from_static("Bearer error=\"invalid_token\"");
/// `WWW-Authenticate` for a valid token without a required scope (RFC 6750 3.1).
pub(crate) const BEARER_INSUFFICIENT_SCOPE: HeaderValue =
    HeaderValue::from_static("Bearer error=\"insufficient_scope\"");

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
    /// `Retry-After`, for a store that could not answer.
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

    /// The server is wired wrongly (no security configuration reached the
    /// guard); refuse rather than run the handler unchecked.
    pub(crate) fn misconfigured(responder: ProblemResponder) -> Self {
        Self::new(Problem::internal(), None, responder)
    }

    /// 503: something the decision needs (the audit log) cannot take the
    /// request now; `retry_after` is sent as `Retry-After`.
    pub(crate) fn unavailable(
        problem: Problem,
        retry_after: HeaderValue,
        responder: ProblemResponder,
    ) -> Self {
        let mut rejection = Self::new(problem, None, responder);
        rejection.0.retry_after = Some(retry_after);
        rejection
    }

    /// A store the check needs could not answer: 503 with `Retry-After`.
    pub(crate) fn store_unavailable(error: &StoreUnavailable, responder: ProblemResponder) -> Self {
        Self::unavailable(error.problem(), error.retry_after_header(), responder)
    }

    /// Every password hashing permit is taken: 503 with `Retry-After`.
    #[cfg(feature = "argon2")]
    pub(crate) fn hashing_busy(
        busy: crate::users::HashingBusy,
        responder: ProblemResponder,
    ) -> Self {
        let mut rejection = Self::new(hashing_busy_problem(), None, responder);
        rejection.0.retry_after = Some(HeaderValue::from(busy.retry_after_secs()));
        rejection
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

    /// The HTTP status: 401, 403, 500, or 503 when a store or the audit log
    /// could not answer.
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
        if let Some(retry_after) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after);
        }
        if let Some(challenge) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// The problem of a password check refused because every hashing permit is
/// taken (HTTP Basic and the password grant alike).
#[cfg(feature = "argon2")]
pub(crate) fn hashing_busy_problem() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "hashing_busy",
        "too many password checks are in progress; retry later",
    )
}
