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

/// [`policy_field`] as a header value, written without `fmt`.
pub(crate) fn policy_value(name: &str, quota: Quota) -> Option<HeaderValue> {
    let mut field = Field::new();
    field.name(name);
    field.param(b";q=", u64::from(quota.max.get()));
    field.param(b";w=", quota.period.as_secs().max(1));
    field.value().or_else(|| value(&policy_field(name, quota)))
}

/// [`remaining_field`] as a header value, written without `fmt`.
pub(crate) fn remaining_value(name: &str, remaining: u32, reset: Duration) -> Option<HeaderValue> {
    let mut field = Field::new();
    field.name(name);
    field.param(b";r=", u64::from(remaining));
    field.param(b";t=", seconds_up(reset));
    field
        .value()
        .or_else(|| value(&remaining_field(name, remaining, reset)))
}

/// Room for a field on the stack: a name of up to 64 bytes and two
/// 20-digit numbers; a longer name goes through `format!` instead.
const FIELD_ROOM: usize = 128;

/// One list member written byte by byte into a stack buffer; the only
/// allocation is the header value's own copy.
struct Field {
    bytes: [u8; FIELD_ROOM],
    len: usize,
    overflow: bool,
}

impl Field {
    fn new() -> Self {
        Self {
            bytes: [0; FIELD_ROOM],
            len: 0,
            overflow: false,
        }
    }

    fn push(&mut self, part: &[u8]) {
        match self.bytes.get_mut(self.len..self.len + part.len()) {
            Some(room) => {
                room.copy_from_slice(part);
                self.len += part.len();
            }
            None => self.overflow = true,
        }
    }

    /// `"name"`.
    fn name(&mut self, name: &str) {
        self.push(b"\"");
        self.push(name.as_bytes());
        self.push(b"\"");
    }

    /// `;k=<decimal>`.
    fn param(&mut self, key: &[u8], number: u64) {
        self.push(key);
        self.push(itoa::Buffer::new().format(number).as_bytes());
    }

    /// The value, or `None` when the name did not fit.
    fn value(&self) -> Option<HeaderValue> {
        if self.overflow {
            return None;
        }
        HeaderValue::from_bytes(&self.bytes[..self.len]).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_written_by_hand_match_the_formatted_ones() {
        let quota = Quota {
            max: std::num::NonZeroU32::MAX,
            period: Duration::from_millis(1500),
        };
        let long = "n".repeat(FIELD_ROOM);
        for name in ["bench", "a", long.as_str()] {
            assert_eq!(policy_value(name, quota), value(&policy_field(name, quota)));
            for (remaining, reset) in [
                (0, Duration::ZERO),
                (7, Duration::from_nanos(1)),
                (u32::MAX, Duration::from_secs(u64::MAX)),
            ] {
                assert_eq!(
                    remaining_value(name, remaining, reset),
                    value(&remaining_field(name, remaining, reset))
                );
            }
        }
        assert_eq!(
            policy_value("bench", quota).unwrap(),
            "\"bench\";q=4294967295;w=1"
        );
    }
}
