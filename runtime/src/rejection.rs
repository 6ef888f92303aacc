//! The rejection of the guard and of `Principal`: 401, 403, 429 (a rate
//! limit), 503 (a store that cannot answer), or a fail-closed 500.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode, header};

use crate::policy::{Denial, Scheme};
use crate::problem::{Problem, ProblemResponder};
use crate::rate_limit::Exceeded;
use crate::rate_limit::headers::{self, seconds_up};
use crate::unavailable::StoreUnavailable;

/// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers).
pub(crate) const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit` (draft-ietf-httpapi-ratelimit-headers).
pub(crate) const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

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
    /// Headers the protocol requires besides the challenge (`Retry-After`,
    /// `RateLimit`), added after the responder runs.
    headers: Vec<(HeaderName, HeaderValue)>,
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
        rejection.0.headers.push((header::RETRY_AFTER, retry_after));
        rejection
    }

    /// Every password hashing permit is taken: 503 with `Retry-After`.
    #[cfg(feature = "argon2")]
    pub(crate) fn hashing_busy(
        busy: crate::users::HashingBusy,
        responder: ProblemResponder,
    ) -> Self {
        Self::unavailable(
            hashing_busy_problem(),
            HeaderValue::from(busy.retry_after_secs()),
            responder,
        )
    }

    /// 429: a rate limit refused the request; `Retry-After`, `RateLimit-Policy`
    /// and `RateLimit` say which limit and when to come back.
    pub(crate) fn rate_limited(exceeded: Exceeded, responder: ProblemResponder) -> Self {
        let retry = seconds_up(exceeded.retry_after).max(1);
        let mut rejection = Self::new(
            Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests; retry after the time in Retry-After",
            ),
            None,
            responder,
        );
        let fields = [
            (header::RETRY_AFTER, retry.to_string()),
            (
                RATELIMIT_POLICY,
                headers::policy_field(exceeded.name, exceeded.quota),
            ),
            (
                RATELIMIT,
                headers::remaining_field(exceeded.name, 0, exceeded.retry_after),
            ),
        ];
        rejection.0.headers = fields
            .into_iter()
            .filter_map(|(name, text)| Some((name, headers::value(&text)?)))
            .collect();
        rejection
    }

    /// 503 with `Retry-After`: a shared store could not answer, so nothing
    /// it would have said is assumed (fail closed). Logged loudly here; any
    /// code that meets a [`StoreUnavailable`] answers with this.
    pub(crate) fn store_unavailable(error: &StoreUnavailable, responder: ProblemResponder) -> Self {
        tracing::error!(
            target: "portcullis::store",
            store = error.store,
            detail = %error.detail,
            "a store is unavailable; refusing the request (fail closed)"
        );
        Self::store_unavailable_quiet(error, responder)
    }

    /// [`AuthRejection::store_unavailable`] for a failure already logged.
    pub(crate) fn store_unavailable_quiet(
        error: &StoreUnavailable,
        responder: ProblemResponder,
    ) -> Self {
        let mut rejection = Self::new(
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the service cannot check this request right now; retry later",
            ),
            None,
            responder,
        );
        rejection.0.headers.push((
            header::RETRY_AFTER,
            HeaderValue::from(seconds_up(error.retry_after).max(1)),
        ));
        rejection
    }

    fn new(problem: Problem, challenge: Option<HeaderValue>, responder: ProblemResponder) -> Self {
        Self(Box::new(Refusal {
            problem,
            challenge,
            headers: Vec::new(),
            responder,
        }))
    }

    /// The problem document the client will see.
    pub fn problem(&self) -> &Problem {
        &self.0.problem
    }

    /// The HTTP status: 401, 403, 429, 500, or 503 when a store, the audit
    /// log or the password hashing gate cannot take the request.
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
            headers,
            responder,
        } = *self.0;
        let mut response = responder.respond(problem);
        if let Some(challenge) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        for (name, value) in headers {
            response.headers_mut().insert(name, value);
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
