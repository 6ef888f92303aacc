//! Enforcing the rate limits a route declares, through the configured
//! [`RateLimitStore`](crate::rate_limit::RateLimitStore).
//!
//! Client-keyed limits (and a Basic route's `username` field) run in the
//! route's wrapper before authentication, so they shield the password
//! hashing; subject-keyed ones right after the decision; other field-keyed
//! ones where the body is read (the password grant's `username`).
//! Non-generic: every route shares this code, and a route that declares no
//! limit never reaches it.

use std::net::IpAddr;
use std::time::Duration;

use axum::response::Response;
use http::header;
use http::request::Parts;

use crate::context;
use crate::policy::{PolicyInfo, Scheme};
use crate::rate_limit::headers;
use crate::rate_limit::{Admission, Exceeded, NO_PEER_KEY, Quota, RateLimit, RateLimitKey};
use crate::rejection::{AuthRejection, RATELIMIT, RATELIMIT_POLICY};
use crate::security::Security;
use crate::unavailable::StoreUnavailable;

/// The most constraining limit a request passed, reported on its answer
/// with `RateLimit-Policy` and `RateLimit`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Note(Option<(&'static str, Quota, u32, Duration)>);

impl Note {
    fn keep(&mut self, name: &'static str, quota: Quota, remaining: u32, reset: Duration) {
        if self.0.is_none_or(|(_, _, least, _)| remaining < least) {
            self.0 = Some((name, quota, remaining, reset));
        }
    }

    pub(crate) fn merge(&mut self, other: Self) {
        if let Some((name, quota, remaining, reset)) = other.0 {
            self.keep(name, quota, remaining, reset);
        }
    }

    /// Adds the fields to `response`, unless a refusal already set them.
    pub(crate) fn annotate(self, mut response: Response) -> Response {
        let Some((name, quota, remaining, reset)) = self.0 else {
            return response;
        };
        let fields = response.headers_mut();
        if fields.contains_key(RATELIMIT) {
            return response;
        }
        if let Some(value) = headers::policy_value(name, quota) {
            fields.insert(RATELIMIT_POLICY, value);
        }
        if let Some(value) = headers::remaining_value(name, remaining, reset) {
            fields.insert(RATELIMIT, value);
        }
        response
    }
}

/// Why a limit refused a request.
pub(crate) enum Refusal {
    Limited(Exceeded),
    Unavailable(StoreUnavailable),
}

impl Refusal {
    fn into_rejection(self, security: &Security) -> AuthRejection {
        match self {
            Self::Limited(exceeded) => {
                AuthRejection::rate_limited(exceeded, security.responder().clone())
            }
            Self::Unavailable(error) => {
                AuthRejection::store_unavailable(&error, security.responder().clone())
            }
        }
    }
}

/// Takes one request from `limit`'s bucket for `key`.
async fn take(
    security: &Security,
    limit: &RateLimit,
    key: &str,
    note: &mut Note,
) -> Result<(), Refusal> {
    let quota = security.quota_of(limit);
    match security
        .rate_limit_store()
        .check(limit.name, key, quota)
        .await
        .map_err(Refusal::Unavailable)?
    {
        Admission::Allowed { remaining, reset } => {
            note.keep(limit.name, quota, remaining, reset);
            Ok(())
        }
        Admission::Limited { retry_after } => {
            tracing::warn!(target: "portcullis::rate_limit", limit = limit.name, key = %limit.key, "rate limit exceeded; refusing");
            Err(Refusal::Limited(Exceeded {
                name: limit.name,
                quota,
                retry_after,
            }))
        }
    }
}

/// The bucket key of a client address; every request without a peer
/// shares [`NO_PEER_KEY`]. The text is the address's usual one (`203.0.113.9`, `2001:db8::1`),
/// written into a buffer on the stack: an IPv4 address digit by digit,
/// without `fmt` or an allocation.
pub(crate) struct ClientKey {
    bytes: [u8; CLIENT_KEY_ROOM],
    len: usize,
}

/// The longest address text, an IPv6 address with an IPv4 tail, is 45 bytes.
const CLIENT_KEY_ROOM: usize = 48;

