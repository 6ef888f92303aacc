//! Entry points for the fuzz targets under `fuzz/` (feature `fuzzing`, never
//! on by default): thin wrappers over the parsers that read untrusted bytes
//! before any credential is checked. Not a stable API.

use http::{HeaderMap, HeaderValue};

use crate::auth::header::{self, Presented};
use crate::policy::Scheme;

/// What the `Authorization` parser makes of `value` for `scheme`: `None` when
/// absent (or another scheme), `Some(Err(()))` when malformed, and the
/// credentials otherwise.
pub fn authorization(value: &[u8], scheme: Scheme) -> Option<Result<String, ()>> {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_bytes(value).ok()?,
    );
    match header::presented(&headers, scheme) {
        Presented::Absent => None,
        Presented::Malformed => Some(Err(())),
        Presented::Value(credentials) => Some(Ok(credentials.to_owned())),
    }
}

/// Basic credentials decoded from the text after `Basic `.
#[cfg(feature = "argon2")]
pub fn basic_credentials(encoded: &str) -> Option<(String, String)> {
    crate::auth::basic::decode_credentials(encoded)
}

/// The password grant read from a form body: username, password and scope.
#[cfg(feature = "issuing")]
pub fn password_grant(body: &[u8]) -> Option<(String, String, Option<String>)> {
    use secrecy::ExposeSecret;
    let grant = crate::oauth::PasswordGrant::parse(body).ok()?;
    Some((
        grant.username().to_owned(),
        grant.password().expose_secret().to_owned(),
        grant.scope().map(str::to_owned),
    ))
}
