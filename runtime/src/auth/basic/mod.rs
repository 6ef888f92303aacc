//! HTTP Basic authentication (RFC 7617) against the user directory's Argon2 hashes.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use http::request::Parts;

use super::header::{self, Presented};
use super::{Failure, ReasonCode};
use crate::config_error::ConfigError;
use crate::policy::Scheme;
use crate::principal::{Identity, Principal};
use crate::problem::ProblemResponder;
use crate::rate_limit::Exceeded;
use crate::rejection::AuthRejection;
use crate::unavailable::StoreUnavailable;
use crate::users::{
    CredentialsError, HashingBusy, LoginThrottle, StoreError, UserDirectory, UserStore,
};

/// Verifies `Authorization: Basic` credentials against a [`UserDirectory`].
///
/// Password checks run on the blocking pool (Argon2 is deliberately slow), and
/// an unknown user costs the same Argon2 work as a known one.
///
/// ```
/// use portcullis::auth::basic::BasicAuth;
/// use portcullis::users::InMemoryUserStore;
///
/// let users = InMemoryUserStore::new().with_user("admin", "admin-pass", ["admin"], [""; 0]).unwrap();
/// let basic = BasicAuth::new("secure-data", users).unwrap();
/// assert_eq!(basic.challenge(), "Basic realm=\"secure-data\", charset=\"UTF-8\"");
/// ```
#[derive(Clone)]
pub struct BasicAuth {
    users: UserDirectory,
    challenge: HeaderValue,
    /// The failure limits of the [`crate::Security`] this was configured
    /// on, given by its builder.
    throttle: Option<LoginThrottle>,
}

/// Why Basic credentials were refused; for logs only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasicError {
    /// The header is not `Basic <base64 of user:password>` in UTF-8.
    Malformed,
    /// Unknown user or wrong password (deliberately not told apart).
    BadCredentials,
    /// The store failed; the request is refused.
    Store(StoreError),
    /// Every password hashing permit was taken: 503 with `Retry-After`.
    Busy(HashingBusy),
    /// Too many failed checks from the client's address (429).
    Limited(Exceeded),
    /// The rate-limit store could not answer (503).
    Unavailable(StoreUnavailable),
}

impl From<CredentialsError> for BasicError {
    fn from(error: CredentialsError) -> Self {
        match error {
            CredentialsError::BadCredentials => Self::BadCredentials,
            CredentialsError::Store(store) => Self::Store(store),
            CredentialsError::Busy(busy) => Self::Busy(busy),
            CredentialsError::Limited(exceeded) => Self::Limited(exceeded),
            CredentialsError::Unavailable(error) => Self::Unavailable(error),
        }
    }
}

impl BasicAuth {
    /// Basic authentication in `realm` against the users of `store`.
    pub fn new(realm: &str, store: impl UserStore) -> Result<Self, ConfigError> {
        let users = UserDirectory::new(store).map_err(|_| ConfigError::RandomSource)?;
        Self::with_users(realm, users)
    }

    /// Basic authentication in `realm` against `users`, a directory the
    /// password grant may share.
    pub fn with_users(realm: &str, users: UserDirectory) -> Result<Self, ConfigError> {
        if realm.is_empty()
            || !realm
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        {
            return Err(ConfigError::InvalidRealm);
        }
        let challenge =
            HeaderValue::try_from(format!("Basic realm=\"{realm}\", charset=\"UTF-8\""))
                .map_err(|_| ConfigError::InvalidRealm)?;
        Ok(Self {
            users,
            challenge,
            throttle: None,
        })
    }

