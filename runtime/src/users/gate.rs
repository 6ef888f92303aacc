//! The gate every password check passes: a bounded number of Argon2 hashes
//! at a time, each in memory reused from the previous one.
//!
//! Without it, every HTTP Basic or `/token` request queues a 19 MiB Argon2
//! hash on the blocking pool with no bound: a single client without
//! credentials then grows the process by gigabytes, starves every other
//! request, and the hashes run on after the client has gone.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use argon2::Block;
use tokio::sync::{Semaphore, TryAcquireError, oneshot};

use crate::config_error::ConfigError;

/// How long a password check waits for a hashing permit by default.
pub const DEFAULT_HASHING_WAIT: Duration = Duration::from_secs(1);

/// Bounds on password hashing, set with [`crate::users::UserDirectory::hashing`].
///
/// - `permits`: how many Argon2 hashes run at once (default: the number of
///   cores, [`std::thread::available_parallelism`]). Each permit owns one
///   reusable Argon2 memory block (19 MiB with the default parameters),
///   allocated on first use, so hashing memory never exceeds
///   `permits × 19 MiB`.
/// - `wait`: how long a check waits for a permit before it is refused with
///   503 and `Retry-After` (default one second).
/// - `per_client`: how many checks from one client address may be inside
///   the gate (waiting or hashing) at once (default: half the permits,
///   rounded up); more are refused at once, so one address can neither fill
///   the queue ahead of everyone else nor hold every permit. IPv6 addresses count per /64. The address is the connection's
///   peer ([`axum::extract::ConnectInfo`]); requests without one share no
///   per-client bound.
/// - `retry_after`: the `Retry-After` sent with the refusal (default one
///   second).
///
/// ```
/// use std::time::Duration;
/// use portcullis::users::HashingLimits;
///
/// let limits = HashingLimits::new().permits(4).wait(Duration::from_millis(500)).per_client(2);
/// assert_eq!(limits.permit_count(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct HashingLimits {
    permits: usize,
    wait: Duration,
    per_client: Option<usize>,
    retry_after: Duration,
}

impl Default for HashingLimits {
    fn default() -> Self {
        Self::new()
    }
}

impl HashingLimits {
    /// One permit per core, a one-second wait, `per_client` half the permits.
    pub fn new() -> Self {
        Self {
            permits: std::thread::available_parallelism().map_or(1, usize::from),
            wait: DEFAULT_HASHING_WAIT,
            per_client: None,
            retry_after: Duration::from_secs(1),
        }
    }

    /// How many hashes run at once; at least one.
    pub fn permits(mut self, permits: usize) -> Self {
        self.permits = permits;
        self
    }

    /// How long a check waits for a permit before a 503.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// How many checks from one client address may wait or hash at once.
    pub fn per_client(mut self, checks: usize) -> Self {
        self.per_client = Some(checks);
        self
    }

    /// The `Retry-After` sent with a refusal; rounded up to whole seconds.
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// How many hashes run at once.
    pub fn permit_count(&self) -> usize {
        self.permits
    }

    fn checked(self) -> Result<Self, ConfigError> {
        if self.permits == 0 {
            return Err(ConfigError::Limit(
                "password hashing has zero permits, so no password could ever be checked; allow at least one",
            ));
        }
        if self.per_client == Some(0) {
            return Err(ConfigError::Limit(
                "password hashing allows zero checks per client; allow at least one",
            ));
        }
        Ok(self)
    }
}

/// Every hashing permit was taken for longer than the configured wait, or
/// the client already had its share inside the gate.
///
/// Answered with 503, `Retry-After` and the problem code `hashing_busy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashingBusy {
    retry_after: Duration,
}

impl HashingBusy {
    /// What to send as `Retry-After`.
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// `Retry-After` in whole seconds, at least one.
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs();
        let secs = if self.retry_after.subsec_nanos() > 0 {
            secs.saturating_add(1)
        } else {
            secs
        };
        secs.max(1)
    }
}

impl fmt::Display for HashingBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("every password hashing permit is taken")
    }
}

impl std::error::Error for HashingBusy {}

/// What the gate has done since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HashingStats {
    /// Argon2 hashes computed.
    pub hashed: u64,
    /// Checks refused with [`HashingBusy`].
    pub refused: u64,
    /// Checks whose caller was gone before their turn: no hash was run.
    pub abandoned: u64,
}

