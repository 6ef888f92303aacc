//! A shared store (Redis, a database) that could not answer in time.
//!
//! Whatever asked is refused with 503 and `Retry-After` (fail closed), unless
//! the application opted to fail open for that store; either way the failure
//! is logged loudly.

use std::fmt;
use std::time::Duration;

/// A store could not answer; nothing it would have said is assumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUnavailable {
    /// Which store failed (`"rate limits"`, `"revocations"`, `"sessions"`).
    pub store: &'static str,
    /// Why, for the log only: never sent to the client.
    pub detail: String,
    /// What to send as `Retry-After`.
    pub retry_after: Duration,
}

impl fmt::Display for StoreUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} store is unavailable: {}", self.store, self.detail)
    }
}

impl std::error::Error for StoreUnavailable {}
