//! The one verifier the bearer guard calls, whichever way it was configured.

use std::sync::Arc;

use super::cache::{DEFAULT_CACHE_TTL, TokenCache};
use super::issuers::{IssuerKeys, TrustedIssuers};
use super::jwks::JwksVerifier;
use crate::config_error::ConfigError;
use crate::jwt::{JwtVerifier, TokenError};
use crate::principal::Principal;

/// How bearer tokens are verified: fixed keys, keys from a JWKS, or several
/// issuers, optionally behind the verified-token cache.
#[derive(Clone)]
pub(crate) struct BearerTokens {
    keys: Keys,
    cache: Option<Arc<TokenCache>>,
}

#[derive(Debug, Clone)]
enum Keys {
    One(IssuerKeys),
    Several(TrustedIssuers),
}

impl BearerTokens {
    /// Chooses from the security builder's settings; more than one source of
    /// keys is refused rather than guessing which one a token needs.
    pub(crate) fn choose(
        fixed: Option<JwtVerifier>,
        jwks: Option<JwksVerifier>,
        issuers: Option<TrustedIssuers>,
        cache_capacity: Option<usize>,
    ) -> Result<Option<Self>, ConfigError> {
        let keys = match (fixed, jwks, issuers) {
            (Some(fixed), None, None) => Keys::One(IssuerKeys::Fixed(fixed)),
            (None, Some(jwks), None) => Keys::One(IssuerKeys::Jwks(jwks)),
            (None, None, Some(issuers)) => {
                if issuers.issuers.is_empty() {
                    return Err(ConfigError::BearerKeys(
                        "`TrustedIssuers` is empty; add an issuer with `.issuer(..)`",
                    ));
                }
                if issuers.duplicate().is_some() {
                    return Err(ConfigError::BearerKeys(
                        "an issuer is listed twice in `TrustedIssuers`; list each once",
                    ));
                }
                Keys::Several(issuers)
            }
            (None, None, None) => return Ok(None),
            _ => {
                return Err(ConfigError::BearerKeys(
                    "configure one of `.bearer(..)`, `.jwks(..)` or `.issuers(..)`",
                ));
            }
        };
        let cache =
            cache_capacity.map(|capacity| Arc::new(TokenCache::new(capacity, DEFAULT_CACHE_TTL)));
        Ok(Some(Self { keys, cache }))
    }

    /// Verifies `token`, from the cache when it holds the token under the
    /// current key sets.
    pub(crate) async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let generation = match &self.keys {
            Keys::One(keys) => keys.generation(),
            Keys::Several(issuers) => issuers
                .issuers
                .iter()
                .fold(0_u64, |sum, (_, keys)| sum.wrapping_add(keys.generation())),
        };
        let key = match &self.cache {
            Some(cache) => match cache.get(token, generation) {
                (_, Some(principal)) => return Ok(principal),
                (key, None) => Some(key),
            },
            None => None,
        };
        let principal = match &self.keys {
            Keys::One(keys) => keys.verify(token).await?,
            Keys::Several(issuers) => issuers.select(token)?.verify(token).await?,
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
