//! Rate limits declared on routes: buckets per client address, per
//! authenticated subject or per form field, kept in a [`RateLimitStore`].
//!
//! A limit is declared in the handler's policy attribute
//! (`rate_limit("login", 5 per minute, key = client)`), so it is part of the
//! policy and of the route table. Its quota can be replaced by name at
//! configuration time ([`crate::SecurityBuilder::rate_limit_quota`]); its
//! buckets live in the configured store ([`MemoryStore`] by default).
//! Limits sharing a name share their buckets, wherever they are declared.

pub(crate) mod headers;
mod memory;
mod store;

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

pub use memory::{DEFAULT_SWEEP_INTERVAL, MemoryStore};
pub use store::{Admission, Quota, RateLimitStore};

/// The bucket key every request without a peer address shares (requests
/// served in-process, as tests do, without `ConnectInfo`): one bucket per
/// limit for all of them, so they are limited together rather than not at all.
pub const NO_PEER_KEY: &str = "no-peer";

/// What a limit's buckets are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateLimitKey {
    /// The client's address (the peer, or the address a trusted proxy
    /// forwarded); checked before authentication, so it shields the
    /// password hashing.
    Client,
    /// The authenticated subject; checked right after authentication.
    Subject,
    /// A request field, such as the `username` of a login form or of HTTP
    /// Basic credentials; checked as soon as the field is read, before any
    /// password hash.
    Field(&'static str),
}

impl fmt::Display for RateLimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Client => f.write_str("client"),
            Self::Subject => f.write_str("subject"),
            Self::Field(field) => write!(f, "field({field})"),
        }
    }
}

/// A rate limit declared on a route: its name, its default quota and what
/// its buckets are keyed by.
///
/// ```
/// use portcullis::rate_limit::{RateLimit, RateLimitKey};
///
/// const LOGIN: RateLimit = RateLimit::new("login", 5, 60, RateLimitKey::Client);
/// assert_eq!(LOGIN.to_string(), "login: 5 per 60s by client");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// The limit's name: in the route table, the `RateLimit` headers, and
    /// the bucket key; [`crate::SecurityBuilder::rate_limit_quota`] replaces
    /// its quota by this name.
    pub name: &'static str,
    /// The quota declared with the route.
    pub quota: Quota,
    /// What the buckets are keyed by.
    pub key: RateLimitKey,
}

impl RateLimit {
    /// `max` requests per `period_secs` seconds, keyed by `key`.
    ///
    /// # Panics
    ///
    /// When `max` or `period_secs` is zero (the attributes refuse both at
    /// compile time).
    pub const fn new(name: &'static str, max: u32, period_secs: u64, key: RateLimitKey) -> Self {
        let Some(max) = NonZeroU32::new(max) else {
            panic!("a rate limit allows at least one request");
        };
        assert!(
            period_secs > 0,
            "a rate limit's period is at least one second"
        );
        Self {
            name,
            quota: Quota {
                max,
                period: Duration::from_secs(period_secs),
            },
            key,
        }
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} by {}", self.name, self.quota, self.key)
    }
}

impl Quota {
    /// `max` requests per `period`; `None` when either is zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use portcullis::rate_limit::Quota;
    ///
    /// let quota = Quota::new(5, Duration::from_secs(60)).unwrap();
    /// assert_eq!(quota, "5/min".parse().unwrap());
    /// assert!(Quota::new(0, Duration::from_secs(60)).is_none());
    /// ```
    pub fn new(max: u32, period: Duration) -> Option<Self> {
        let max = NonZeroU32::new(max)?;
        (!period.is_zero()).then_some(Self { max, period })
    }

    /// `max` requests a minute; `None` when `max` is zero.
    pub fn per_minute(max: u32) -> Option<Self> {
        Self::new(max, Duration::from_secs(60))
    }

    /// The time one request's share of the quota takes to come back.
    pub fn interval(&self) -> Duration {
        self.period / self.max.get()
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} per {}s", self.max, self.period.as_secs())
    }
}

/// A quota text that does not parse; see [`Quota`]'s `FromStr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaParseError(String);

impl fmt::Display for QuotaParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a rate-limit quota; write a count and a period, such as `5/min`, `100/s`, `1000/h` or `10/30s`",
            self.0
        )
    }
}

impl std::error::Error for QuotaParseError {}

impl FromStr for Quota {
    type Err = QuotaParseError;

    /// Reads `COUNT/PERIOD`, the period being `s`, `min`, `h` or `d`,
    /// optionally preceded by a number (`10/30s`); a bare count means per
    /// minute.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || QuotaParseError(text.to_owned());
        let (count, period) = text.trim().split_once('/').unwrap_or((text.trim(), "min"));
        let max: u32 = count.trim().parse().map_err(|_| error())?;
        let period = period.trim();
        let digits = period.bytes().take_while(u8::is_ascii_digit).count();
        let (times, unit) = period.split_at(digits);
        let times: u64 = if times.is_empty() {
            1
        } else {
            times.parse().map_err(|_| error())?
        };
        let unit = match unit.trim() {
            "s" | "sec" | "second" | "seconds" => 1,
            "m" | "min" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            _ => return Err(error()),
        };
        Self::new(max, Duration::from_secs(times.saturating_mul(unit))).ok_or_else(error)
    }
}

/// A request refused by a rate limit: which limit, its quota, and when to
/// come back. Rendered as 429 with `Retry-After`, `RateLimit-Policy` and
/// `RateLimit` by [`crate::AuthRejection`] and the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Exceeded {
    /// The limit's name.
    pub name: &'static str,
    /// The quota in force.
    pub quota: Quota,
    /// When the next request fits.
    pub retry_after: Duration,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse_from_text() {
        let minute = Quota::per_minute(5).unwrap();
        assert_eq!("5/min".parse::<Quota>().unwrap(), minute);
        assert_eq!("5".parse::<Quota>().unwrap(), minute);
        assert_eq!(
            "10/30s".parse::<Quota>().unwrap(),
            Quota::new(10, Duration::from_secs(30)).unwrap()
        );
        assert_eq!(
            "1000/h".parse::<Quota>().unwrap().period,
            Duration::from_secs(3600)
        );
        for bad in ["0/min", "x/min", "5/fortnight", "5/0s", ""] {
            assert!(bad.parse::<Quota>().is_err(), "{bad}");
        }
    }
}