    /// The same authenticator under `throttle`'s failure limits.
    pub(crate) fn with_throttle(mut self, throttle: LoginThrottle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// The `WWW-Authenticate` value sent with a 401.
    pub fn challenge(&self) -> &HeaderValue {
        &self.challenge
    }

    /// The user directory the credentials are checked against.
    pub fn users(&self) -> &UserDirectory {
        &self.users
    }

    /// Checks the `Authorization` header value's credentials (after `Basic `).
    pub async fn verify(&self, encoded: &str) -> Result<Principal, BasicError> {
        self.verify_identity(encoded, None)
            .await
            .map(Principal::from)
    }

    async fn verify_identity(
        &self,
        encoded: &str,
        parts: Option<&Parts>,
    ) -> Result<Identity, BasicError> {
        let (username, password) = decode_credentials(encoded).ok_or(BasicError::Malformed)?;
        let record = match (&self.throttle, parts) {
            (Some(throttle), Some(parts)) => {
                let client = throttle.proxies().client_of(parts);
                self.users
                    .verify_throttled(throttle, client, &username, &password)
                    .await?
            }
            (None, Some(parts)) => {
                self.users
                    .verify_from(peer(parts), &username, &password)
                    .await?
            }
            _ => self.users.verify(&username, &password).await?,
        };
        Ok(Identity {
            subject: record.username,
            roles: record.roles,
            scopes: record.scopes,
            scheme: Scheme::Basic,
            issuer: None,
            token_id: None,
            issued_at: None,
            expires_at: None,
            csrf_token: None,
        })
    }

    /// Authenticates the request's `Authorization: Basic` credentials.
    pub(crate) async fn authenticate(
        &self,
        parts: &Parts,
        responder: &ProblemResponder,
    ) -> Result<Identity, Failure> {
        let refuse = |reason: ReasonCode, missing: bool| {
            let challenge = self.challenge.clone();
            let rejection = if missing {
                AuthRejection::missing_credentials(challenge, responder.clone())
            } else {
                AuthRejection::invalid_credentials(challenge, responder.clone())
            };
            Failure::new(reason, rejection)
        };
        match header::presented(&parts.headers, Scheme::Basic) {
            Presented::Absent => Err(refuse("missing_credentials", true)),
            Presented::Malformed => Err(refuse("malformed", false)),
            Presented::Value(encoded) => self.verify_identity(encoded, Some(parts)).await.map_err(|error| {
                let reason = match error {
                    BasicError::Busy(busy) => {
                        return Failure::new(
                            "hashing_busy",
                            AuthRejection::hashing_busy(busy, responder.clone()),
                        );
                    }
                    BasicError::Malformed => "malformed",
                    BasicError::BadCredentials => "bad_credentials",
                    BasicError::Store(store) => {
                        tracing::error!(target: "portcullis::auth", error = %store, "user store failed; refusing");
                        "store_unavailable"
                    }
                    BasicError::Limited(exceeded) => {
                        return Failure::new(
                            "rate_limited",
                            AuthRejection::rate_limited(exceeded, responder.clone()),
                        );
                    }
                    BasicError::Unavailable(error) => {
                        return Failure::new(
                            "store_unavailable",
                            AuthRejection::store_unavailable(&error, responder.clone()),
                        );
                    }
                };
                refuse(reason, false)
            }),
        }
    }
}

/// The connection's peer address, when the server provided it.
fn peer(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Decodes `base64(user:password)`; the user may not contain `:` (RFC 7617).
pub(crate) fn decode_credentials(encoded: &str) -> Option<(String, String)> {
    let bytes = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    if user.is_empty() || user.chars().any(char::is_control) {
        return None;
    }
    Some((user.to_owned(), password.to_owned()))
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::decode_credentials;

    #[test]
    fn credentials_split_at_first_colon() {
        // "user:pa:ss"
        assert_eq!(
            decode_credentials("dXNlcjpwYTpzcw=="),
            Some(("user".into(), "pa:ss".into()))
        );
        assert_eq!(decode_credentials("!!!"), None);
        // ":pass" has an empty user
        assert_eq!(decode_credentials("OnBhc3M="), None);
        // "nocolon"
        assert_eq!(decode_credentials("bm9jb2xvbg=="), None);
    }
}
