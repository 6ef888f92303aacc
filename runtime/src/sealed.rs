//! Sealed tokens: small payloads encrypted and authenticated for a link or
//! a one-off hand-over (what `itsdangerous` gives Python applications, but
//! encrypted as well as signed).
//!
//! A token is AES-256-GCM (aws-lc-rs) under a key from configuration, with
//! a random 96-bit nonce per token, the issue time sealed inside, and the
//! token's purpose bound as associated data: a token sealed for
//! `"password-reset"` does not open as `"email-confirm"`. Opening checks, in
//! order: the shape, the key (by a short key id), the seal, the age.
//!
//! Rotation: seal with the new key, keep the old one as a previous key
//! until the longest-lived token it sealed has expired.
//!
//! Random nonces are safe for about 2^32 tokens per key; rotate keys well
//! before that.

use std::fmt;
use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::clock::unix_now;
use crate::config_error::ConfigError;

/// The format version, the first byte of every token.
const VERSION: u8 = 1;
/// Bytes of the key id after the version.
const KEY_ID_LEN: usize = 4;
/// Bytes of the AES-GCM tag.
const TAG_LEN: usize = 16;
/// Bytes of the issue time at the start of the plaintext.
const ISSUED_LEN: usize = 8;
/// How far in the future an issue time may lie (clocks of several servers).
const CLOCK_SKEW: u64 = 60;

/// A 256-bit key that seals and opens tokens. Its `Debug` shows only its id.
pub struct SealingKey {
    key: LessSafeKey,
    id: [u8; KEY_ID_LEN],
}

impl SealingKey {
    /// A key from exactly 32 secret bytes.
    pub fn from_bytes(secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.len() != 32 {
            return Err(ConfigError::Sessions(
                "a sealing key is exactly 32 bytes (256 bits) of random data",
            ));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, secret)
            .map_err(|_| ConfigError::Sessions("the sealing key was refused by the cipher"))?;
        let digest = Sha256::new()
            .chain_update(b"portcullis sealing key id\0")
            .chain_update(secret)
            .finalize();
        let mut id = [0_u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Ok(Self {
            key: LessSafeKey::new(unbound),
            id,
        })
    }

    /// A key from 32 bytes in base64 (standard or URL-safe, padded or not),
    /// as kept in an environment variable or a secret store.
    pub fn from_base64(encoded: &str) -> Result<Self, ConfigError> {
        let trimmed = encoded.trim().trim_end_matches('=');
        let bytes = URL_SAFE_NO_PAD
            .decode(trimmed)
            .or_else(|_| STANDARD.decode(encoded.trim()))
            .map_err(|_| ConfigError::Sessions("the sealing key is not base64"))?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random key (tokens then do not survive a restart).
    pub fn generate() -> Result<Self, ConfigError> {
        let mut secret = [0_u8; 32];
        getrandom::fill(&mut secret).map_err(|_| ConfigError::RandomSource)?;
        Self::from_bytes(&secret)
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealingKey")
            .field("id", &URL_SAFE_NO_PAD.encode(self.id))
            .finish_non_exhaustive()
    }
}

/// Why a token did not open. The client should only learn "invalid link".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// Not a sealed token at all (bad base64, too short, unknown version).
    Malformed,
    /// Sealed with a key this sealer does not hold (another application, or
    /// a key retired since).
    UnknownKey,
    /// Altered, truncated, or sealed for another purpose.
    Tampered,
    /// Older than the sealer's maximum age (or issued in the future).
    Expired,
    /// Opened, but the payload is not the JSON expected.
    Payload,
    /// Sealing failed (the system's random source); nothing was issued.
    Seal,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the token is malformed",
            Self::UnknownKey => "the token was sealed with an unknown key",
            Self::Tampered => "the token was altered or sealed for another purpose",
            Self::Expired => "the token has expired",
            Self::Payload => "the token's payload is not what was expected",
            Self::Seal => "the token could not be sealed",
        })
    }
}

