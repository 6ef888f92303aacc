//! A cache of verified tokens, so asymmetric signatures are not re-checked on
//! every request.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::clock::unix_now;
use crate::jwt::{JwtVerifier, TokenError};
use crate::principal::Principal;

/// How many verified tokens a cache holds unless configured otherwise.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// How long a verified token is trusted without re-verification unless
/// configured otherwise: five minutes, and never past the token's `exp`.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(300);

/// How often, at most, a full cache sweeps out expired entries.
const SWEEP_INTERVAL: u64 = 10;

/// A [`JwtVerifier`] that remembers the tokens it accepted.
///
/// Entries are keyed by the SHA-256 of the whole token, so only the very same
/// token hits; they expire at the token's `exp` or after the TTL, whichever
/// comes first; the cache holds at most `capacity` entries (a full cache
/// sweeps expired entries, then drops an arbitrary one). Refused tokens are
/// never cached. The cache belongs to this one verifier, so a token accepted
/// under one configuration cannot pass another. Revocation is not the
/// cache's business: the bearer guard consults the revocation store after
/// every verification, cached or not.
///
/// ```
/// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
/// use portcullis::auth::bearer::CachedVerifier;
///
/// let verifier = JwtVerifier::builder()
///     .key(VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap())
///     .build()
///     .unwrap();
/// let cached = CachedVerifier::new(verifier, 1_000);
/// assert!(cached.verify("not.a.token").is_err());
/// assert!(cached.is_empty());
/// ```
#[derive(Clone)]
pub struct CachedVerifier {
    verifier: JwtVerifier,
    cache: Arc<TokenCache>,
}

impl CachedVerifier {
    /// Caches up to `capacity` tokens accepted by `verifier`, for at most
    /// [`DEFAULT_CACHE_TTL`] each.
    pub fn new(verifier: JwtVerifier, capacity: usize) -> Self {
        Self::with_ttl(verifier, capacity, DEFAULT_CACHE_TTL)
    }

    /// As [`CachedVerifier::new`], trusting each token for at most `ttl`.
    pub fn with_ttl(verifier: JwtVerifier, capacity: usize, ttl: Duration) -> Self {
        Self {
            verifier,
            cache: Arc::new(TokenCache::new(capacity, ttl)),
        }
    }

    /// Verifies `token`, or returns the caller a previous verification found.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let (key, hit) = self.cache.get(token, 0);
        if let Some(principal) = hit {
            return Ok(principal);
        }
        let principal = self.verifier.verify(token)?;
        self.cache.put(key, &principal, 0);
        Ok(principal)
    }

    /// The verifier whose answers are cached.
    pub fn verifier(&self) -> &JwtVerifier {
        &self.verifier
    }

    /// How many tokens are cached, expired ones included.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether no token is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every cached token (after a key was withdrawn, for example).
    pub fn clear(&self) {
        self.cache.clear();
    }
}

/// The bounded map behind [`CachedVerifier`] and the bearer guard's cache.
///
/// Each entry records the key-set generation it was verified under; a lookup
/// under another generation misses, so a JWKS refresh invalidates every
/// entry verified with the previous keys.
pub(crate) struct TokenCache {
    entries: RwLock<Entries>,
    capacity: usize,
    ttl: u64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<[u8; 32], Entry>,
    next_sweep: u64,
}

struct Entry {
    principal: Principal,
    valid_until: u64,
    generation: u64,
}

impl TokenCache {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: RwLock::default(),
            capacity: capacity.max(1),
            ttl: ttl.as_secs(),
        }
    }

    /// The token's key, and the cached caller if `generation` still holds.
    pub(crate) fn get(&self, token: &str, generation: u64) -> ([u8; 32], Option<Principal>) {
        let key = token_key(token);
        let now = unix_now();
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let hit = entries
            .map
            .get(&key)
            .filter(|entry| entry.valid_until > now && entry.generation == generation)
            .map(|entry| entry.principal.clone());
        (key, hit)
    }

    /// Remembers a verified caller until its `exp` or the TTL, whichever is first.
    pub(crate) fn put(&self, key: [u8; 32], principal: &Principal, generation: u64) {
        let now = unix_now();
        let valid_until = principal
            .expires_at()
            .map_or(now, |exp| exp.min(now + self.ttl));
        if valid_until > now {
            self.insert(
                key,
                Entry {
                    principal: principal.clone(),
                    valid_until,
                    generation,
                },
                now,
            );
        }
    }

    fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .clear();
    }

    fn insert(&self, key: [u8; 32], entry: Entry, now: u64) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.map.len() >= self.capacity && !entries.map.contains_key(&key) {
            if now >= entries.next_sweep {
                entries.map.retain(|_, entry| entry.valid_until > now);
                entries.next_sweep = now + SWEEP_INTERVAL;
            }
            if entries.map.len() >= self.capacity
                && let Some(victim) = entries.map.keys().next().copied()
            {
                entries.map.remove(&victim);
            }
        }
        entries.map.insert(key, entry);
    }
}

