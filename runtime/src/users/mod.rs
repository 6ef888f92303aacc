//! The user directory: accounts and their Argon2 password hashes, shared by
//! HTTP Basic and the OAuth 2 password grant.

mod password;
mod store;
mod throttle;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

pub use password::{PasswordHashError, hash_password, hash_passwords, verify_password};
pub use store::{InMemoryUserStore, StoreError, UserRecord, UserStore};
pub use throttle::{
    FAILURES_PER_ADDRESS, FAILURES_PER_USERNAME, FailureLimits, LoginThrottle, Throttled,
};

use crate::rate_limit::Exceeded;
use crate::unavailable::StoreUnavailable;

/// Checks usernames and passwords against a [`UserStore`].
///
/// Password checks run on the blocking pool (Argon2 is deliberately slow),
/// and an unknown user costs the same Argon2 work as a known one, so timing
/// does not tell which names exist. Cloning is cheap; HTTP Basic
/// ([`crate::auth::basic::BasicAuth`]) and the password grant
/// (`TokenIssuer::password_grant`) share one directory.
///
/// ```
/// use portcullis::users::{InMemoryUserStore, UserDirectory};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let users = UserDirectory::new(
///     InMemoryUserStore::new().with_user("alice", "alice-pass", ["user"], ["items:read"])?,
/// )?;
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let alice = users.verify("alice", "alice-pass").await?;
/// assert_eq!(alice.roles, ["user"]);
/// assert!(users.verify("alice", "wrong").await.is_err());
/// # Ok::<_, portcullis::users::CredentialsError>(())
/// # })?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct UserDirectory {
    store: Arc<dyn UserStore>,
    decoy_hash: Arc<str>,
}

/// Why a username and password were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    /// Unknown user or wrong password (deliberately not told apart).
    BadCredentials,
    /// The store failed, or the check could not complete; the caller is refused.
    Store(StoreError),
    /// Too many failed checks from the client's address: refused before
    /// any hash (429).
    Limited(Exceeded),
    /// The rate-limit store could not answer: refused (503).
    Unavailable(StoreUnavailable),
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadCredentials => f.write_str("unknown user or wrong password"),
            Self::Store(error) => error.fmt(f),
            Self::Limited(exceeded) => write!(f, "rate limit `{}` exceeded", exceeded.name),
            Self::Unavailable(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for CredentialsError {}

impl From<Throttled> for CredentialsError {
    fn from(throttled: Throttled) -> Self {
        match throttled {
            Throttled::Limited(exceeded) => Self::Limited(exceeded),
            Throttled::Unavailable(error) => Self::Unavailable(error),
        }
    }
}

impl UserDirectory {
    /// A directory over `store`.
    ///
    /// Makes the decoy hash that unknown users are checked against (as
    /// costly to verify as a real one); fails only when the system's random
    /// source does.
    pub fn new(store: impl UserStore) -> Result<Self, PasswordHashError> {
        let decoy = password::decoy_hash()?;
        Ok(Self {
            store: Arc::new(store),
            decoy_hash: decoy.into(),
        })
    }

    /// [`UserDirectory::verify`] under `throttle`'s failure limits for a
    /// caller at `client`: refused before the hash when the address failed
    /// too often, slowed when the username did; a failure is counted.
    pub async fn verify_throttled(
        &self,
        throttle: &LoginThrottle,
        client: Option<IpAddr>,
        username: &str,
        password: &str,
    ) -> Result<UserRecord, CredentialsError> {
        throttle
            .before_check(client, username)
            .await
            .map_err(CredentialsError::from)?;
        let verified = self.verify(username, password).await;
        if matches!(verified, Err(CredentialsError::BadCredentials)) {
            throttle
                .after_failure(client, username)
                .await
                .map_err(CredentialsError::from)?;
        }
        verified
    }

    /// Checks `username` and `password`; the same Argon2 work either way.
    pub async fn verify(
        &self,
        username: &str,
        password: &str,
    ) -> Result<UserRecord, CredentialsError> {
        let record = self
            .store
            .find(username)
            .await
            .map_err(CredentialsError::Store)?;
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
        .map_err(|_| {
            CredentialsError::Store(StoreError("password check did not complete".into()))
        })?;
        match record {
            Some(record) if ok => Ok(record),
            _ => Err(CredentialsError::BadCredentials),
        }
    }
}

impl fmt::Debug for UserDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserDirectory").finish_non_exhaustive()
    }
}
