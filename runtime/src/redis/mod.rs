//! Shared state for several instances: rate limits and revoked tokens kept
//! in Redis, Redis Cluster or Valkey, through one [`fred`] connection pool
//! (the client tower-sessions' Redis store is built on, so sessions can share
//! it: [`RedisStore::pool`]).
//!
//! - [`RedisRateLimits`]: a [`crate::rate_limit::RateLimitStore`]; one Lua
//!   script per check (GCRA, atomic), one round trip, only on routes that
//!   declare a limit.
//! - [`RedisRevocations`]: a [`crate::auth::bearer::RevocationStore`]; writes
//!   go to Redis, reads to a local view kept current by `PUBLISH`es, so an
//!   authenticated request makes no round trip. Heartbeats bound how stale
//!   that view may be ([`DEFAULT_STALENESS_BOUND`]); past the bound tokens are
//!   refused with 503.
//! - [`RedisSessions`] (with the `sessions` feature): browser sessions in
//!   Redis behind a bounded local cache, which the revocation feed keeps
//!   current (a session ended on one instance is refused on every other
//!   within the same bound); a per-user index changed by atomic scripts.
//!
//! Every key a script touches shares one hash tag (`{…}`), so the scripts run
//! unchanged on Redis Cluster. When Redis cannot answer, requests that need it
//! are refused with 503 and `Retry-After` (the failure is logged), the server
//! keeps serving everything else, and the client reconnects by itself.
//!
//! ```no_run
//! use portcullis::Security;
//! use portcullis::redis::{RedisRateLimits, RedisRevocations, RedisStore};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let redis = RedisStore::connect("redis://127.0.0.1:6379").await?;
//! let revocations = RedisRevocations::start(&redis).await?;
//! let limits = RedisRateLimits::new(&redis);
//! let security = Security::builder().revocation(revocations).build()?;
//! # let _ = (security, limits);
//! # Ok(())
//! # }
//! ```

mod rate_limit;
mod revocation;
#[cfg(feature = "sessions")]
mod sessions;

use std::fmt;
use std::time::Duration;

pub use fred;
use fred::clients::{Pool, SubscriberClient};
use fred::interfaces::{ClientLike, PubsubInterface};
use fred::types::Builder;
use fred::types::config::{Config, ReconnectPolicy};

pub use rate_limit::RedisRateLimits;
pub use revocation::{DEFAULT_HEARTBEAT, DEFAULT_STALENESS_BOUND, RedisRevocations};
#[cfg(feature = "sessions")]
pub use sessions::{DEFAULT_SESSION_CACHE_CAPACITY, RedisSessions, RedisSessionsBuilder};

/// How long connecting (TCP, and TLS with a `rediss://` URL) may take, at
/// start-up and on every reconnect: 2 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long one command may take, queueing while reconnecting included,
/// before the request that needed it is refused with 503: 500 ms.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// The reconnect policy: forever, waiting 100 ms after the first failure,
/// doubling up to 2 s between attempts.
const RECONNECT_MIN_DELAY_MS: u32 = 100;
const RECONNECT_MAX_DELAY_MS: u32 = 2_000;

/// How to reach Redis; [`RedisOptions::default`] holds the documented
/// defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisOptions {
    /// See [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// See [`DEFAULT_COMMAND_TIMEOUT`].
    pub command_timeout: Duration,
    /// Connections in the pool (each multiplexes many commands): 2.
    pub pool_size: usize,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            pool_size: 2,
        }
    }
}

impl RedisOptions {
    /// Sets [`RedisOptions::command_timeout`].
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// Sets [`RedisOptions::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`RedisOptions::pool_size`] (at least 1).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }
}

/// Redis could not be reached at start-up, or its URL is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConnectError(String);

impl fmt::Display for RedisConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot connect to Redis: {}", self.0)
    }
}

impl std::error::Error for RedisConnectError {}

impl From<fred::error::Error> for RedisConnectError {
    fn from(error: fred::error::Error) -> Self {
        Self(error.to_string())
    }
}

/// A connection pool to one Redis (`redis://host:port/db`), a Redis Cluster
/// (`redis-cluster://host:port?node=host:port&node=…`) or Valkey, shared by
/// every store built on it. Cloning is cheap.
///
/// After start-up it reconnects by itself, forever (100 ms doubling up to 2 s
/// between attempts); commands issued meanwhile fail after the command
/// timeout, and their requests are refused with 503.
#[derive(Clone)]
pub struct RedisStore {
    pool: Pool,
    builder: Builder,
    options: RedisOptions,
}

impl RedisStore {
    /// Connects with [`RedisOptions::default`]; fails if Redis does not
    /// answer within the connect timeout.
    pub async fn connect(url: &str) -> Result<Self, RedisConnectError> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects with `options`; fails if Redis does not answer within the
    /// connect timeout.
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, RedisConnectError> {
        let config = Config::from_url(url)?;
        let mut builder = Builder::from_config(config);
        builder
            .with_connection_config(|connection| {
                connection.connection_timeout = options.connect_timeout;
                connection.internal_command_timeout = options.connect_timeout;
                // A connection that stops answering is dropped and reconnected.
                connection.unresponsive.max_timeout = Some(options.connect_timeout);
                connection.unresponsive.interval = Duration::from_millis(500);
            })
            .with_performance_config(|performance| {
                performance.default_command_timeout = options.command_timeout;
                // Revocation events may come in bursts; a lagging reader reloads.
                performance.broadcast_channel_capacity = 1024;
            })
            .set_policy(ReconnectPolicy::new_exponential(
                0,
                RECONNECT_MIN_DELAY_MS,
                RECONNECT_MAX_DELAY_MS,
                2,
            ));
        let pool = builder.build_pool(options.pool_size.max(1))?;
        match tokio::time::timeout(options.connect_timeout, pool.init()).await {
            Ok(Ok(_task)) => Ok(Self {
                pool,
                builder,
                options,
            }),
            Ok(Err(error)) => Err(error.into()),
            Err(_) => {
                let _ = pool.quit().await;
                Err(RedisConnectError(format!(
                    "no answer within {:?}",
                    options.connect_timeout
                )))
            }
        }
    }

    /// The fred pool, for other stores on the same connections (for example
    /// tower-sessions' `RedisStore::new(store.pool().clone())`).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The options this store was connected with.
    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// A dedicated connection subscribed to `channel`, resubscribing after
    /// every reconnect; its messages arrive on `message_rx()`, reconnects
    /// on `reconnect_rx()`.
    pub(crate) async fn subscriber(
        &self,
        channel: &str,
    ) -> Result<SubscriberClient, RedisConnectError> {
        let subscriber = self.builder.build_subscriber_client()?;
        match tokio::time::timeout(self.options.connect_timeout, subscriber.init()).await {
            Ok(result) => drop(result?),
            Err(_) => {
                return Err(RedisConnectError(format!(
                    "the subscriber got no answer within {:?}",
                    self.options.connect_timeout
                )));
            }
        }
        subscriber.subscribe(channel).await?;
        drop(subscriber.manage_subscriptions());
        Ok(subscriber)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
