//! The user directory: accounts and their Argon2 password hashes, shared by
//! HTTP Basic and the OAuth 2 password grant.

mod gate;
mod password;
mod store;
mod throttle;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

#[cfg(feature = "testing")]
#[doc(hidden)]
pub use password::VERIFICATIONS as PASSWORD_VERIFICATIONS;
use secrecy::{ExposeSecret, SecretString};

use crate::config_error::ConfigError;
use gate::{GateError, HashingGate};

pub use gate::{DEFAULT_HASHING_WAIT, HashingBusy, HashingLimits, HashingStats};
pub use password::{PasswordHashError, hash_password, hash_passwords, verify_password};
pub use store::{InMemoryUserStore, StoreError, UserRecord, UserStore};
pub use throttle::{
    FAILURES_PER_ADDRESS, FAILURES_PER_USERNAME, FailureLimits, LoginThrottle, Throttled,
};

use crate::rate_limit::Exceeded;
use crate::unavailable::StoreUnavailable;

/// Checks usernames and passwords against a [`UserStore`].
///
/// Password checks run on the blocking pool (Argon2 is deliberately slow)
/// behind a gate ([`HashingLimits`]): a bounded number at once, each in
/// reused memory, a short wait for a turn and then [`HashingBusy`] (503 with
/// `Retry-After`), and no hash for a caller that has gone. An unknown user
/// costs the same Argon2 work as a known one, through the same gate, so
/// timing does not tell which names exist. Cloning is cheap (clones share
/// the gate); HTTP Basic
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
    gate: HashingGate,
}

/// Why a username and password were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    /// Unknown user or wrong password (deliberately not told apart).
    BadCredentials,
    /// The store failed, or the check could not complete; the caller is refused.
    Store(StoreError),
    /// No hashing permit came free in time: answered 503 with `Retry-After`.
    Busy(HashingBusy),
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
            Self::Busy(busy) => busy.fmt(f),
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
        let gate = HashingGate::new(HashingLimits::new()).map_err(|_| PasswordHashError)?;
        Ok(Self {
            store: Arc::new(store),
            decoy_hash: decoy.into(),
            gate,
        })
    }

    /// The same directory with its own hashing gate bounded by `limits`
    /// (see [`HashingLimits`] for the defaults); refuses zero permits.
    ///
    /// Call it before sharing the directory: clones made earlier keep the
    /// gate they were made with.
    ///
    /// ```
    /// use std::time::Duration;
    /// use portcullis::users::{HashingLimits, InMemoryUserStore, UserDirectory};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let users = UserDirectory::new(InMemoryUserStore::new())?
    ///     .hashing(HashingLimits::new().permits(2).wait(Duration::from_millis(500)))?;
    /// assert_eq!(users.hashing_limits().permit_count(), 2);
    /// assert!(UserDirectory::new(InMemoryUserStore::new())?.hashing(HashingLimits::new().permits(0)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn hashing(mut self, limits: HashingLimits) -> Result<Self, ConfigError> {
        self.gate = HashingGate::new(limits)?;
        Ok(self)
    }

    /// The bounds of the hashing gate.
    pub fn hashing_limits(&self) -> &HashingLimits {
        self.gate.limits()
    }

    /// What the hashing gate has done: hashes run, checks refused, checks
    /// dropped before their turn.
    pub fn hashing_stats(&self) -> HashingStats {
        self.gate.stats()
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
        let verified = self.verify_from(client, username, password).await;
        if matches!(verified, Err(CredentialsError::BadCredentials)) {
            throttle
                .after_failure(client, username)
                .await
                .map_err(CredentialsError::from)?;
        }
        verified
    }

    /// Checks `username` and `password`; the same Argon2 work either way.
    ///
    /// The check counts against no client address; see
    /// [`UserDirectory::verify_from`].
    pub async fn verify(
        &self,
        username: &str,
        password: &str,
    ) -> Result<UserRecord, CredentialsError> {
        self.verify_from(None, username, password).await
    }

    /// Checks `username` and `password` for a request from `client`, which
    /// counts against that address's share of the hashing gate
    /// ([`HashingLimits::per_client`]).
    pub async fn verify_from(
        &self,
        client: Option<IpAddr>,
        username: &str,
        password: &str,
    ) -> Result<UserRecord, CredentialsError> {
        let slot = self.gate.enter(client).map_err(gate_error)?;
        let record = self
            .store
            .find(username)
            .await
            .map_err(CredentialsError::Store)?;
        let stored = record.as_ref().map(|r| r.password_hash.clone());
        let decoy = Arc::clone(&self.decoy_hash);
        let password = SecretString::from(password);
        let matched = self
            .gate
            .run(slot, move |memory| {
                password::verify_or_decoy(stored.as_ref(), &decoy, password.expose_secret(), memory)
            })
            .await
            .map_err(gate_error)?;
        match record {
            Some(record) if matched => Ok(record),
            _ => Err(CredentialsError::BadCredentials),
        }
    }
}

fn gate_error(error: GateError) -> CredentialsError {
    match error {
        GateError::Busy(busy) => CredentialsError::Busy(busy),
        GateError::Failed => {
            CredentialsError::Store(StoreError("password check did not complete".into()))
        }
    }
}

impl fmt::Debug for UserDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserDirectory").finish_non_exhaustive()
    }
}
