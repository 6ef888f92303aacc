//! Configuration errors: refused at start-up, each saying what to change.

use std::fmt;

use crate::hierarchy::HierarchyError;
use crate::jwt::KeyError;

/// A security configuration that Portcullis refuses to run with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key could not be used.
    Key(KeyError),
    /// A JWT verifier was built without keys.
    NoVerificationKey,
    /// HMAC and asymmetric keys in one key set.
    MixedKeyFamilies,
    /// Several keys, one of them without a `kid`.
    KeyWithoutKid,
    /// Two keys share a `kid`.
    DuplicateKid(String),
    /// A Basic realm that cannot be sent in a header.
    InvalidRealm,
    /// A role hierarchy with a cycle or a malformed role.
    Hierarchy(HierarchyError),
    /// A token issuer whose tokens would live less than one second.
    TokenLifetime,
    /// Bearer key settings (JWKS, trusted issuers) that cannot work; the text
    /// says what to change.
    BearerKeys(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(error) => error.fmt(f),
            Self::NoVerificationKey => f.write_str("the JWT verifier has no key; add one with `.key(VerificationKey::…)`"),
            Self::MixedKeyFamilies => f.write_str(
                "HMAC and asymmetric keys are mixed in one key set; a public key could then be used as an HMAC secret. Use one family",
            ),
            Self::KeyWithoutKid => f.write_str("with several verification keys, give each a `kid` with `.with_kid(..)`"),
            Self::DuplicateKid(kid) => write!(f, "two verification keys share the kid {kid:?}; give each a distinct kid"),
            Self::InvalidRealm => f.write_str("the Basic realm must be printable ASCII without `\"` or `\\`"),
            Self::Hierarchy(error) => error.fmt(f),
            Self::BearerKeys(advice) => f.write_str(advice),
            Self::TokenLifetime => f.write_str("the token lifetime is under one second; set `.lifetime(..)` to at least one second"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<KeyError> for ConfigError {
    fn from(error: KeyError) -> Self {
        Self::Key(error)
    }
}

impl From<HierarchyError> for ConfigError {
    fn from(error: HierarchyError) -> Self {
        Self::Hierarchy(error)
    }
}
