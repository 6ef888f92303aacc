//! HTTP Basic authentication (RFC 7617) against Argon2 password hashes.

mod password;
mod store;

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;

pub use password::{PasswordHashError, hash_password, hash_passwords, verify_password};
pub use store::{BoxFuture, InMemoryUserStore, StoreError, UserRecord, UserStore};

use crate::config_error::ConfigError;
use crate::policy::Scheme;
use crate::principal::{Identity, Principal};

/// Verifies `Authorization: Basic` credentials against a [`UserStore`].
///
/// Password checks run on the blocking pool (Argon2 is deliberately slow), and
/// an unknown user costs the same Argon2 work as a known one.
///
/// ```
/// use portcullis::{BasicAuth, InMemoryUserStore};
///
/// let users = InMemoryUserStore::new().with_user("admin", "admin-pass", ["admin"], [""; 0]).unwrap();
/// let basic = BasicAuth::new("secure-data", users).unwrap();
/// assert_eq!(basic.challenge(), "Basic realm=\"secure-data\", charset=\"UTF-8\"");
/// ```
#[derive(Clone)]
pub struct BasicAuth {
    store: Arc<dyn UserStore>,
    challenge: HeaderValue,
    decoy_hash: Arc<str>,
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
}

impl BasicAuth {
    /// Basic authentication in `realm` against `store`.
    pub fn new(realm: &str, store: impl UserStore) -> Result<Self, ConfigError> {
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
        // Verified when the user is unknown, so that costs as much as a known one.
        let decoy = password::decoy_hash().map_err(|_| ConfigError::InvalidRealm)?;
        Ok(Self {
            store: Arc::new(store),
            challenge,
            decoy_hash: decoy.into(),
        })
    }

    /// The `WWW-Authenticate` value sent with a 401.
    pub fn challenge(&self) -> &HeaderValue {
        &self.challenge
    }

    /// Checks the `Authorization` header value's credentials (after `Basic `).
    pub async fn verify(&self, encoded: &str) -> Result<Principal, BasicError> {
        self.verify_identity(encoded).await.map(Principal::from)
    }

    pub(crate) async fn verify_identity(&self, encoded: &str) -> Result<Identity, BasicError> {
        let (username, password) = decode_credentials(encoded).ok_or(BasicError::Malformed)?;
        let record = self.verify_password_of(&username, &password).await?;
        Ok(Identity {
            subject: record.username,
            roles: record.roles,
            scopes: record.scopes,
            scheme: Scheme::Basic,
            token_id: None,
            issued_at: None,
            expires_at: None,
        })
    }

    /// Checks `username` and `password`; the same Argon2 work either way.
    pub async fn verify_password_of(
        &self,
        username: &str,
        password: &str,
    ) -> Result<UserRecord, BasicError> {
        let record = self.store.find(username).await.map_err(BasicError::Store)?;
        let decoy = Arc::clone(&self.decoy_hash);
        let password = password.to_owned();
        let (record, ok) = tokio::task::spawn_blocking(move || {
            let ok = password::verify_or_decoy(
                record.as_ref().map(|r| &r.password_hash),
                &decoy,
                &password,
            );
            (record, ok)
        })
        .await
        .map_err(|_| BasicError::Store(StoreError("password check did not complete".into())))?;
        match record {
            Some(record) if ok => Ok(record),
            _ => Err(BasicError::BadCredentials),
        }
    }
}

/// Decodes `base64(user:password)`; the user may not contain `:` (RFC 7617).
fn decode_credentials(encoded: &str) -> Option<(String, String)> {
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
