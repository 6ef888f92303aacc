//! Where Basic and password-grant credentials are looked up.

use std::fmt;

use secrecy::SecretString;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::password::{PasswordHashError, hash_password};
use crate::future::BoxFuture;

/// A stored account: username, Argon2 PHC hash, roles and grantable scopes.
#[derive(Clone)]
pub struct UserRecord {
    /// The login name.
    pub username: String,
    /// The Argon2 PHC string; never the password.
    pub password_hash: SecretString,
    /// Roles granted to the user.
    pub roles: Vec<String>,
    /// Scopes the user may be granted.
    pub scopes: Vec<String>,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("username", &self.username)
            .field("roles", &self.roles)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The store could not be reached or read; the request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user store unavailable: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Looks users up by name, for HTTP Basic and the password grant (through a
/// [`super::UserDirectory`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a user store",
    note = "implement `UserStore::find`, or use `InMemoryUserStore` for a fixed set of users"
)]
pub trait UserStore: Send + Sync + 'static {
    /// The user named `username`, if any. Implementations should not return
    /// early in a way whose timing depends on how much of the name matched.
    fn find<'a>(
        &'a self,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<UserRecord>, StoreError>>;
}

/// A fixed set of users held in memory; names compared in constant time.
///
/// ```
/// use portcullis::users::InMemoryUserStore;
///
/// let store = InMemoryUserStore::new()
///     .with_user("alice", "alice-pass", ["user"], ["items:read"])
///     .unwrap();
/// assert_eq!(store.len(), 1);
/// ```
#[derive(Debug, Default, Clone)]
pub struct InMemoryUserStore {
    users: Vec<(Digest32, UserRecord)>,
}

type Digest32 = [u8; 32];

fn digest(name: &str) -> Digest32 {
    Sha256::digest(name.as_bytes()).into()
}

impl InMemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user whose password is hashed here with Argon2id.
    pub fn with_user<R, S>(
        self,
        username: &str,
        password: &str,
        roles: R,
        scopes: S,
    ) -> Result<Self, PasswordHashError>
    where
        R: IntoIterator,
        R::Item: Into<String>,
        S: IntoIterator,
        S::Item: Into<String>,
    {
        let hash = hash_password(password)?;
        Ok(self.with_record(UserRecord {
            username: username.to_owned(),
            password_hash: SecretString::from(hash),
            roles: roles.into_iter().map(Into::into).collect(),
            scopes: scopes.into_iter().map(Into::into).collect(),
        }))
    }

    /// Adds a user whose password is already hashed.
    #[must_use]
    pub fn with_record(mut self, record: UserRecord) -> Self {
        self.users.push((digest(&record.username), record));
        self
    }

    /// How many users the store holds.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the store holds no user.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    fn find_now(&self, username: &str) -> Option<UserRecord> {
        let wanted = digest(username);
        // Compare every entry, without stopping at a match, on fixed-size
        // digests: the time taken says nothing about which names exist.
        let mut found = None;
        for (name, record) in &self.users {
            if bool::from(name.ct_eq(&wanted)) {
                found = Some(record);
            }
        }
        found.cloned()
    }
}

impl UserStore for InMemoryUserStore {
    fn find<'a>(
        &'a self,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<UserRecord>, StoreError>> {
        Box::pin(async move { Ok(self.find_now(username)) })
    }
}
