//! Where rate-limit state lives: in memory (one instance) or in a shared
//! store (several instances). The limiter only talks to this trait.

use std::num::NonZeroU32;
use std::time::Duration;

use crate::future::BoxFuture;
use crate::unavailable::StoreUnavailable;

/// At most `max` requests per `period`, refilled evenly (GCRA, as governor
/// implements it: a burst of `max`, then one request every `period / max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Requests allowed in one period (the burst).
    pub max: NonZeroU32,
    /// The window the quota refills over.
    pub period: Duration,
}

/// The limiter's answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Let through; `remaining` more fit before the bucket is empty, and it
    /// is full again after `reset`.
    Allowed {
        /// Requests left in the current window.
        remaining: u32,
        /// Time until the quota is whole again.
        reset: Duration,
    },
    /// Refused; the next request fits after `retry_after`.
    Limited {
        /// Time until one more request fits.
        retry_after: Duration,
    },
}

/// Keeps the buckets of every rate limit.
///
/// `limit` names the declared limit (its route table name) and `key` the
/// bucket within it (a client address, a subject, a username); together they
/// identify one bucket. Implementations must be atomic: two instances
/// checking the same bucket at once never both take its last request.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Takes one request from the bucket, or says how long to wait.
    fn check<'a>(
        &'a self,
        limit: &'a str,
        key: &'a str,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Admission, StoreUnavailable>>;
}
