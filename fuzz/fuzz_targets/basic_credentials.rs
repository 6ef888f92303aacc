//! HTTP Basic credential decoding (RFC 7617): a decoded pair has a non-empty
//! user without `:` or control characters, and encodes back to the same pair.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use portcullis_runtime::fuzz_api;

fuzz_target!(|encoded: &str| {
    if let Some((user, password)) = fuzz_api::basic_credentials(encoded) {
        assert!(!user.is_empty());
        assert!(!user.contains(':'));
        assert!(!user.chars().any(char::is_control));
        let again = STANDARD.encode(format!("{user}:{password}"));
        assert_eq!(
            fuzz_api::basic_credentials(&again),
            Some((user, password)),
            "decoding is not stable"
        );
    }
});
