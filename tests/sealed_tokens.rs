//! Sealed tokens: round trips, tampering, foreign keys and purposes, expiry
//! and key rotation, through the public API.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis::sealed::{SealError, SealingKey, TokenSealer};
use serde::{Deserialize, Serialize};

fn key(byte: u8) -> SealingKey {
    SealingKey::from_bytes(&[byte; 32]).unwrap()
}

fn sealer(purpose: &str, current: u8) -> TokenSealer {
    TokenSealer::builder(purpose)
        .key(key(current))
        .build()
        .unwrap()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Reset {
    user: String,
    generation: u32,
}

#[test]
fn payloads_round_trip_and_are_not_readable() {
    let sealer = sealer("reset", 1);
    let reset = Reset {
        user: "alice".into(),
        generation: 3,
    };
    let token = sealer.seal_json(&reset).unwrap();
    assert!(!token.contains("alice"));
    let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("alice"));
    assert_eq!(sealer.open_json::<Reset>(&token).unwrap(), reset);
    assert_eq!(sealer.open_json::<Vec<u8>>(&token), Err(SealError::Payload));
}

#[test]
fn tampered_and_truncated_tokens_are_refused() {
    let sealer = sealer("reset", 1);
    let token = sealer.seal(b"alice").unwrap();
    let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    assert_eq!(
        sealer.open(&URL_SAFE_NO_PAD.encode(&raw)),
        Err(SealError::Tampered)
    );
    let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
    raw[20] ^= 0x80; // inside the ciphertext
    assert_eq!(
        sealer.open(&URL_SAFE_NO_PAD.encode(&raw)),
        Err(SealError::Tampered)
    );
    let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
    assert_eq!(
        sealer.open(&URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 3])),
        Err(SealError::Tampered)
    );
    // a cut string that no longer decodes is malformed: unpadded base64 of
    // a length one more than a multiple of four decodes to nothing
    let cut = (1..=4)
        .map(|k| token.len() - k)
        .find(|len| len % 4 == 1)
        .unwrap();
    assert_eq!(sealer.open(&token[..cut]), Err(SealError::Malformed));
    assert_eq!(sealer.open(&token[..10]), Err(SealError::Malformed));
    assert_eq!(sealer.open("not a token!"), Err(SealError::Malformed));
    assert_eq!(sealer.open(""), Err(SealError::Malformed));
}

#[test]
fn foreign_keys_and_purposes_are_refused() {
    let token = sealer("reset", 1).seal(b"alice").unwrap();
    assert_eq!(sealer("reset", 2).open(&token), Err(SealError::UnknownKey));
    assert_eq!(sealer("confirm", 1).open(&token), Err(SealError::Tampered));
}

#[test]
fn rotation_opens_old_tokens_and_seals_with_the_new_key() {
    let old = sealer("reset", 1);
    let old_token = old.seal(b"before").unwrap();
    let rotated = TokenSealer::builder("reset")
        .key(key(2))
        .previous_key(key(1))
        .build()
        .unwrap();
    assert_eq!(rotated.open(&old_token).unwrap(), b"before");
    let new_token = rotated.seal(b"after").unwrap();
    // sealed with the new key: the old sealer alone cannot open it
    assert_eq!(old.open(&new_token), Err(SealError::UnknownKey));
    assert_eq!(sealer("reset", 2).open(&new_token).unwrap(), b"after");
    // once retired, the old key opens nothing
    assert_eq!(
        sealer("reset", 2).open(&old_token),
        Err(SealError::UnknownKey)
    );
}

#[test]
fn expired_tokens_are_refused() {
    let sealer = TokenSealer::builder("link")
        .key(key(1))
        .max_age(Duration::from_secs(1))
        .build()
        .unwrap();
    let token = sealer.seal(b"x").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(sealer.open(&token), Err(SealError::Expired));
}

#[test]
fn keys_come_from_configuration_and_bad_settings_are_refused() {
    let encoded = URL_SAFE_NO_PAD.encode([9_u8; 32]);
    let from_env = SealingKey::from_base64(&encoded).unwrap();
    let token = TokenSealer::builder("p")
        .key(from_env)
        .build()
        .unwrap()
        .seal(b"k")
        .unwrap();
    assert_eq!(sealer("p", 9).open(&token).unwrap(), b"k");
    assert!(SealingKey::from_bytes(&[1; 16]).is_err());
    assert!(SealingKey::from_base64("***").is_err());
    assert!(TokenSealer::builder("p").build().is_err());
    assert!(
        TokenSealer::builder("p")
            .key(key(1))
            .previous_key(key(1))
            .build()
            .is_err()
    );
    assert!(!format!("{:?}", key(1)).contains("1, 1"));
}
