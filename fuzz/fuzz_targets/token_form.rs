//! The `/token` form decoder (`application/x-www-form-urlencoded`): a grant
//! it accepts re-encodes to a body it reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_runtime::fuzz_api;

fuzz_target!(|body: &[u8]| {
    if let Some((username, password, scope)) = fuzz_api::password_grant(body) {
        assert!(!username.is_empty() && !password.is_empty());
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "password")
            .append_pair("username", &username)
            .append_pair("password", &password);
        if let Some(scope) = &scope {
            form.append_pair("scope", scope);
        }
        let again = fuzz_api::password_grant(form.finish().as_bytes());
        assert_eq!(again, Some((username, password, scope)));
    }
});
