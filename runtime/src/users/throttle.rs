//! Limits on failed password checks, applied before any hash: per client
//! address (one address flooding a login soon gets 429 without costing
//! Argon2 work) and per username (repeated failures slow that username
//! down, but never lock it out).

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::proxy::TrustedProxies;
use crate::rate_limit::{Admission, Exceeded, NO_PEER_KEY, Quota, RateLimitStore};
use crate::unavailable::StoreUnavailable;

/// The limit name of failed checks per client address (in `RateLimit` headers).
pub const FAILURES_PER_ADDRESS: &str = "login-failures";
/// The limit name of failed checks per username.
pub const FAILURES_PER_USERNAME: &str = "login-failures-user";

/// How many failed password checks are tolerated.
///
/// By default an address may fail 10 times a minute; past that, every
/// password check from it is refused with 429 before any hash, the right
/// password included, until its bucket refills. A username may fail 5 times
/// a minute (from any addresses); past that, each check for it waits one
/// second first. The wait slows guessing without locking the owner out: no
/// address can make a username refuse its right password.
///
/// ```
/// use std::time::Duration;
/// use portcullis::rate_limit::Quota;
/// use portcullis::users::FailureLimits;
///
/// let limits = FailureLimits::default()
///     .per_address(Quota::per_minute(20).unwrap())
///     .slowdown(Duration::from_millis(500));
/// # let _ = limits;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct FailureLimits {
    per_address: Option<Quota>,
    per_username: Option<Quota>,
    slowdown: Duration,
}

impl Default for FailureLimits {
    fn default() -> Self {
        Self {
            per_address: Quota::per_minute(10),
            per_username: Quota::per_minute(5),
            slowdown: Duration::from_secs(1),
        }
    }
}

impl FailureLimits {
    /// No limit on failures (a load test's setting; not for production).
    pub fn off() -> Self {
        Self {
            per_address: None,
            per_username: None,
            slowdown: Duration::ZERO,
        }
    }

    /// Failed checks one client address may make.
    pub fn per_address(mut self, quota: Quota) -> Self {
        self.per_address = Some(quota);
        self
    }

    /// Failed checks one username may take before it is slowed down.
    pub fn per_username(mut self, quota: Quota) -> Self {
        self.per_username = Some(quota);
        self
    }

    /// How long each check of a slowed-down username waits.
    pub fn slowdown(mut self, wait: Duration) -> Self {
        self.slowdown = wait;
        self
    }
}

/// Why the throttle refused a password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Throttled {
    /// Too many failures from the client's address.
    Limited(Exceeded),
    /// The rate-limit store could not answer (fail closed).
    Unavailable(StoreUnavailable),
}

/// Applies [`FailureLimits`] through the configured [`RateLimitStore`];
/// [`crate::Security`] owns one, shared by Basic and the password grant.
///
/// The store only counts failures; which addresses are refused and which
/// usernames slowed is remembered here until their buckets refill, so a
/// check costs no store round trip unless it fails. Cloning is cheap.
#[derive(Clone)]
pub struct LoginThrottle(Arc<Inner>);

struct Inner {
    limits: FailureLimits,
    store: Arc<dyn RateLimitStore>,
    proxies: TrustedProxies,
    blocked: Mutex<HashMap<String, (Instant, Exceeded)>>,
    slowed: Mutex<HashMap<String, Instant>>,
}

/// Above this many remembered entries, expired ones are dropped on insert.
const SWEEP_ABOVE: usize = 1024;

impl LoginThrottle {
    pub(crate) fn new(
        limits: FailureLimits,
        store: Arc<dyn RateLimitStore>,
        proxies: TrustedProxies,
    ) -> Self {
        Self(Arc::new(Inner {
            limits,
            store,
            proxies,
            blocked: Mutex::default(),
            slowed: Mutex::default(),
        }))
    }

    /// The trusted proxies that name the client behind them.
    pub fn proxies(&self) -> &TrustedProxies {
        &self.0.proxies
    }

    /// Before the hash: refuses a client address over its failure limit,
    /// and waits first when the username is slowed down.
    pub async fn before_check(
        &self,
        client: Option<IpAddr>,
        username: &str,
    ) -> Result<(), Throttled> {
        let now = Instant::now();
        let address = address_key(client);
        if let Some((until, exceeded)) = lock(&self.0.blocked).get(address.as_str()).copied()
            && until > now
        {
            tracing::warn!(target: "portcullis::rate_limit", limit = FAILURES_PER_ADDRESS, client = %address, "too many failed password checks from this address; refused before hashing");
            return Err(Throttled::Limited(Exceeded {
                retry_after: until - now,
                ..exceeded
            }));
        }
        let slowed = lock(&self.0.slowed)
            .get(username)
            .is_some_and(|until| *until > now);
        if slowed && !self.0.limits.slowdown.is_zero() {
            tracing::info!(target: "portcullis::rate_limit", limit = FAILURES_PER_USERNAME, "username under repeated failures; slowing this check down");
            tokio::time::sleep(self.0.limits.slowdown).await;
        }
        Ok(())
    }

    /// After a failed check: counts the failure against the address and the
    /// username; an address over its limit is refused from now on (this
    /// answer included), a username over its limit is slowed down.
    pub async fn after_failure(
        &self,
        client: Option<IpAddr>,
        username: &str,
    ) -> Result<(), Throttled> {
        let address = address_key(client);
        if let Some(quota) = self.0.limits.per_username {
            let admission = self
                .0
                .store
                .check(FAILURES_PER_USERNAME, username, quota)
                .await
                .map_err(Throttled::Unavailable)?;
            if let Admission::Limited { retry_after } = admission {
                remember(
                    &self.0.slowed,
                    username,
                    Instant::now() + retry_after,
                    |until| *until,
                );
            }
        }
        if let Some(quota) = self.0.limits.per_address {
            let admission = self
                .0
                .store
                .check(FAILURES_PER_ADDRESS, &address, quota)
                .await
                .map_err(Throttled::Unavailable)?;
            if let Admission::Limited { retry_after } = admission {
                let exceeded = Exceeded {
                    name: FAILURES_PER_ADDRESS,
                    quota,
                    retry_after,
                };
                remember(
                    &self.0.blocked,
                    &address,
                    (Instant::now() + retry_after, exceeded),
                    |(until, _)| *until,
                );
                tracing::warn!(target: "portcullis::rate_limit", limit = FAILURES_PER_ADDRESS, client = %address, "too many failed password checks from this address");
                return Err(Throttled::Limited(exceeded));
            }
        }
        Ok(())
    }
}

fn address_key(client: Option<IpAddr>) -> String {
    client.map_or_else(|| NO_PEER_KEY.to_owned(), |address| address.to_string())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

fn remember<V>(
    map: &Mutex<HashMap<String, V>>,
    key: &str,
    value: V,
    until: impl Fn(&V) -> Instant,
) {
    let mut map = lock(map);
    if map.len() > SWEEP_ABOVE {
        let now = Instant::now();
        map.retain(|_, value| until(value) > now);
    }
    map.insert(key.to_owned(), value);
}

impl fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("limits", &self.0.limits)
            .finish_non_exhaustive()
    }
}