impl std::error::Error for SealError {}

/// Seals and opens tokens for one purpose; see the [module](self) docs.
///
/// ```
/// use std::time::Duration;
/// use portcullis::sealed::{SealError, SealingKey, TokenSealer};
///
/// let old = TokenSealer::builder("password-reset")
///     .key(SealingKey::from_bytes(&[1; 32])?)
///     .build()?;
/// let token = old.seal(b"alice")?;
///
/// // rotation: the new key seals, the old one still opens
/// let sealer = TokenSealer::builder("password-reset")
///     .key(SealingKey::from_bytes(&[2; 32])?)
///     .previous_key(SealingKey::from_bytes(&[1; 32])?)
///     .max_age(Duration::from_secs(3600))
///     .build()?;
/// assert_eq!(sealer.open(&token)?, b"alice");
///
/// let other = TokenSealer::builder("email-confirm")
///     .key(SealingKey::from_bytes(&[1; 32])?)
///     .build()?;
/// assert_eq!(other.open(&token), Err(SealError::Tampered));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub struct TokenSealer {
    purpose: Box<[u8]>,
    current: SealingKey,
    previous: Vec<SealingKey>,
    max_age: Duration,
}

/// Collects a [`TokenSealer`]'s settings.
#[must_use]
pub struct TokenSealerBuilder {
    purpose: String,
    current: Option<SealingKey>,
    previous: Vec<SealingKey>,
    max_age: Duration,
}

/// The default maximum age of a sealed token: one hour.
pub const DEFAULT_SEALED_MAX_AGE: Duration = Duration::from_secs(60 * 60);

impl TokenSealer {
    /// Starts a sealer for `purpose` (bound into every token).
    pub fn builder(purpose: impl Into<String>) -> TokenSealerBuilder {
        TokenSealerBuilder {
            purpose: purpose.into(),
            current: None,
            previous: Vec::new(),
            max_age: DEFAULT_SEALED_MAX_AGE,
        }
    }

    /// Seals `payload` with the current key.
    pub fn seal(&self, payload: &[u8]) -> Result<String, SealError> {
        self.seal_at(payload, unix_now())
    }

    fn seal_at(&self, payload: &[u8], now: u64) -> Result<String, SealError> {
        let mut nonce = [0_u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Seal)?;
        let header = self.header(&self.current.id);
        let mut sealed = Vec::with_capacity(ISSUED_LEN + payload.len() + TAG_LEN);
        sealed.extend_from_slice(&now.to_be_bytes());
        sealed.extend_from_slice(payload);
        self.current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.aad(&header)),
                &mut sealed,
            )
            .map_err(|_| SealError::Seal)?;
        let mut token = Vec::with_capacity(header.len() + NONCE_LEN + sealed.len());
        token.extend_from_slice(&header);
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&sealed);
        Ok(URL_SAFE_NO_PAD.encode(token))
    }

    /// Opens `token`: its payload, if it is intact, sealed by a key this
    /// sealer holds, for this purpose, and younger than the maximum age.
    pub fn open(&self, token: &str) -> Result<Vec<u8>, SealError> {
        self.open_at(token, unix_now())
    }

    fn open_at(&self, token: &str, now: u64) -> Result<Vec<u8>, SealError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| SealError::Malformed)?;
        let head_len = 1 + KEY_ID_LEN;
        if bytes.len() < head_len + NONCE_LEN + ISSUED_LEN + TAG_LEN || bytes[0] != VERSION {
            return Err(SealError::Malformed);
        }
        let (header, rest) = bytes.split_at(head_len);
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id[..] == header[1..])
            .ok_or(SealError::UnknownKey)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Malformed)?;
        let mut sealed = sealed.to_vec();
        let opened = key
            .key
            .open_in_place(nonce, Aad::from(self.aad(header)), &mut sealed)
            .map_err(|_| SealError::Tampered)?;
        let (issued, payload) = opened.split_at(ISSUED_LEN);
        let mut issued_bytes = [0_u8; ISSUED_LEN];
        issued_bytes.copy_from_slice(issued);
        let issued = u64::from_be_bytes(issued_bytes);
        if issued > now.saturating_add(CLOCK_SKEW)
            || now.saturating_sub(issued) >= self.max_age.as_secs()
        {
            return Err(SealError::Expired);
        }
        Ok(payload.to_vec())
    }

    /// Seals `value` as JSON.
    pub fn seal_json<T: Serialize>(&self, value: &T) -> Result<String, SealError> {
        let json = serde_json::to_vec(value).map_err(|_| SealError::Payload)?;
        self.seal(&json)
    }

    /// Opens a token sealed by [`TokenSealer::seal_json`].
    pub fn open_json<T: DeserializeOwned>(&self, token: &str) -> Result<T, SealError> {
        serde_json::from_slice(&self.open(token)?).map_err(|_| SealError::Payload)
    }

    fn header(&self, key_id: &[u8; KEY_ID_LEN]) -> [u8; 1 + KEY_ID_LEN] {
        let mut header = [VERSION; 1 + KEY_ID_LEN];
        header[1..].copy_from_slice(key_id);
        header
    }

    /// The associated data: the header and the purpose.
    fn aad(&self, header: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(header.len() + self.purpose.len());
        aad.extend_from_slice(header);
        aad.extend_from_slice(&self.purpose);
        aad
    }
}

