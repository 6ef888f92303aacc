//! Bearer tokens (RFC 6750): where the token is read, which keys verify it
//! (fixed, a JWKS, several issuers), the verified-token cache, and revocation
//! screening.
//!
//! [`crate::SecurityBuilder`] assembles them; the guard of a bearer route
//! asks `BearerAuth` for the caller.

mod cache;
mod issuers;
mod jwks;
mod keys;
mod memory;
mod revocation;
mod sources;

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

pub use cache::{CachedVerifier, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL};
pub use issuers::{IssuerKeys, TrustedIssuers};
pub use jwks::{
    DEFAULT_JWKS_MAX_AGE, DEFAULT_JWKS_MIN_REFRESH, DEFAULT_JWKS_REFRESH, JwksError, JwksSource,
    JwksVerifier, JwksVerifierBuilder,
};
pub use memory::{DEFAULT_MAX_TOKEN_LIFETIME, DEFAULT_REVOCATION_GRACE, InMemoryRevocationStore};
#[cfg(feature = "issuing")]
pub(crate) use revocation::REVOCATION_RETRY_AFTER;
pub use revocation::{RevocationError, RevocationStore, SubjectId};
pub use sources::{CustomTokenSource, TokenSources};

use self::keys::BearerTokens;
use super::header::Presented;
use super::{Failure, ReasonCode};
use crate::config_error::ConfigError;
use crate::jwt::{JwtVerifier, TokenError};
use crate::principal::Principal;
use crate::problem::ProblemResponder;
use crate::rejection::{AuthRejection, BEARER_CHALLENGE};

/// The bearer scheme as configured: token sources, keys, cache, revocation.
#[derive(Clone)]
pub(crate) struct BearerAuth {
    tokens: BearerTokens,
    revocation: Option<Arc<dyn RevocationStore>>,
    /// Accept tokens unchecked when the revocation store fails.
    revocation_fail_open: bool,
    sources: TokenSources,
}

/// The bearer settings a [`crate::SecurityBuilder`] collects.
pub(crate) struct BearerSettings {
    pub(crate) fixed: Option<JwtVerifier>,
    pub(crate) jwks: Option<JwksVerifier>,
    pub(crate) issuers: Option<TrustedIssuers>,
    pub(crate) cache_capacity: usize,
    pub(crate) revocation: Option<Arc<dyn RevocationStore>>,
    pub(crate) revocation_fail_open: bool,
    pub(crate) sources: TokenSources,
}

impl BearerAuth {
    /// The bearer scheme, or `None` when no keys are configured.
    pub(crate) fn from_settings(settings: BearerSettings) -> Result<Option<Self>, ConfigError> {
        let cache = (settings.cache_capacity > 0).then_some(settings.cache_capacity);
        let tokens = BearerTokens::choose(settings.fixed, settings.jwks, settings.issuers, cache)?;
        Ok(tokens.map(|tokens| Self {
            tokens,
            revocation: settings.revocation,
            revocation_fail_open: settings.revocation_fail_open,
            sources: settings.sources,
        }))
    }

    /// The fixed-key verifier, when the keys are fixed.
    pub(crate) fn fixed(&self) -> Option<&JwtVerifier> {
        self.tokens.fixed()
    }

    /// The caller, verified without awaiting when that is possible (fixed
    /// keys and no revocation store, with or without the cache); `None` when
    /// only [`BearerAuth::authenticate`] can answer.
    pub(crate) fn authenticate_now(
        &self,
        parts: &Parts,
        responder: &ProblemResponder,
    ) -> Option<Result<Principal, Failure>> {
        if self.revocation.is_some() || !self.tokens.is_immediate() {
            return None;
        }
        Some(self.token(parts, responder).and_then(|token| {
            self.tokens
                .verify_now(token)
                .unwrap_or(Err(TokenError::UnknownKey))
                .map_err(|error| token_refused(error, responder))
        }))
    }

    /// The caller, verified and screened against the revocation store.
    pub(crate) async fn authenticate(
        &self,
        parts: &Parts,
        responder: &ProblemResponder,
    ) -> Result<Principal, Failure> {
        let token = self.token(parts, responder)?;
        let principal = self
            .tokens
            .verify(token)
            .await
            .map_err(|error| token_refused(error, responder))?;
        revocation::screen(
            self.revocation.as_deref(),
            self.revocation_fail_open,
            principal,
        )
        .await
        .map_err(|screened| match screened {
            revocation::Screened::Revoked => {
                Failure::new("revoked", AuthRejection::invalid_token(responder.clone()))
            }
            revocation::Screened::Unavailable(error) => Failure::new(
                "revocation_unavailable",
                AuthRejection::store_unavailable(&error, responder.clone()),
            ),
        })
    }

    /// Whether the request's token came from a cookie.
    pub(crate) fn read_from_cookie(&self, parts: &Parts) -> bool {
        self.sources.read_from_cookie(parts)
    }

    /// Whether the request offers a bearer token through any source.
    pub(crate) fn offered(&self, parts: &Parts) -> bool {
        !matches!(self.sources.find(parts), Presented::Absent)
    }

    /// The token the request presents through the configured sources, or
    /// the 401 for a missing or malformed one.
    fn token<'a>(
        &self,
        parts: &'a Parts,
        responder: &ProblemResponder,
    ) -> Result<&'a str, Failure> {
        match self.sources.find(parts) {
            Presented::Value(token) => Ok(token),
            Presented::Absent => Err(Failure::new(
                "missing_credentials",
                AuthRejection::missing_credentials(BEARER_CHALLENGE, responder.clone()),
            )),
            Presented::Malformed => Err(Failure::new(
                "malformed",
                AuthRejection::invalid_token(responder.clone()),
            )),
        }
    }
}

fn token_refused(error: TokenError, responder: &ProblemResponder) -> Failure {
    let reason: ReasonCode = error.as_str();
    tracing::debug!(target: "portcullis::auth", reason, "bearer token refused");
    Failure::new(reason, AuthRejection::invalid_token(responder.clone()))
}

impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth")
            .field("tokens", &self.tokens)
            .field("sources", &self.sources)
            .field("revocation", &self.revocation.is_some())
            .finish()
    }
}
