//! The default store: governor's GCRA in memory, one keyed limiter per
//! declared limit, with idle buckets evicted so memory stays bounded.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::HashMapStateStore;

use super::store::{Admission, Quota, RateLimitStore};
use crate::future::BoxFuture;
use crate::unavailable::StoreUnavailable;

/// How often idle buckets are swept by default: every ten seconds.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(10);

type Limiter<C> =
    governor::RateLimiter<Box<str>, HashMapStateStore<Box<str>>, C, StateInformationMiddleware>;

/// Rate-limit buckets in this process's memory (governor's GCRA), the
/// default [`RateLimitStore`].
///
/// One keyed limiter per limit name; a bucket is a key and one 64-bit
/// state. A bucket that has refilled completely is indistinguishable from a
/// new one, so it is dropped: at most every `sweep_interval` (ten seconds by
/// default), the check that finds the interval over removes every full
/// bucket (governor keeps a bucket one refill interval longer, to be
/// sure). Memory therefore holds only the keys seen within the last period
/// (and one interval) of each limit. For several instances behind a load balancer use a
/// shared store instead (each instance would otherwise allow the quota).
///
/// ```
/// use portcullis::rate_limit::{Admission, MemoryStore, Quota, RateLimitStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let quota = Quota::per_minute(1).unwrap();
/// assert!(matches!(store.check("login", "203.0.113.9", quota).await, Ok(Admission::Allowed { remaining: 0, .. })));
/// assert!(matches!(store.check("login", "203.0.113.9", quota).await, Ok(Admission::Limited { .. })));
/// assert!(matches!(store.check("login", "198.51.100.7", quota).await, Ok(Admission::Allowed { .. })));
/// # });
/// ```
pub struct MemoryStore<C: Clock = DefaultClock> {
    clock: C,
    limits: RwLock<HashMap<Box<str>, Bucketed<C>>>,
    sweep_every: u64,
    /// Nanoseconds since `origin` of the last sweep.
    last_sweep: AtomicU64,
    origin: C::Instant,
}

struct Bucketed<C: Clock> {
    quota: Quota,
    limiter: Arc<Limiter<C>>,
}

