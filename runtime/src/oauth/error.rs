//! Token endpoint errors, shaped as RFC 6749 section 5.2.

use std::fmt;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::response::no_store;
use crate::rejection::hashing_busy_problem;
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
        }
    }

    /// The HTTP status: 400, or 401 for `invalid_client`, 500 for
    /// `server_error`, 503 when password hashing is busy.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::HashingBusy(_) => StatusCode::SERVICE_UNAVAILABLE,
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
        if let Self::HashingBusy(busy) = self {
            let mut response = crate::context::responder().respond(hashing_busy_problem());
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(busy.retry_after_secs()),
            );
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
