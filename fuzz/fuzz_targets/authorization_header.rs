//! The `Authorization` header parser, for both schemes: whatever the bytes,
//! it answers absent, malformed, or credentials that follow the scheme name
//! and one or more spaces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::Scheme;
use portcullis_runtime::fuzz_api;

fuzz_target!(|value: &[u8]| {
    for scheme in [Scheme::Bearer, Scheme::Basic] {
        if let Some(Ok(credentials)) = fuzz_api::authorization(value, scheme) {
            let text = std::str::from_utf8(value).expect("credentials come from text");
            let name = scheme.as_str();
            assert!(text[..name.len()].eq_ignore_ascii_case(name), "{text:?}");
            assert!(!credentials.is_empty() && !credentials.starts_with(' '));
            assert!(text.ends_with(credentials.as_str()));
            assert!(text[name.len()..].starts_with(' '));
        }
    }
});