/// Why a check through the gate did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GateError {
    Busy(HashingBusy),
    /// The hashing task died (a panic); refuse.
    Failed,
}

/// The gate itself; cloned (cheaply) with the user directory.
#[derive(Clone)]
pub(crate) struct HashingGate(Arc<Inner>);

struct Inner {
    limits: HashingLimits,
    per_client: usize,
    permits: Arc<Semaphore>,
    /// Argon2 memory of finished hashes, at most one per permit.
    memory: Mutex<Vec<Vec<Block>>>,
    /// Checks inside the gate per client address.
    clients: Mutex<HashMap<IpAddr, usize>>,
    hashed: AtomicU64,
    refused: AtomicU64,
    abandoned: AtomicU64,
}

impl HashingGate {
    pub(crate) fn new(limits: HashingLimits) -> Result<Self, ConfigError> {
        let limits = limits.checked()?;
        Ok(Self(Arc::new(Inner {
            per_client: limits.per_client.unwrap_or(limits.permits.div_ceil(2)),
            permits: Arc::new(Semaphore::new(limits.permits)),
            memory: Mutex::new(Vec::with_capacity(limits.permits)),
            clients: Mutex::new(HashMap::new()),
            hashed: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            limits,
        })))
    }

    pub(crate) fn limits(&self) -> &HashingLimits {
        &self.0.limits
    }

    pub(crate) fn stats(&self) -> HashingStats {
        HashingStats {
            hashed: self.0.hashed.load(Ordering::Relaxed),
            refused: self.0.refused.load(Ordering::Relaxed),
            abandoned: self.0.abandoned.load(Ordering::Relaxed),
        }
    }

    /// Counts `client` in (before its user is even looked up), unless it
    /// has its share inside already: then [`GateError::Busy`] at once.
    pub(crate) fn enter(&self, client: Option<IpAddr>) -> Result<ClientSlot, GateError> {
        self.try_enter(client).ok_or_else(|| self.busy())
    }

    /// Runs `check` with a reusable Argon2 memory block once a permit is
    /// free, on the blocking pool; refuses when no permit frees up within
    /// the wait. If this future is dropped before the check's turn, the
    /// check never runs.
    pub(crate) async fn run<F>(&self, slot: ClientSlot, check: F) -> Result<bool, GateError>
    where
        F: FnOnce(&mut Vec<Block>) -> bool + Send + 'static,
    {
        let permits = Arc::clone(&self.0.permits);
        // A free permit is taken at once: the wait's timer is armed only
        // when there is something to wait for.
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return Err(GateError::Failed),
            Err(TryAcquireError::NoPermits) => {
                match tokio::time::timeout(self.0.limits.wait, permits.acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    Ok(Err(_)) => return Err(GateError::Failed),
                    Err(_) => return Err(self.busy()),
                }
            }
        };
        let (answer, answered) = oneshot::channel();
        let inner = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            // The permit and the client's slot are held until the hash is
            // done, even if the caller has gone meanwhile, and given back
            // before the answer, so the caller's next check finds them free.
            if answer.is_closed() {
                inner.abandoned.fetch_add(1, Ordering::Relaxed);
                return;
            }
            let mut memory = inner.take_memory();
            let matched = check(&mut memory);
            inner.hashed.fetch_add(1, Ordering::Relaxed);
            inner.give_back(memory);
            drop(slot);
            drop(permit);
            let _ = answer.send(matched);
        });
        answered.await.map_err(|_| GateError::Failed)
    }

    fn busy(&self) -> GateError {
        self.0.refused.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(target: "portcullis::auth", "password hashing busy; refusing with 503");
        GateError::Busy(HashingBusy {
            retry_after: self.0.limits.retry_after,
        })
    }

    fn try_enter(&self, client: Option<IpAddr>) -> Option<ClientSlot> {
        let Some(client) = client.map(client_key) else {
            return Some(ClientSlot { gate: None });
        };
        let mut clients = self
            .0
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let inside = clients.entry(client).or_insert(0);
        if *inside >= self.0.per_client {
            return None;
        }
        *inside += 1;
        Some(ClientSlot {
            gate: Some((Arc::clone(&self.0), client)),
        })
    }
}

