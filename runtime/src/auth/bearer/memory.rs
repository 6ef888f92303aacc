//! An in-memory revocation store whose entries expire with their tokens.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::revocation::{RevocationError, RevocationStore, SubjectId};
use crate::clock::unix_now;
use crate::future::BoxFuture;

/// How long past a token's `exp` its entry is kept unless configured: five
/// minutes, more than the verifier's default leeway of 30 seconds.
pub const DEFAULT_REVOCATION_GRACE: Duration = Duration::from_secs(300);

/// How long a "logout everywhere" cut-off is kept unless configured: one day.
pub const DEFAULT_MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Expired entries are swept at most this often, on writes.
const PURGE_INTERVAL: u64 = 30;

/// A [`RevocationStore`] in this process's memory, for a single instance.
///
/// Memory stays bounded: a revoked token is kept only until its `exp` plus a
/// grace period (which must exceed the verifier's leeway), under a fixed-size
/// digest of its `jti`; a subject's cut-off (kept per issuer and subject)
/// only until every token issued before it has expired (the longest token
/// lifetime plus the grace period).
/// Expired entries are swept on writes. Clones share the same entries.
///
/// ```
/// use std::time::Duration;
/// use portcullis::auth::bearer::InMemoryRevocationStore;
///
/// let store = InMemoryRevocationStore::new()
///     .with_max_token_lifetime(Duration::from_secs(3600))
///     .with_grace(Duration::from_secs(120));
/// assert_eq!(store.len(), 0);
/// ```
#[derive(Clone)]
pub struct InMemoryRevocationStore {
    inner: Arc<Inner>,
    grace: u64,
    max_token_lifetime: u64,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// SHA-256 of a revoked `jti` → when the entry may be forgotten.
    tokens: HashMap<[u8; 32], u64>,
    /// [`SubjectId::storage_key`] → (cut-off, when the entry may be forgotten).
    subjects: HashMap<String, (u64, u64)>,
    next_purge: u64,
}

impl State {
    fn purge(&mut self, now: u64) {
        self.tokens.retain(|_, forget_at| *forget_at > now);
        self.subjects.retain(|_, (_, forget_at)| *forget_at > now);
        self.next_purge = now + PURGE_INTERVAL;
    }

    fn purge_if_due(&mut self, now: u64) {
        if now >= self.next_purge {
            self.purge(now);
        }
    }
}

impl Default for InMemoryRevocationStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryRevocationStore {
    /// An empty store with the default grace period and longest token lifetime.
    pub fn new() -> Self {
        Self {
            inner: Arc::default(),
            grace: DEFAULT_REVOCATION_GRACE.as_secs(),
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME.as_secs(),
        }
    }

