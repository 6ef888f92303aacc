//! Verification keys, each bound to exactly one algorithm.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey};

/// The shortest HMAC secret accepted: 256 bits, as RFC 7518 section 3.2 asks for HS256.
pub const MIN_HMAC_SECRET_BYTES: usize = 32;

/// A key that verifies tokens signed with one algorithm, optionally named by `kid`.
///
/// The algorithm is part of the key, never read from the token: a token whose
/// `alg` differs from its key's is refused.
///
/// ```
/// use portcullis::jwt::{Algorithm, VerificationKey};
///
/// let key = VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef")
///     .unwrap()
///     .with_kid("2026-11");
/// assert_eq!(key.kid(), Some("2026-11"));
/// assert!(VerificationKey::hmac(Algorithm::HS256, b"too short").is_err());
/// ```
#[derive(Clone)]
pub struct VerificationKey {
    pub(crate) kid: Option<String>,
    pub(crate) algorithm: Algorithm,
    pub(crate) key: DecodingKey,
}

/// Why a key was refused when it was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// An HMAC secret shorter than [`MIN_HMAC_SECRET_BYTES`].
    WeakSecret {
        /// The length that was given.
        len: usize,
    },
    /// The algorithm does not belong to the kind of key given.
    WrongAlgorithm {
        /// The algorithm that was asked for.
        algorithm: Algorithm,
        /// The kind of key given.
        expected: &'static str,
    },
    /// The PEM or DER data could not be read as a key of that kind.
    Unreadable {
        /// The kind of key expected.
        expected: &'static str,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WeakSecret { len } => write!(
                f,
                "the HMAC secret has {len} bytes; use at least {MIN_HMAC_SECRET_BYTES} random bytes"
            ),
            Self::WrongAlgorithm {
                algorithm,
                expected,
            } => {
                write!(
                    f,
                    "{algorithm:?} cannot be used with {expected}; pick an algorithm of that family"
                )
            }
            Self::Unreadable { expected } => write!(f, "the key is not a valid {expected}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The family a key belongs to; one key set holds one family only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Hmac,
    Asymmetric,
}

impl VerificationKey {
    /// An HMAC key (HS256, HS384 or HS512); the secret must have at least 32 bytes.
    pub fn hmac(algorithm: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        Self::expect(
            algorithm,
            &[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
            "an HMAC secret",
        )?;
        if secret.len() < MIN_HMAC_SECRET_BYTES {
            return Err(KeyError::WeakSecret { len: secret.len() });
        }
        let key = DecodingKey::from_secret(secret).map_err(|_| KeyError::Unreadable {
            expected: "an HMAC secret",
        })?;
        Ok(Self::from_parts(algorithm, key))
    }

    /// An RSA public key in PEM (RS256/384/512 or PS256/384/512).
    pub fn rsa_pem(algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        const RSA: &[Algorithm] = &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ];
        Self::expect(algorithm, RSA, "an RSA key")?;
        let key = DecodingKey::from_rsa_pem(pem).map_err(|_| KeyError::Unreadable {
            expected: "RSA public key PEM",
        })?;
        Ok(Self::from_parts(algorithm, key))
    }

    /// An elliptic-curve public key in PEM (ES256 or ES384).
    pub fn ec_pem(algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        Self::expect(
            algorithm,
            &[Algorithm::ES256, Algorithm::ES384],
            "an EC key",
        )?;
        let key = DecodingKey::from_ec_pem(pem).map_err(|_| KeyError::Unreadable {
            expected: "EC public key PEM",
        })?;
        Ok(Self::from_parts(algorithm, key))
    }

    /// An Ed25519 public key in PEM (EdDSA).
    pub fn ed_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key = DecodingKey::from_ed_pem(pem).map_err(|_| KeyError::Unreadable {
            expected: "Ed25519 public key PEM",
        })?;
        Ok(Self::from_parts(Algorithm::EdDSA, key))
    }

    /// A key already decoded by `jsonwebtoken` (for example from a JWK).
    pub fn from_decoding_key(algorithm: Algorithm, key: DecodingKey) -> Self {
        Self::from_parts(algorithm, key)
    }

    /// The same key, selected by tokens whose header carries this `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(crate) fn family(&self) -> Family {
        match self.algorithm {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Family::Hmac,
            _ => Family::Asymmetric,
        }
    }

    fn from_parts(algorithm: Algorithm, key: DecodingKey) -> Self {
        Self {
            kid: None,
            algorithm,
            key,
        }
    }

    fn expect(
        algorithm: Algorithm,
        allowed: &[Algorithm],
        expected: &'static str,
    ) -> Result<(), KeyError> {
        if allowed.contains(&algorithm) {
            Ok(())
        } else {
            Err(KeyError::WrongAlgorithm {
                algorithm,
                expected,
            })
        }
    }
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key material never reaches a log.
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}