impl TokenSealerBuilder {
    /// The key that seals new tokens (and opens them).
    pub fn key(mut self, key: SealingKey) -> Self {
        self.current = Some(key);
        self
    }

    /// A retired key that still opens the tokens it sealed; add one per
    /// rotation until its tokens have expired.
    pub fn previous_key(mut self, key: SealingKey) -> Self {
        self.previous.push(key);
        self
    }

    /// Refuses tokens older than `max_age`; one hour by default.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Finishes the sealer; it needs a key and a positive maximum age.
    pub fn build(self) -> Result<TokenSealer, ConfigError> {
        let current = self.current.ok_or(ConfigError::Sessions(
            "the token sealer has no key; add one with `.key(SealingKey::from_base64(..)?)`",
        ))?;
        if self.max_age.as_secs() == 0 {
            return Err(ConfigError::Sessions(
                "the sealed-token maximum age must be at least one second",
            ));
        }
        if self.previous.iter().any(|key| key.id == current.id) {
            return Err(ConfigError::Sessions(
                "a previous sealing key equals the current one (or shares its id); drop it",
            ));
        }
        Ok(TokenSealer {
            purpose: self.purpose.into_bytes().into_boxed_slice(),
            current,
            previous: self.previous,
            max_age: self.max_age,
        })
    }
}

impl fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSealer")
            .field("purpose", &String::from_utf8_lossy(&self.purpose))
            .field("current", &self.current)
            .field("previous", &self.previous)
            .field("max_age", &self.max_age)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(max_age: u64) -> TokenSealer {
        TokenSealer::builder("test")
            .key(SealingKey::from_bytes(&[7; 32]).unwrap())
            .max_age(Duration::from_secs(max_age))
            .build()
            .unwrap()
    }

    #[test]
    fn expiry_is_checked_against_the_sealed_time() {
        let sealer = sealer(60);
        let token = sealer.seal_at(b"x", 1_000).unwrap();
        assert_eq!(sealer.open_at(&token, 1_059).unwrap(), b"x");
        assert_eq!(sealer.open_at(&token, 1_060), Err(SealError::Expired));
        // issued too far in the future
        assert_eq!(sealer.open_at(&token, 900), Err(SealError::Expired));
    }

    #[test]
    fn nonces_differ() {
        let sealer = sealer(60);
        assert_ne!(sealer.seal(b"x").unwrap(), sealer.seal(b"x").unwrap());
    }
}
