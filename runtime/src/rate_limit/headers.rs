//! The `RateLimit-Policy` and `RateLimit` fields of the IETF httpapi draft
//! (draft-ietf-httpapi-ratelimit-headers, structured fields): one list
//! member per limit, `"name";q=<quota>;w=<window seconds>` and
//! `"name";r=<remaining>;t=<seconds until the quota is whole>`.

use std::time::Duration;

use http::HeaderValue;

use super::Quota;

/// `"name";q=5;w=60`.
pub(crate) fn policy_field(name: &str, quota: Quota) -> String {
    format!(
        "\"{name}\";q={};w={}",
        quota.max,
        quota.period.as_secs().max(1)
    )
}

/// `"name";r=0;t=42`; `t` is rounded up, so a client that waits that long
/// finds room.
pub(crate) fn remaining_field(name: &str, remaining: u32, reset: Duration) -> String {
    format!("\"{name}\";r={remaining};t={}", seconds_up(reset))
}

/// Whole seconds, rounded up.
pub(crate) fn seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// A header value from text Portcullis wrote (names are checked to be
/// header-safe by the attributes and `rate_limit_quota`).
pub(crate) fn value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text).ok()
}
