//! The one verifier the bearer guard calls, whichever way it was configured.

use std::sync::Arc;

use super::cache::{DEFAULT_CACHE_TTL, TokenCache};
use super::jwks::JwksVerifier;
use crate::config_error::ConfigError;
use crate::jwt::{JwtVerifier, TokenError};
use crate::principal::Principal;

/// How bearer tokens are verified: fixed keys or keys from a JWKS, optionally
/// behind the verified-token cache.
#[derive(Clone)]
pub(crate) struct BearerTokens {
    keys: Keys,
    cache: Option<Arc<TokenCache>>,
}

#[derive(Debug, Clone)]
enum Keys {
    Fixed(JwtVerifier),
    Jwks(JwksVerifier),
}

impl BearerTokens {
    /// Chooses from the security builder's settings; fixed keys and a JWKS
    /// together are refused rather than guessing which one a token needs.
    pub(crate) fn choose(
        fixed: Option<JwtVerifier>,
        cache_capacity: Option<usize>,
        jwks: Option<JwksVerifier>,
    ) -> Result<Option<Self>, ConfigError> {
        let keys = match (fixed, jwks) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Jwks(
                    "configure `.bearer(..)` or `.jwks(..)`, not both",
                ));
            }
            (None, Some(jwks)) => Keys::Jwks(jwks),
            (Some(fixed), None) => Keys::Fixed(fixed),
            (None, None) => return Ok(None),
        };
        let cache =
            cache_capacity.map(|capacity| Arc::new(TokenCache::new(capacity, DEFAULT_CACHE_TTL)));
        Ok(Some(Self { keys, cache }))
    }

    /// Verifies `token`, from the cache when it holds the token under the
    /// current key set.
    pub(crate) async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let generation = match &self.keys {
            Keys::Fixed(_) => 0,
            Keys::Jwks(jwks) => jwks.generation(),
        };
        let key = match &self.cache {
            Some(cache) => match cache.get(token, generation) {
                (_, Some(principal)) => return Ok(principal),
                (key, None) => Some(key),
            },
            None => None,
        };
        let principal = match &self.keys {
            Keys::Fixed(verifier) => verifier.verify(token)?,
            Keys::Jwks(jwks) => jwks.verify(token).await?,
        };
        if let (Some(cache), Some(key)) = (&self.cache, key) {
            cache.put(key, &principal, generation);
        }
        Ok(principal)
    }
}

impl std::fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerTokens")
            .field("keys", &self.keys)
            .field("cached", &self.cache.is_some())
            .finish()
    }
}
