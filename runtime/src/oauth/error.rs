//! Token endpoint errors, shaped as RFC 6749 section 5.2.

use std::fmt;
use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::response::no_store;
use crate::context;
use crate::rate_limit::Exceeded;
use crate::rejection::AuthRejection;
use crate::unavailable::StoreUnavailable;
use crate::users::HashingBusy;

/// Why the token endpoint refused a request, answered as RFC 6749 section 5.2.
///
/// The body is `{"error": "<code>", "error_description": "<fixed text>"}`
/// with status 400 (401 for `invalid_client`, 500 for `server_error`), and
/// `Cache-Control: no-store`. It is deliberately not a problem document: OAuth
/// clients parse this shape. A wrong username and a wrong password give the
/// same `invalid_grant` answer.
///
/// ```
/// use portcullis::oauth::OAuthError;
/// use http::StatusCode;
///
/// assert_eq!(OAuthError::InvalidGrant.code(), "invalid_grant");
/// assert_eq!(OAuthError::InvalidGrant.status(), StatusCode::BAD_REQUEST);
/// assert_eq!(OAuthError::InvalidClient.status(), StatusCode::UNAUTHORIZED);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthError {
    /// A parameter is missing, repeated or malformed, or the body is not a form.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// The username or password is wrong (never told apart).
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The `grant_type` is not one this endpoint serves.
    UnsupportedGrantType,
    /// A requested scope is malformed or not held by the user.
    InvalidScope,
    /// The user store or the signer failed; the details are in the log.
    ServerError,
    /// Every password hashing permit was taken. Not an RFC 6749 error: it is
    /// answered like every other 503, as a problem document (code
    /// `hashing_busy`) with `Retry-After`.
    HashingBusy(HashingBusy),
    /// A rate limit refused the request: answered as a 429 problem document
    /// with `Retry-After` and `RateLimit` fields, not RFC 6749's shape
    /// (it is no grant error).
    RateLimited(Exceeded),
    /// The rate-limit store could not answer: a 503 problem document with
    /// `Retry-After` (logged when it was made).
    Unavailable {
        /// What to send as `Retry-After`.
        retry_after: Duration,
    },
}

impl OAuthError {
    /// The `error` code of RFC 6749 section 5.2.
    pub const fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::ServerError => "server_error",
            Self::HashingBusy(_) => "hashing_busy",
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable { .. } => "store_unavailable",
        }
    }

    /// The answer to a store that could not answer; logs it loudly.
    pub(crate) fn unavailable(error: &StoreUnavailable) -> Self {
        tracing::error!(target: "portcullis::store", store = error.store, detail = %error.detail, "a store is unavailable; refusing the token request (fail closed)");
        Self::Unavailable {
            retry_after: error.retry_after,
        }
    }

    /// The fixed `error_description` sent to the client.
    pub const fn description(self) -> &'static str {
        match self {
            Self::InvalidRequest => {
                "the request is missing a parameter, repeats one, or is not a form"
            }
            Self::InvalidClient => "client authentication failed",
            Self::InvalidGrant => "the username or password is not valid",
            Self::UnauthorizedClient => "the client may not use this grant type",
            Self::UnsupportedGrantType => "only the password grant is supported",
            Self::InvalidScope => "the requested scope is malformed or exceeds what the user holds",
            Self::ServerError => "the token could not be issued",
            Self::HashingBusy(_) => "too many password checks are in progress; retry later",
            Self::RateLimited(_) => "too many requests; retry after the time in Retry-After",
            Self::Unavailable { .. } => {
                "the service cannot check this request right now; retry later"
            }
        }
    }

    /// The HTTP status: 400, or 401 for `invalid_client`, 500 for
    /// `server_error`, 429 for a rate limit, 503 when password hashing is busy
    /// or a store cannot answer.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::HashingBusy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for OAuthError {}

#[derive(Serialize)]
struct Body {
    error: &'static str,
    error_description: &'static str,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        // Not grant errors: problem documents like every other refusal,
        // with the token endpoint's `Cache-Control: no-store`.
        let problem = match self {
            Self::RateLimited(exceeded) => {
                Some(AuthRejection::rate_limited(exceeded, context::responder()))
            }
            Self::Unavailable { retry_after } => {
                let error = StoreUnavailable {
                    store: "rate limits",
                    detail: String::new(),
                    retry_after,
                };
                Some(AuthRejection::store_unavailable_quiet(
                    &error,
                    context::responder(),
                ))
            }
            Self::HashingBusy(busy) => {
                Some(AuthRejection::hashing_busy(busy, context::responder()))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            let mut response = problem.into_response();
            no_store(response.headers_mut());
            return response;
        }
        let body = Body {
            error: self.code(),
            error_description: self.description(),
        };
        let mut response = (self.status(), Json(body)).into_response();
        no_store(response.headers_mut());
        if self == Self::InvalidClient {
            // RFC 6749 5.2: a 401 names the authentication scheme to use.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"token\""),
            );
        }
        response
    }
}
