//! The password grant request (RFC 6749 section 4.3.2), read from a form body.

use std::fmt;
use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use secrecy::SecretString;

use super::error::OAuthError;
use super::response::no_store;
use crate::context;
use crate::limiting::{self, Refusal};
use crate::security::Security;
use crate::validation::ValidationRejection;

/// A resource owner password credentials grant, read from an
/// `application/x-www-form-urlencoded` body.
///
/// Fields: `grant_type=password`, `username`, `password` and an optional
/// space-separated `scope`. Another `grant_type` is refused with
/// `unsupported_grant_type`; a missing or repeated parameter, a body that is
/// not such a form, or text that is not UTF-8 with `invalid_request`
/// (RFC 6749 section 5.2); a body larger than the route's limit
/// ([`crate::SecurityBuilder::body_limit`]) with 413, a problem document
/// like every other such failure (see [`GrantRejection`]). Parameters sent empty count as omitted and unknown
/// parameters are ignored (section 3.2). The password is held as a
/// [`SecretString`] and never printed.
///
/// ```
/// use portcullis::oauth::PasswordGrant;
///
/// let grant = PasswordGrant::new("alice", "alice-pass", Some("items:read"));
/// assert_eq!(grant.username(), "alice");
/// assert_eq!(grant.scope(), Some("items:read"));
/// assert!(!format!("{grant:?}").contains("alice-pass"));
/// ```
pub struct PasswordGrant {
    username: String,
    password: SecretString,
    scope: Option<String>,
    /// The client's address (for failure limits), when read from a request.
    client: Option<IpAddr>,
}

impl PasswordGrant {
    /// A grant built in code rather than read from a request.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<String>,
        scope: Option<&str>,
    ) -> Self {
        Self {
            username: username.into(),
            password: SecretString::from(password.into()),
            scope: scope.map(str::to_owned),
            client: None,
        }
    }

    /// The same grant, sent from `client` (its share of the password
    /// hashing gate is counted against that address).
    #[must_use]
    pub fn from_client(mut self, client: IpAddr) -> Self {
        self.client = Some(client);
        self
    }

    /// The client's address, as the route's configuration names it (the
    /// peer, or what a trusted proxy forwarded); `None` for a grant built in
    /// code or a request without a peer.
    pub fn client(&self) -> Option<IpAddr> {
        self.client
    }

    /// The `username` parameter.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The `password` parameter.
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// The requested `scope`, if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Reads the grant from form-encoded bytes.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut grant_type = None;
        let mut username = None;
        let mut password = None;
        let mut scope = None;
        for pair in body.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            let name = decode(name)?;
            let slot = match name.as_str() {
                "grant_type" => &mut grant_type,
                "username" => &mut username,
                "password" => &mut password,
                "scope" => &mut scope,
                _ => continue,
            };
            if slot.is_some() {
                return Err(OAuthError::InvalidRequest);
            }
            let value = decode(value)?;
            if !value.is_empty() {
                *slot = Some(value);
            }
        }
        match grant_type.as_deref() {
            None => return Err(OAuthError::InvalidRequest),
            Some("password") => {}
            Some(_) => return Err(OAuthError::UnsupportedGrantType),
        }
        let (Some(username), Some(password)) = (username, password) else {
            return Err(OAuthError::InvalidRequest);
        };
        Ok(Self {
            username,
            password: SecretString::from(password),
            scope,
            client: None,
        })
    }
}

/// Decodes one `application/x-www-form-urlencoded` name or value: `+` is a
/// space, `%XX` a byte; the result must be UTF-8.
fn decode(raw: &[u8]) -> Result<String, OAuthError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(byte) = bytes.next() {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes
                    .next()
                    .and_then(hex)
                    .ok_or(OAuthError::InvalidRequest)?;
                let low = bytes
                    .next()
                    .and_then(hex)
                    .ok_or(OAuthError::InvalidRequest)?;
                out.push(high << 4 | low);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).map_err(|_| OAuthError::InvalidRequest)
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

fn is_form(request: &Request) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

