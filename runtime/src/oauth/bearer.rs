//! The one verifier the bearer guard calls, whichever way it was configured.

use super::cache::CachedVerifier;
use super::jwks::JwksVerifier;
use crate::config_error::ConfigError;
use crate::jwt::{JwtVerifier, TokenError};
use crate::principal::Principal;

/// How bearer tokens are verified: fixed keys, fixed keys behind the
/// verified-token cache, or keys from a JWKS.
#[derive(Debug, Clone)]
pub(crate) enum BearerTokens {
    Keys(JwtVerifier),
    Cached(CachedVerifier),
    Jwks(JwksVerifier),
}

impl BearerTokens {
    /// Chooses from the security builder's settings; fixed keys and a JWKS
    /// together are refused rather than guessing which one a token needs.
    pub(crate) fn choose(
        keys: Option<JwtVerifier>,
        cache_capacity: Option<usize>,
        jwks: Option<JwksVerifier>,
    ) -> Result<Option<Self>, ConfigError> {
        Ok(match (keys, jwks) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Jwks(
                    "configure `.bearer(..)` or `.jwks(..)`, not both",
                ));
            }
            (None, Some(jwks)) => Some(Self::Jwks(jwks)),
            (Some(keys), None) => Some(match cache_capacity {
                Some(capacity) => Self::Cached(CachedVerifier::new(keys, capacity)),
                None => Self::Keys(keys),
            }),
            (None, None) => None,
        })
    }

    pub(crate) async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        match self {
            Self::Keys(verifier) => verifier.verify(token),
            Self::Cached(cached) => cached.verify(token),
            Self::Jwks(jwks) => jwks.verify(token).await,
        }
    }
}
