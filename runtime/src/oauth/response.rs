//! The successful token answer, shaped as RFC 6749 section 5.1.

use std::fmt;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, header};
use serde::Serialize;

use crate::jwt::Claims;

/// An issued access token and the JSON answer of RFC 6749 section 5.1.
///
/// As a response it is `200` with
/// `{"access_token": …, "token_type": "bearer", "expires_in": …, "scope": …}`,
/// `Cache-Control: no-store` and `Pragma: no-cache`. Its `Debug` output never
/// shows the token.
///
/// ```
/// use portcullis::oauth::{SigningKey, TokenIssuer};
/// use portcullis::jwt::Algorithm;
///
/// let issuer = TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, &[7; 32]).unwrap()).build().unwrap();
/// let issued = issuer.issue("alice", ["user"], ["items:read"]).unwrap();
/// assert_eq!(issued.expires_in(), 3600);
/// assert_eq!(issued.scope(), "items:read");
/// assert_eq!(issued.claims().sub, "alice");
/// assert!(!format!("{issued:?}").contains(issued.access_token()));
/// ```
#[derive(Clone)]
pub struct TokenResponse {
    access_token: String,
    expires_in: u64,
    scope: String,
    claims: Claims,
}

#[derive(Serialize)]
struct Body<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    scope: &'a str,
}

impl TokenResponse {
    pub(crate) fn new(access_token: String, claims: Claims) -> Self {
        let expires_in = claims.exp.saturating_sub(claims.iat.unwrap_or(claims.exp));
        let scope = claims.scope.clone().unwrap_or_default();
        Self {
            access_token,
            expires_in,
            scope,
            claims,
        }
    }

    /// The signed JWT.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// Always `bearer` (RFC 6750).
    pub fn token_type(&self) -> &'static str {
        "bearer"
    }

    /// Seconds until the token expires.
    pub fn expires_in(&self) -> u64 {
        self.expires_in
    }

    /// The granted scopes, space-separated.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The claims the token carries.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The token as an `Authorization` header value: `Bearer <token>`.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.access_token)
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("sub", &self.claims.sub)
            .field("jti", &self.claims.jti)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let body = Body {
            access_token: &self.access_token,
            token_type: self.token_type(),
            expires_in: self.expires_in,
            scope: &self.scope,
        };
        let mut response = Json(body).into_response();
        no_store(response.headers_mut());
        response
    }
}

/// Marks a token endpoint answer uncacheable (RFC 6749 section 5.1).
pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