/// The cache key of a token: its SHA-256, so the cache holds no token and a
/// long one costs no more memory than a short one. Computed with aws-lc (the
/// crypto backend verification already uses), whose assembly hashes a
/// typical token several times faster than a portable implementation.
fn token_key(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut key = [0_u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

impl fmt::Debug for CachedVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedVerifier")
            .field("verifier", &self.verifier)
            .field("capacity", &self.cache.capacity)
            .field("ttl", &self.cache.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::jwt::{Algorithm, VerificationKey};
    use crate::oauth::{SigningKey, TokenIssuer};
    use crate::testing::MockUser;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn issuer(lifetime: u64) -> TokenIssuer {
        let key = SigningKey::hmac(Algorithm::HS256, SECRET).unwrap();
        TokenIssuer::builder(key)
            .lifetime(Duration::from_secs(lifetime))
            .build()
            .unwrap()
    }

    fn cached(capacity: usize, ttl: u64) -> CachedVerifier {
        let verifier = JwtVerifier::builder()
            .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
            .build()
            .unwrap();
        CachedVerifier::with_ttl(verifier, capacity, Duration::from_secs(ttl))
    }

    #[test]
    fn a_hit_returns_the_same_principal() {
        let cached = cached(10, 300);
        let token = MockUser::new(&issuer(600), "alice").roles(["user"]).token();
        let first = cached.verify(&token).unwrap();
        let second = cached.verify(&token).unwrap();
        assert_eq!(cached.len(), 1);
        assert_eq!(first.subject(), second.subject());
        assert_eq!(second.roles(), ["user"]);
    }

    #[test]
    fn entries_end_no_later_than_the_token_or_the_ttl() {
        let now = unix_now();
        let cached = cached(10, 300);
        let short = MockUser::new(&issuer(60), "alice").token();
        cached.verify(&short).unwrap();
        let long = MockUser::new(&issuer(3600), "bob").token();
        cached.verify(&long).unwrap();
        let entries = cached.cache.entries.read().unwrap();
        let mut ends: Vec<u64> = entries
            .map
            .values()
            .map(|entry| entry.valid_until - now)
            .collect();
        ends.sort_unstable();
        assert!((59..=61).contains(&ends[0]), "{ends:?}");
        assert!((299..=301).contains(&ends[1]), "{ends:?}");
    }

    #[test]
    fn an_expired_entry_is_verified_again_and_refused() {
        let cached = cached(10, 300);
        let token = MockUser::new(&issuer(600), "alice").expired().token();
        // Plant an entry as if the token had been accepted while still valid.
        let key = token_key(&token);
        let principal = crate::Principal::new("alice", vec![], vec![], crate::Scheme::Bearer);
        let entry = Entry {
            principal,
            valid_until: unix_now() - 1,
            generation: 0,
        };
        cached.cache.insert(key, entry, unix_now());
        assert_eq!(cached.verify(&token).err(), Some(TokenError::Expired));
    }

    #[test]
    fn another_key_set_generation_misses() {
        let cache = TokenCache::new(10, Duration::from_secs(300));
        let token = MockUser::new(&issuer(600), "alice").token();
        let principal = cached(1, 1).verify(&token).unwrap();
        let (key, hit) = cache.get(&token, 1);
        assert!(hit.is_none());
        cache.put(key, &principal, 1);
        assert_eq!(
            cache.get(&token, 1).1.map(|hit| hit.subject().to_owned()),
            Some("alice".to_owned())
        );
        assert!(
            cache.get(&token, 2).1.is_none(),
            "a refreshed key set invalidates the entry"
        );
    }

    #[test]
    fn refused_tokens_are_not_cached_and_capacity_holds() {
        let cached = cached(3, 300);
        assert!(cached.verify("a.b.c").is_err());
        assert!(cached.is_empty());
        let issuer = issuer(600);
        for index in 0..10 {
            cached
                .verify(&MockUser::new(&issuer, &format!("user{index}")).token())
                .unwrap();
            assert!(cached.len() <= 3);
        }
        assert_eq!(cached.len(), 3);
        cached.clear();
        assert!(cached.is_empty());
    }
}
