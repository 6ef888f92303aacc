//! Token verification with arbitrary bytes, through a real HS256 verifier.
//!
//! The only token ever signed with the key carries subject `fuzz` and role
//! `admin` (the seed in the corpus); the fuzzer mutates it and everything
//! else. Whatever it finds, a token that verifies can only carry exactly
//! those claims: anything else is a forgery that got through.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};

const SECRET: &[u8] = b"fuzzing-secret-of-at-least-32-bytes!!";

static VERIFIER: LazyLock<JwtVerifier> = LazyLock::new(|| {
    JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).expect("an HMAC key"))
        .build()
        .expect("a verifier")
});

fuzz_target!(|token: &[u8]| {
    let Ok(token) = std::str::from_utf8(token) else {
        return;
    };
    if let Ok(principal) = VERIFIER.verify(token) {
        assert_eq!(principal.subject(), "fuzz", "forged subject in {token:?}");
        assert_eq!(principal.roles(), ["admin".to_owned()], "forged roles in {token:?}");
    }
});