impl MemoryStore {
    /// An empty store on the monotonic clock, sweeping idle buckets every
    /// [`DEFAULT_SWEEP_INTERVAL`].
    pub fn new() -> Self {
        Self::with_clock(DefaultClock::default())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Clock + Clone + Send + Sync + 'static> MemoryStore<C> {
    /// An empty store reading time from `clock` (governor's
    /// `FakeRelativeClock` lets tests move time by hand).
    pub fn with_clock(clock: C) -> Self {
        let origin = clock.now();
        Self {
            clock,
            limits: RwLock::new(HashMap::new()),
            sweep_every: nanos(DEFAULT_SWEEP_INTERVAL),
            last_sweep: AtomicU64::new(0),
            origin,
        }
    }

    /// Sweeps idle buckets at most every `interval` instead.
    #[must_use]
    pub fn sweep_interval(mut self, interval: Duration) -> Self {
        self.sweep_every = nanos(interval);
        self
    }

    /// How many buckets are held, over every limit.
    pub fn len(&self) -> usize {
        self.read()
            .values()
            .map(|bucketed| bucketed.limiter.len())
            .sum()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every bucket that has refilled completely (an idle key) now.
    pub fn evict_idle(&self) {
        for bucketed in self.read().values() {
            bucketed.limiter.retain_recent();
            bucketed.limiter.shrink_to_fit();
        }
    }

    /// Takes one request from `limit`'s bucket for `key`.
    pub fn check_now(&self, limit: &str, key: &str, quota: Quota) -> Admission {
        self.sweep_if_due();
        let limiter = self.limiter(limit, quota);
        match limiter.check_key(&Box::from(key)) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Admission::Allowed {
                    remaining,
                    reset: quota.interval() * (quota.max.get() - remaining),
                }
            }
            Err(not_until) => Admission::Limited {
                retry_after: not_until.wait_time_from(self.clock.now()),
            },
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Box<str>, Bucketed<C>>> {
        // A panic while holding the lock leaves the map itself intact.
        self.limits
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The limiter of `limit`, made (or remade, when its quota changed) on
    /// first use.
    fn limiter(&self, limit: &str, quota: Quota) -> Arc<Limiter<C>> {
        if let Some(bucketed) = self.read().get(limit)
            && bucketed.quota == quota
        {
            return Arc::clone(&bucketed.limiter);
        }
        let mut limits = self
            .limits
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        let bucketed = limits
            .entry(Box::from(limit))
            .and_modify(|bucketed| {
                if bucketed.quota != quota {
                    *bucketed = Bucketed::new(quota, self.clock.clone());
                }
            })
            .or_insert_with(|| Bucketed::new(quota, self.clock.clone()));
        Arc::clone(&bucketed.limiter)
    }

    fn sweep_if_due(&self) {
        let now = u64::from(self.clock.now().duration_since(self.origin));
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now.saturating_sub(last) < self.sweep_every {
            return;
        }
        // One caller sweeps; the others go on.
        if self
            .last_sweep
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.evict_idle();
        }
    }
}

impl<C: Clock> Bucketed<C> {
    fn new(quota: Quota, clock: C) -> Self {
        let governed = governor::Quota::with_period(quota.interval().max(Duration::from_nanos(1)))
            .map(|per_cell| per_cell.allow_burst(quota.max));
        let governed = governed.unwrap_or_else(|| governor::Quota::per_second(quota.max));
        Self {
            quota,
            limiter: Arc::new(
                governor::RateLimiter::hashmap_with_clock(governed, clock)
                    .with_middleware::<StateInformationMiddleware>(),
            ),
        }
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl<C: Clock + Clone + Send + Sync + 'static> RateLimitStore for MemoryStore<C>
where
    C::Instant: Send + Sync,
{
    fn check<'a>(
        &'a self,
        limit: &'a str,
        key: &'a str,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Admission, StoreUnavailable>> {
        let admission = self.check_now(limit, key, quota);
        Box::pin(std::future::ready(Ok(admission)))
    }
}

impl<C: Clock> fmt::Debug for MemoryStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn a_bucket_refills_evenly_and_idle_buckets_are_evicted() {
        let clock = FakeRelativeClock::default();
        let store = MemoryStore::with_clock(clock.clone()).sweep_interval(Duration::from_secs(30));
        let quota = Quota::per_minute(2).unwrap();
        assert_eq!(
            store.check_now("login", "a", quota),
            Admission::Allowed {
                remaining: 1,
                reset: Duration::from_secs(30)
            }
        );
        assert!(matches!(
            store.check_now("login", "a", quota),
            Admission::Allowed { remaining: 0, .. }
        ));
        assert_eq!(
            store.check_now("login", "a", quota),
            Admission::Limited {
                retry_after: Duration::from_secs(30)
            }
        );
        store.check_now("login", "b", quota);
        assert_eq!(store.len(), 2);
        // a period and one interval later both buckets are full again: idle
        clock.advance(Duration::from_secs(91));
        store.check_now("other", "c", quota);
        assert_eq!(store.len(), 1, "the sweep dropped the idle buckets");
        assert!(matches!(
            store.check_now("login", "a", quota),
            Admission::Allowed { remaining: 1, .. }
        ));
    }

    #[test]
    fn a_changed_quota_starts_fresh_buckets() {
        let store = MemoryStore::new();
        let one = Quota::per_minute(1).unwrap();
        store.check_now("l", "k", one);
        assert!(matches!(
            store.check_now("l", "k", one),
            Admission::Limited { .. }
        ));
        let more = Quota::per_minute(10).unwrap();
        assert!(matches!(
            store.check_now("l", "k", more),
            Admission::Allowed { remaining: 9, .. }
        ));
    }
}