impl<S: Send + Sync> FromRequest<S> for PasswordGrant {
    type Rejection = GrantRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_form(&request) {
            tracing::debug!(target: "portcullis::oauth", "token request is not a form");
            return Err(GrantRejection::OAuth(OAuthError::InvalidRequest));
        }
        let (parts, body) = request.into_parts();
        let client =
            Security::current().and_then(|security| security.trusted_proxies().client_of(&parts));
        let request = Request::from_parts(parts, body);
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            tracing::debug!(target: "portcullis::oauth", status = %rejection.status(), "token request body unreadable");
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                GrantRejection::TooLarge(ValidationRejection::payload_too_large(
                    context::responder(),
                ))
            } else {
                GrantRejection::OAuth(OAuthError::InvalidRequest)
            }
        })?;
        let mut grant = Self::parse(&body).map_err(|error| {
            tracing::debug!(target: "portcullis::oauth", error = error.code(), "token request refused");
            GrantRejection::OAuth(error)
        })?;
        grant.client = client;
        // The route's `field = "username"` limits, before any hash.
        limiting::check_field("username", &grant.username)
            .await
            .map_err(|refusal| match refusal {
                Refusal::Limited(exceeded) => OAuthError::RateLimited(exceeded),
                Refusal::Unavailable(error) => OAuthError::unavailable(&error),
            })
            .map_err(GrantRejection::OAuth)?;
        Ok(grant)
    }
}

/// Why a token request was refused before its grant could be read: the
/// rejection of [`PasswordGrant`].
///
/// A malformed grant is answered as RFC 6749 section 5.2 says (OAuth clients
/// parse that shape); a body over the route's limit is 413, a problem
/// document (`payload_too_large`) rendered by the route's responder. Both
/// carry `Cache-Control: no-store`.
///
/// ```
/// use portcullis::oauth::{GrantRejection, OAuthError};
/// use http::StatusCode;
///
/// let refused = GrantRejection::from(OAuthError::InvalidRequest);
/// assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum GrantRejection {
    /// The form is missing, malformed or asks for another grant type.
    OAuth(OAuthError),
    /// The body is larger than the route accepts.
    TooLarge(ValidationRejection),
}

impl GrantRejection {
    /// The HTTP status of the answer: 400 for a malformed grant, 413 for a
    /// body over the limit.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::OAuth(error) => error.status(),
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl From<OAuthError> for GrantRejection {
    fn from(error: OAuthError) -> Self {
        Self::OAuth(error)
    }
}

impl IntoResponse for GrantRejection {
    fn into_response(self) -> Response {
        match self {
            Self::OAuth(error) => error.into_response(),
            Self::TooLarge(rejection) => {
                let mut response = rejection.into_response();
                no_store(response.headers_mut());
                response
            }
        }
    }
}

impl fmt::Debug for PasswordGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordGrant")
            .field("username", &self.username)
            .field("scope", &self.scope)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn reads_a_complete_grant() {
        let grant = PasswordGrant::parse(
            b"grant_type=password&username=al%69ce&password=p%26ss+word&scope=a+b&client_id=x",
        )
        .unwrap();
        assert_eq!(grant.username(), "alice");
        assert_eq!(grant.password().expose_secret(), "p&ss word");
        assert_eq!(grant.scope(), Some("a b"));
    }

    #[test]
    fn refuses_missing_repeated_or_malformed_parameters() {
        let cases: &[(&[u8], OAuthError)] = &[
            (b"username=a&password=b", OAuthError::InvalidRequest),
            (
                b"grant_type=client_credentials&username=a&password=b",
                OAuthError::UnsupportedGrantType,
            ),
            (
                b"grant_type=password&password=b",
                OAuthError::InvalidRequest,
            ),
            (
                b"grant_type=password&username=a&password=",
                OAuthError::InvalidRequest,
            ),
            (
                b"grant_type=password&username=a&username=b&password=b",
                OAuthError::InvalidRequest,
            ),
            (
                b"grant_type=password&username=%zz&password=b",
                OAuthError::InvalidRequest,
            ),
            (
                b"grant_type=password&username=%ff&password=b",
                OAuthError::InvalidRequest,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                PasswordGrant::parse(body).err(),
                Some(*expected),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