impl ClientKey {
    pub(crate) fn of(client: Option<IpAddr>) -> Self {
        let mut key = Self {
            bytes: [0; CLIENT_KEY_ROOM],
            len: 0,
        };
        match client {
            None => key.push(NO_PEER_KEY.as_bytes()),
            Some(IpAddr::V4(address)) => {
                for (index, octet) in address.octets().into_iter().enumerate() {
                    if index > 0 {
                        key.push(b".");
                    }
                    key.push_octet(octet);
                }
            }
            Some(IpAddr::V6(address)) => {
                use std::fmt::Write as _;
                // cannot fail: the room holds the longest IPv6 text
                let _ = write!(key, "{address}");
            }
        }
        key
    }

    fn push(&mut self, part: &[u8]) {
        let end = (self.len + part.len()).min(CLIENT_KEY_ROOM);
        let taken = end - self.len;
        self.bytes[self.len..end].copy_from_slice(&part[..taken]);
        self.len = end;
    }

    fn push_octet(&mut self, octet: u8) {
        let digits = [
            b'0' + octet / 100,
            b'0' + octet / 10 % 10,
            b'0' + octet % 10,
        ];
        let skip = if octet >= 100 {
            0
        } else if octet >= 10 {
            1
        } else {
            2
        };
        self.push(&digits[skip..]);
    }

    pub(crate) fn as_str(&self) -> &str {
        // only ASCII is ever written
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or(NO_PEER_KEY)
    }
}

impl std::fmt::Write for ClientKey {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push(text.as_bytes());
        Ok(())
    }
}

/// The limits checked before authentication: client-keyed ones, and on a
/// Basic route the `username` field of its credentials.
pub(crate) async fn before_authentication(
    security: &Security,
    policy: &PolicyInfo,
    parts: &Parts,
) -> Result<Note, AuthRejection> {
    let mut note = Note::default();
    let mut client = None;
    for limit in policy.rate_limits {
        let username;
        let key = match limit.key {
            RateLimitKey::Client => client
                .get_or_insert_with(|| ClientKey::of(security.trusted_proxies().client_of(parts)))
                .as_str(),
            RateLimitKey::Field("username") if policy.scheme == Scheme::Basic => {
                match basic_username(parts) {
                    Some(name) => {
                        username = name;
                        username.as_str()
                    }
                    None => continue,
                }
            }
            RateLimitKey::Field(_) | RateLimitKey::Subject => continue,
        };
        take(security, limit, key, &mut note)
            .await
            .map_err(|refusal| refusal.into_rejection(security))?;
    }
    Ok(note)
}

/// Whether the policy has a limit keyed by the authenticated subject.
pub(crate) fn has_subject_limits(policy: &PolicyInfo) -> bool {
    policy
        .rate_limits
        .iter()
        .any(|limit| limit.key == RateLimitKey::Subject)
}

/// The subject-keyed limits, checked once the caller is known.
pub(crate) async fn after_authentication(
    security: &Security,
    policy: &PolicyInfo,
    subject: &str,
) -> Result<Note, AuthRejection> {
    let mut note = Note::default();
    for limit in policy.rate_limits {
        if limit.key == RateLimitKey::Subject {
            take(security, limit, subject, &mut note)
                .await
                .map_err(|refusal| refusal.into_rejection(security))?;
        }
    }
    Ok(note)
}

/// The limits of the current route keyed by the request field `field`,
/// checked with its `value`; for extractors that read a body (the password
/// grant's `username`), before any password hash.
#[cfg_attr(not(feature = "issuing"), allow(dead_code))] // used by the password grant
pub(crate) async fn check_field(field: &str, value: &str) -> Result<(), Refusal> {
    let Some((security, policy)) = context::with(|current| {
        (!current.policy.rate_limits.is_empty()).then(|| (current.security.clone(), current.policy))
    })
    .flatten() else {
        return Ok(());
    };
    let mut note = Note::default();
    for limit in policy.rate_limits {
        if matches!(limit.key, RateLimitKey::Field(name) if name == field) {
            take(&security, limit, value, &mut note).await?;
        }
    }
    Ok(())
}

/// The username of `Authorization: Basic` credentials, if well formed.
fn basic_username(parts: &Parts) -> Option<String> {
    use base64::Engine;
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (username, _) = text.split_once(':')?;
    (!username.is_empty()).then(|| username.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_keys_are_the_addresses_usual_text() {
        for text in [
            "0.0.0.0",
            "9.10.99.100",
            "203.0.113.9",
            "255.255.255.255",
            "2001:db8::1",
            "::ffff:192.0.2.1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            let address: IpAddr = text.parse().unwrap();
            assert_eq!(ClientKey::of(Some(address)).as_str(), address.to_string());
        }
        assert_eq!(ClientKey::of(None).as_str(), NO_PEER_KEY);
    }
}
