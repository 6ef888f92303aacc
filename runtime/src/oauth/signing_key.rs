//! Signing keys, each bound to exactly one algorithm.

use std::fmt;

use jsonwebtoken::{Algorithm, EncodingKey};

use crate::jwt::{KeyError, MIN_HMAC_SECRET_BYTES, VerificationKey};

/// A private key (or HMAC secret) that signs access tokens with one algorithm.
///
/// HMAC secrets shorter than [`MIN_HMAC_SECRET_BYTES`] are refused, as the
/// verifier refuses them. Key material never appears in `Debug` output.
///
/// ```
/// use portcullis::jwt::Algorithm;
/// use portcullis::oauth::SigningKey;
///
/// let key = SigningKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap().with_kid("2026-11");
/// assert_eq!(key.kid(), Some("2026-11"));
/// assert!(SigningKey::hmac(Algorithm::HS256, b"too short").is_err());
/// assert!(SigningKey::hmac(Algorithm::RS256, &[1; 32]).is_err());
/// ```
#[derive(Clone)]
pub struct SigningKey {
    algorithm: Algorithm,
    kid: Option<String>,
    key: EncodingKey,
}

impl SigningKey {
    /// An HMAC secret (HS256, HS384 or HS512) of at least 32 bytes.
    pub fn hmac(algorithm: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        let key = EncodingKey::from_secret(secret)
            .map_err(|_| KeyError::WeakSecret { len: secret.len() })?;
        Self::from_encoding_key(algorithm, key)
    }

    /// An RSA private key in PEM (RS256/384/512 or PS256/384/512).
    pub fn rsa_pem(algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        let key = EncodingKey::from_rsa_pem(pem).map_err(|_| KeyError::Unreadable {
            expected: "RSA private key PEM",
        })?;
        Self::from_encoding_key(algorithm, key)
    }

    /// An elliptic-curve private key in PKCS#8 PEM (ES256 or ES384).
    pub fn ec_pem(algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ec_pem(pem).map_err(|_| KeyError::Unreadable {
            expected: "EC private key PEM",
        })?;
        Self::from_encoding_key(algorithm, key)
    }

    /// An Ed25519 private key in PKCS#8 PEM (EdDSA).
    pub fn ed_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ed_pem(pem).map_err(|_| KeyError::Unreadable {
            expected: "Ed25519 private key PEM",
        })?;
        Self::from_encoding_key(Algorithm::EdDSA, key)
    }

    /// A key already loaded by `jsonwebtoken`; its family must match
    /// `algorithm`, and an HMAC secret must have at least 32 bytes.
    pub fn from_encoding_key(algorithm: Algorithm, key: EncodingKey) -> Result<Self, KeyError> {
        if key.family() != algorithm.family() {
            return Err(KeyError::WrongAlgorithm {
                algorithm,
                expected: family_name(&key),
            });
        }
        if algorithm.family() == jsonwebtoken::AlgorithmFamily::Hmac
            && key.as_bytes().len() < MIN_HMAC_SECRET_BYTES
        {
            return Err(KeyError::WeakSecret {
                len: key.as_bytes().len(),
            });
        }
        Ok(Self {
            algorithm,
            kid: None,
            key,
        })
    }

    /// The same key, named `kid` in the header of every token it signs.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The one algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// For an HMAC key, the verification key that checks its tokens (with
    /// the same `kid`); `None` for asymmetric keys, whose public half is
    /// loaded separately.
    pub fn hmac_verification_key(&self) -> Option<VerificationKey> {
        if self.algorithm.family() != jsonwebtoken::AlgorithmFamily::Hmac {
            return None;
        }
        let key = VerificationKey::hmac(self.algorithm, self.key.as_bytes()).ok()?;
        Some(match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => key,
        })
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.key
    }
}

fn family_name(key: &EncodingKey) -> &'static str {
    match key.family() {
        jsonwebtoken::AlgorithmFamily::Hmac => "an HMAC secret",
        jsonwebtoken::AlgorithmFamily::Rsa => "an RSA key",
        jsonwebtoken::AlgorithmFamily::Ec => "an EC key",
        jsonwebtoken::AlgorithmFamily::Ed => "an Ed25519 key",
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key material never reaches a log.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}
