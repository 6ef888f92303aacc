//! A shared store (Redis, a database) that could not answer in time.
//!
//! Whatever asked is refused with 503 and `Retry-After` (fail closed), unless
//! the application opted to fail open for that store; either way the failure
//! is logged loudly.

use std::fmt;
use std::time::Duration;

use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::problem::{Problem, ProblemResponder};

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
        write!(
            f,
            "the {} store is unavailable: {}",
            self.store, self.detail
        )
    }
}

impl std::error::Error for StoreUnavailable {}

impl StoreUnavailable {
    /// The problem document the client sees: 503 `store_unavailable`, with
    /// nothing of [`StoreUnavailable::detail`].
    pub fn problem(&self) -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "a store this request needs is unavailable; try again later",
        )
    }

    /// `Retry-After` in whole seconds, rounded up and at least 1.
    pub fn retry_after_header(&self) -> HeaderValue {
        let millis = self.retry_after.as_millis();
        HeaderValue::from(u64::try_from(millis.div_ceil(1000).max(1)).unwrap_or(u64::MAX))
    }

    /// The 503 answer rendered by `responder`, with `Retry-After`.
    pub fn respond(&self, responder: &ProblemResponder) -> Response {
        let mut response = responder.respond(self.problem());
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, self.retry_after_header());
        response
    }
}