impl Inner {
    fn take_memory(&self) -> Vec<Block> {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    fn give_back(&self, memory: Vec<Block>) {
        let mut pool = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        // Never more blocks than permits: each running hash holds one.
        if pool.len() < self.limits.permits {
            pool.push(memory);
        }
    }
}

/// One check of a client inside the gate; leaving drops the count.
pub(crate) struct ClientSlot {
    gate: Option<(Arc<Inner>, IpAddr)>,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Some((inner, client)) = self.gate.take() {
            let mut clients = inner.clients.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(inside) = clients.get_mut(&client) {
                *inside = inside.saturating_sub(1);
                if *inside == 0 {
                    clients.remove(&client);
                }
            }
        }
    }
}

/// IPv4 addresses count alone, IPv6 addresses per /64 (one subscriber's
/// usual allocation).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

impl fmt::Debug for HashingGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashingGate")
            .field("limits", &self.0.limits)
            .field("stats", &self.stats())
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn gate(limits: HashingLimits) -> HashingGate {
        HashingGate::new(limits).unwrap()
    }

    #[test]
    fn zero_permits_are_refused() {
        assert!(HashingGate::new(HashingLimits::new().permits(0)).is_err());
        assert!(HashingGate::new(HashingLimits::new().per_client(0)).is_err());
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), "127.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn retry_after_rounds_up_to_a_whole_second() {
        let busy = |ms| HashingBusy {
            retry_after: Duration::from_millis(ms),
        };
        assert_eq!(busy(0).retry_after_secs(), 1);
        assert_eq!(busy(1500).retry_after_secs(), 2);
        assert_eq!(busy(3000).retry_after_secs(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_checks_never_exceed_the_permits() {
        let gate = gate(
            HashingLimits::new()
                .permits(2)
                .wait(Duration::from_secs(30)),
        );
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let checks = (0..8).map(|_| {
            let (gate, running, most) = (gate.clone(), Arc::clone(&running), Arc::clone(&most));
            tokio::spawn(async move {
                gate.run(gate.enter(None).unwrap(), move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    true
                })
                .await
            })
        });
        for check in checks.collect::<Vec<_>>() {
            assert_eq!(check.await.unwrap(), Ok(true));
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(gate.stats().hashed, 8);
        // At most one memory block per permit was kept.
        assert!(gate.0.memory.lock().unwrap().len() <= 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_over_its_share_is_refused_at_once() {
        let gate = gate(
            HashingLimits::new()
                .permits(1)
                .per_client(1)
                .wait(Duration::from_secs(30)),
        );
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let gate = gate.clone();
            async move {
                gate.run(gate.enter(Some(client)).unwrap(), move |_| {
                    released.recv().is_ok()
                })
                .await
            }
        });
        while gate.0.clients.lock().unwrap().get(&client).is_none() {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gate.enter(Some(client)), Err(GateError::Busy(_))));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
        // Its slot was given back.
        assert!(gate.0.clients.lock().unwrap().is_empty());
        assert_eq!(
            gate.run(gate.enter(Some(client)).unwrap(), |_| true).await,
            Ok(true)
        );
        assert_eq!(gate.stats().refused, 1);
    }

    #[test]
    fn a_check_whose_caller_is_gone_is_not_hashed() {
        // One blocking thread: the second check, holding a permit, waits
        // behind the first for that thread while its caller goes away.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let gate = gate(
                HashingLimits::new()
                    .permits(2)
                    .wait(Duration::from_secs(30)),
            );
            let (release, released) = std::sync::mpsc::channel::<()>();
            let blocker = tokio::spawn({
                let gate = gate.clone();
                async move {
                    gate.run(gate.enter(None).unwrap(), move |_| released.recv().is_ok())
                        .await
                }
            });
            let waiting = tokio::spawn({
                let gate = gate.clone();
                async move { gate.run(gate.enter(None).unwrap(), |_| true).await }
            });
            while gate.0.permits.available_permits() > 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            waiting.abort();
            assert!(waiting.await.unwrap_err().is_cancelled());
            release.send(()).unwrap();
            assert_eq!(blocker.await.unwrap(), Ok(true));
            while gate.0.permits.available_permits() < 2 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let stats = gate.stats();
            assert_eq!((stats.hashed, stats.abandoned), (1, 1), "{stats:?}");
        });
    }
}
