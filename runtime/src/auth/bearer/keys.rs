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
    /// keys is refused rather than guessing which one a token needs, and so
    /// is a trusted issuer whose keys would accept any audience unasked.
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
                if let Some(issuer) = issuers.without_audience() {
                    return Err(ConfigError::IssuerWithoutAudience(issuer.to_owned()));
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

    /// The generation of the key sets: changes whenever a JWKS refresh
    /// replaces keys, so cached verdicts under older keys are not used.
    fn generation(&self) -> u64 {
        match &self.keys {
            Keys::One(keys) => keys.generation(),
            Keys::Several(issuers) => issuers
                .issuers
                .iter()
                .fold(0_u64, |sum, (_, keys)| sum.wrapping_add(keys.generation())),
        }
    }

    /// Verifies `token` without awaiting, when the keys allow it (fixed keys,
    /// with or without the cache); `None` when only [`BearerTokens::verify`]
    /// can.
    pub(crate) fn verify_now(&self, token: &str) -> Option<Result<Principal, TokenError>> {
        let Keys::One(IssuerKeys::Fixed(verifier)) = &self.keys else {
            return None;
        };
        let Some(cache) = &self.cache else {
            return Some(verifier.verify(token));
        };
        Some(match cache.get(token, 0) {
            (_, Some(principal)) => Ok(principal),
            (key, None) => verifier.verify(token).inspect(|principal| {
                cache.put(key, principal, 0);
            }),
        })
    }

    /// Whether [`BearerTokens::verify_now`] answers every token.
    pub(crate) fn is_immediate(&self) -> bool {
        matches!(self.keys, Keys::One(IssuerKeys::Fixed(_)))
    }

    /// The fixed verifier, when the keys are fixed.
    pub(crate) fn fixed(&self) -> Option<&JwtVerifier> {
        match &self.keys {
            Keys::One(IssuerKeys::Fixed(verifier)) => Some(verifier),
            _ => None,
        }
    }

    /// Verifies `token`, from the cache when it holds the token under the
    /// current key sets.
    pub(crate) async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let generation = self.generation();
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