    /// How long past `exp` a revoked token is remembered; keep it above the
    /// verifier's leeway.
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace.as_secs();
        self
    }

    /// The longest lifetime of the tokens checked against this store; a
    /// "logout everywhere" cut-off is kept that long (plus the grace period).
    #[must_use]
    pub fn with_max_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_token_lifetime = lifetime.as_secs();
        self
    }

    /// How many entries (tokens and subject cut-offs) are held, expired ones included.
    pub fn len(&self) -> usize {
        let state = self.lock();
        state.tokens.len() + state.subjects.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired entry now (writes also do this every 30 seconds).
    pub fn purge_expired(&self) {
        self.lock().purge(unix_now());
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements, so a panic elsewhere
        // while holding the lock leaves nothing half-written.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn digest(jti: &str) -> [u8; 32] {
    Sha256::digest(jti.as_bytes()).into()
}

impl RevocationStore for InMemoryRevocationStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>> {
        Box::pin(async move {
            let now = unix_now();
            let mut state = self.lock();
            state.purge_if_due(now);
            let forget_at = expires_at.saturating_add(self.grace);
            if forget_at > now {
                let entry = state.tokens.entry(digest(jti)).or_insert(forget_at);
                *entry = (*entry).max(forget_at);
            }
            Ok(())
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, RevocationError>> {
        Box::pin(async move {
            let now = unix_now();
            Ok(self
                .lock()
                .tokens
                .get(&digest(jti))
                .is_some_and(|forget_at| *forget_at > now))
        })
    }

    fn revoke_all_before<'a>(
        &'a self,
        subject: SubjectId<'a>,
        time: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>> {
        Box::pin(async move {
            let now = unix_now();
            let mut state = self.lock();
            state.purge_if_due(now);
            let forget_at = time
                .saturating_add(self.max_token_lifetime)
                .saturating_add(self.grace);
            let entry = state
                .subjects
                .entry(subject.storage_key())
                .or_insert((time, forget_at));
            if time >= entry.0 {
                *entry = (time, forget_at);
            }
            Ok(())
        })
    }

    fn revoked_before<'a>(
        &'a self,
        subject: SubjectId<'a>,
    ) -> BoxFuture<'a, Result<Option<u64>, RevocationError>> {
        Box::pin(async move {
            let now = unix_now();
            Ok(self
                .lock()
                .subjects
                .get(&subject.storage_key())
                .filter(|(_, forget_at)| *forget_at > now)
                .map(|(cutoff, _)| *cutoff))
        })
    }
}

impl fmt::Debug for InMemoryRevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryRevocationStore")
            .field("entries", &self.len())
            .field("grace", &self.grace)
            .field("max_token_lifetime", &self.max_token_lifetime)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ISS: Option<&str> = Some("https://sso.test");

    fn sub(subject: &str) -> SubjectId<'_> {
        SubjectId::new(ISS, subject)
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn entries_expire_with_their_tokens() {
        block_on(async {
            let store = InMemoryRevocationStore::new().with_grace(Duration::from_secs(60));
            let now = unix_now();
            store.revoke("live", now + 600).await.unwrap();
            // Expired long ago, grace included: not even stored.
            store.revoke("dead", now - 600).await.unwrap();
            // Expired, but within the grace period: still refused.
            store.revoke("recent", now - 10).await.unwrap();
            assert!(store.is_revoked("live").await.unwrap());
            assert!(!store.is_revoked("dead").await.unwrap());
            assert!(store.is_revoked("recent").await.unwrap());
            assert_eq!(store.len(), 2);
        });
    }

    #[test]
    fn purging_drops_only_expired_entries() {
        block_on(async {
            let store = InMemoryRevocationStore::new().with_grace(Duration::ZERO);
            let now = unix_now();
            {
                let mut state = store.lock();
                state.tokens.insert(digest("old"), now - 1);
                state
                    .subjects
                    .insert(sub("old-subject").storage_key(), (now - 100, now - 1));
                // No sweep on the writes below: the explicit purge is under test.
                state.next_purge = u64::MAX;
            }
            store.revoke("kept", now + 600).await.unwrap();
            store.revoke_all_before(sub("bob"), now).await.unwrap();
            assert_eq!(store.len(), 4);
            store.purge_expired();
            assert_eq!(store.len(), 2);
            assert!(store.is_revoked("kept").await.unwrap());
            assert_eq!(store.revoked_before(sub("bob")).await.unwrap(), Some(now));
        });
    }

    #[test]
    fn writes_sweep_expired_entries() {
        block_on(async {
            let store = InMemoryRevocationStore::new().with_grace(Duration::ZERO);
            let now = unix_now();
            store
                .lock()
                .tokens
                .extend((0..1000_u32).map(|i| (digest(&i.to_string()), now - 1)));
            store.lock().next_purge = 0;
            store.revoke("fresh", now + 60).await.unwrap();
            assert_eq!(store.len(), 1);
        });
    }

    #[test]
    fn a_cutoff_never_moves_back() {
        block_on(async {
            let store = InMemoryRevocationStore::new();
            let now = unix_now();
            store.revoke_all_before(sub("alice"), now).await.unwrap();
            store
                .revoke_all_before(sub("alice"), now - 100)
                .await
                .unwrap();
            assert_eq!(store.revoked_before(sub("alice")).await.unwrap(), Some(now));
            store
                .revoke_all_before(sub("alice"), now + 5)
                .await
                .unwrap();
            assert_eq!(
                store.revoked_before(sub("alice")).await.unwrap(),
                Some(now + 5)
            );
            assert_eq!(store.revoked_before(sub("bob")).await.unwrap(), None);
        });
    }

    #[test]
    fn cutoffs_are_kept_per_issuer() {
        block_on(async {
            let store = InMemoryRevocationStore::new();
            let now = unix_now();
            store.revoke_all_before(sub("alice"), now).await.unwrap();
            let elsewhere = SubjectId::new(Some("https://partner.test"), "alice");
            assert_eq!(store.revoked_before(elsewhere).await.unwrap(), None);
            let without_issuer = SubjectId::new(None, "alice");
            assert_eq!(store.revoked_before(without_issuer).await.unwrap(), None);
            assert_eq!(store.revoked_before(sub("alice")).await.unwrap(), Some(now));
        });
    }
}
