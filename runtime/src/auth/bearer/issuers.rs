//! Several trusted issuers at once, each with its own keys, chosen by `iss`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::jwks::JwksVerifier;
use crate::jwt::{JwtVerifier, TokenError};

/// The issuers whose tokens the bearer guard accepts, each with its own keys
/// (fixed, or from a JWKS), and through them its own audience, algorithms
/// and leeway.
///
/// A token's `iss` picks the issuer before anything is trusted; the token
/// must then verify with that issuer's keys and settings, so a token cannot
/// borrow another issuer's configuration. A token naming no configured
/// issuer is refused.
///
/// Every issuer's keys must check `aud`: an issuer trusted beside others is
/// usually a shared identity provider minting tokens for many APIs.
/// [`crate::SecurityBuilder::build`] refuses a fixed-key [`JwtVerifier`]
/// without `.audience(..)` unless it was built with `.any_audience()`.
/// Subjects are unique per issuer only: compare [`crate::Principal::issuer`]
/// along with the subject, as the revocation store does.
///
/// ```
/// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
/// use portcullis::auth::bearer::{JwksSource, JwksVerifier, TrustedIssuers};
/// use portcullis::{ConfigError, Security};
///
/// let local = || {
///     JwtVerifier::builder()
///         .key(VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap())
///         .issuer("https://api.example.com")
/// };
/// let unchecked = TrustedIssuers::new().issuer("https://api.example.com", local().build().unwrap());
/// assert!(matches!(
///     Security::builder().issuers(unchecked).build(),
///     Err(ConfigError::IssuerWithoutAudience(_))
/// ));
///
/// let local = local().audience("items-api").build().unwrap();
/// let keycloak = JwksVerifier::builder(JwksSource::Url("https://sso.example.com/realms/main/protocol/openid-connect/certs".into()))
///     .issuer("https://sso.example.com/realms/main")
///     .audience("items-api")
///     .build()
///     .unwrap();
/// let security = Security::builder()
///     .issuers(
///         TrustedIssuers::new()
///             .issuer("https://api.example.com", local)
///             .issuer("https://sso.example.com/realms/main", keycloak),
///     )
///     .build()
///     .unwrap();
/// # let _ = security;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct TrustedIssuers {
    pub(crate) issuers: Vec<(String, IssuerKeys)>,
}

/// The keys of one trusted issuer.
#[derive(Debug, Clone)]
pub enum IssuerKeys {
    /// Keys configured in the application.
    Fixed(JwtVerifier),
    /// Keys published by the issuer as a JWKS.
    Jwks(JwksVerifier),
}

impl From<JwtVerifier> for IssuerKeys {
    fn from(verifier: JwtVerifier) -> Self {
        Self::Fixed(verifier)
    }
}

impl From<JwksVerifier> for IssuerKeys {
    fn from(verifier: JwksVerifier) -> Self {
        Self::Jwks(verifier)
    }
}

impl IssuerKeys {
    pub(crate) async fn verify(&self, token: &str) -> Result<crate::Principal, TokenError> {
        match self {
            Self::Fixed(verifier) => verifier.verify(token),
            Self::Jwks(jwks) => jwks.verify(token).await,
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        match self {
            Self::Fixed(_) => 0,
            Self::Jwks(jwks) => jwks.generation(),
        }
    }
}

impl TrustedIssuers {
    /// No issuer yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts tokens whose `iss` is exactly `iss`, verified with `keys`.
    pub fn issuer(mut self, iss: impl Into<String>, keys: impl Into<IssuerKeys>) -> Self {
        self.issuers.push((iss.into(), keys.into()));
        self
    }

    /// The keys of the issuer `token` names, read before verification.
    pub(crate) fn select(&self, token: &str) -> Result<&IssuerKeys, TokenError> {
        #[derive(Deserialize)]
        struct Peek {
            iss: Option<String>,
        }
        let payload = token.split('.').nth(1).ok_or(TokenError::Malformed)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let peek: Peek = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
        let iss = peek.iss.ok_or(TokenError::Issuer)?;
        self.issuers
            .iter()
            .find(|(name, _)| *name == iss)
            .map(|(_, keys)| keys)
            .ok_or(TokenError::Issuer)
    }

    /// The first issuer whose fixed-key verifier leaves `aud` unchecked
    /// without [`JwtVerifierBuilder::any_audience`](crate::jwt::JwtVerifierBuilder::any_audience),
    /// if any. A [`JwksVerifier`] cannot be built without that decision.
    pub(crate) fn without_audience(&self) -> Option<&str> {
        self.issuers
            .iter()
            .find(|(_, keys)| matches!(keys, IssuerKeys::Fixed(verifier) if verifier.audience_unset()))
            .map(|(iss, _)| iss.as_str())
    }

    /// The first issuer configured twice, if any.
    pub(crate) fn duplicate(&self) -> Option<&str> {
        self.issuers
            .iter()
            .enumerate()
            .find(|(index, (iss, _))| self.issuers[..*index].iter().any(|(other, _)| other == iss))
            .map(|(_, (iss, _))| iss.as_str())
    }
}

impl fmt::Debug for TrustedIssuers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.issuers.iter().map(|(iss, _)| iss))
            .finish()
    }
}
