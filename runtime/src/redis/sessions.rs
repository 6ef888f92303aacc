//! Browser sessions in Redis, shared by every instance, behind a bounded
//! local cache kept current by the revocation feed.
//!
//! - Records: tower-sessions-redis-store on the same fred pool as every
//!   other Redis store (one key per session, the id, expiring with the
//!   record: `SET … EXAT`; a write never brings back a deleted session).
//! - Cache: up to [`DEFAULT_SESSION_CACHE_CAPACITY`] records read from
//!   Redis, each served for at most the staleness bound after it was read,
//!   and only while the feed is current. A session ended anywhere (logout,
//!   "log out everywhere", the per-user cap, expiry) is deleted in Redis,
//!   then its id is published on the revocation feed and every instance
//!   evicts it; a lost message is caught by the heartbeats, and a reload
//!   empties the cache. So a session ended at `t` is refused on every
//!   instance from `t + bound` on ([`super::DEFAULT_STALENESS_BOUND`],
//!   3 s), usually within milliseconds.
//! - Per-user index: a sorted set per user (score: the sign-in time),
//!   changed only by Lua scripts, so concurrent sign-ins on several
//!   instances never lose an entry and the cap holds; each script touches
//!   one key (hash-tagged), so it runs unchanged on Redis Cluster.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use fred::clients::Pool;
use fred::types::scripts::Script;
use sha2::{Digest, Sha256};
use tower_sessions_core::session_store;

use super::RedisStore;
use super::revocation::{FeedListener, RedisRevocations};
use crate::auth::session::{Id, Record, SessionIndex, SessionStore};
use crate::clock::unix_now;
use crate::future::BoxFuture;
use crate::unavailable::StoreUnavailable;

/// The default number of session records each instance caches: 10 000.
pub const DEFAULT_SESSION_CACHE_CAPACITY: u64 = 10_000;

/// What `Retry-After` says when Redis cannot answer for sessions.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Lists a session. KEYS: the user's index; ARGV: id, absolute timeout
/// (ms), cap. Scores are sign-in times in ms of Redis' clock (one clock for
/// every instance, so "oldest" means the same everywhere). Drops entries
/// older than the absolute timeout, adds the id, unlists the oldest beyond
/// the cap (never the new one) and answers them; the index expires with its
/// last session.
const ADD: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local absolute = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now - absolute))
redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local evicted = {}
if excess > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess)) do
    if #evicted < excess and id ~= ARGV[1] then
      table.insert(evicted, id)
    end
  end
  redis.call('ZREM', KEYS[1], unpack(evicted))
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], string.format('%d', tonumber(last[2]) + absolute))
return evicted
";

/// Unlists a session. KEYS: the user's index; ARGV: id.
const REMOVE: &str = r"
return redis.call('ZREM', KEYS[1], ARGV[1])
";

/// Unlists every session of a user, answering them. KEYS: the index.
const TAKE_ALL: &str = r"
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return ids
";

static SCRIPTS: LazyLock<[Script; 3]> =
    LazyLock::new(|| [ADD, REMOVE, TAKE_ALL].map(Script::from_lua));

/// Browser sessions kept in Redis and shared by every instance, with a
/// bounded local cache; give it to
/// [`crate::SecurityBuilder::redis_sessions`].
///
/// Built on the connections of a [`RedisStore`] and on the feed of a
/// [`RedisRevocations`] started on it (the feed carries session ends too).
/// When Redis cannot answer, session routes are refused with 503 and
/// `Retry-After` (after at most the staleness bound, while cached records
/// are still trusted), and they recover by themselves.
///
/// ```no_run
/// use portcullis::Security;
/// use portcullis::redis::{RedisRevocations, RedisSessions, RedisStore};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = RedisStore::connect("redis://127.0.0.1:6379").await?;
/// let revocations = RedisRevocations::start(&redis).await?;
/// let sessions = RedisSessions::builder(&redis, &revocations)
///     .cache_capacity(50_000)
///     .build();
/// let security = Security::builder()
///     .revocation(revocations)
///     .redis_sessions(sessions)
///     .build()?;
/// # let _ = security;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisSessions(Arc<Inner>);

struct Inner {
    records: tower_sessions_redis_store::RedisStore<Pool>,
    store: RedisStore,
    feed: RedisRevocations,
    /// `None` with a capacity of 0.
    cache: Option<moka::sync::Cache<Id, Arc<Cached>>>,
    /// How long after its read a cached record may be served.
    ttl: Duration,
    /// Ids ended lately (kept as long as a cached record may be): a record
    /// read just before its end is not cached after it.
    ended: moka::sync::Cache<Id, ()>,
    /// Bumped by every reload of the feed (when the cache is emptied), for
    /// the same reason.
    flushes: AtomicU64,
}

struct Cached {
    record: Record,
    read_at: Instant,
}

/// Settings for [`RedisSessions`]; see [`RedisSessions::builder`].
#[must_use]
pub struct RedisSessionsBuilder {
    store: RedisStore,
    feed: RedisRevocations,
    capacity: u64,
    ttl: Duration,
}

impl RedisSessionsBuilder {
    /// Caches at most `records` session records per instance
    /// ([`DEFAULT_SESSION_CACHE_CAPACITY`] by default); 0 turns the cache
    /// off (every request reads Redis).
    pub fn cache_capacity(mut self, records: u64) -> Self {
        self.capacity = records;
        self
    }

    /// Serves a cached record for at most `ttl` after it was read from
    /// Redis; the feed's staleness bound by default, and never longer (a
    /// longer `ttl` is lowered to it), so a session ended on another
    /// instance is never served past the bound even if its message is lost.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The session store.
    pub fn build(self) -> RedisSessions {
        let ttl = self.ttl.min(self.feed.staleness_bound());
        let cache = (self.capacity > 0 && !ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(self.capacity)
                .time_to_live(ttl)
                .build()
        });
        let inner = Arc::new(Inner {
            records: tower_sessions_redis_store::RedisStore::new(self.store.pool().clone()),
            store: self.store,
            feed: self.feed,
            cache,
            ttl,
            ended: moka::sync::Cache::builder()
                .max_capacity(self.capacity.max(1))
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
            flushes: AtomicU64::new(0),
        });
        let listener: Arc<dyn FeedListener> = inner.clone();
        inner.feed.listen(Arc::downgrade(&listener));
        RedisSessions(inner)
    }
}

impl RedisSessions {
    /// Sessions on `store`'s connections, their cache kept current by
    /// `feed`, with the default cache ([`DEFAULT_SESSION_CACHE_CAPACITY`]
    /// records, each served up to the staleness bound).
    pub fn new(store: &RedisStore, feed: &RedisRevocations) -> Self {
        Self::builder(store, feed).build()
    }

    /// Settings for sessions on `store`'s connections, their cache kept
    /// current by `feed`.
    pub fn builder(store: &RedisStore, feed: &RedisRevocations) -> RedisSessionsBuilder {
        RedisSessionsBuilder {
            store: store.clone(),
            feed: feed.clone(),
            capacity: DEFAULT_SESSION_CACHE_CAPACITY,
            ttl: feed.staleness_bound(),
        }
    }

    /// How long a cached record may be served after it was read.
    pub fn cache_ttl(&self) -> Duration {
        self.0.ttl
    }

    /// The cache, when it may be used: the feed is current.
    fn cache(&self) -> Option<&moka::sync::Cache<Id, Arc<Cached>>> {
        let cache = self.0.cache.as_ref()?;
        self.0.feed.is_current().then_some(cache)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let cache = self.cache();
        if let Some(cached) = cache.and_then(|cache| cache.get(id))
            && cached.read_at.elapsed() < self.0.ttl
        {
            return Ok(Some(cached.record.clone()));
        }
        let flushes = self.0.flushes.load(Ordering::SeqCst);
        let read_at = Instant::now();
        let record = self.0.records.load(id).await?;
        let raced =
            || self.0.ended.contains_key(id) || self.0.flushes.load(Ordering::SeqCst) != flushes;
        if let (Some(cache), Some(record)) = (cache, &record)
            && !raced()
        {
            let cached = Cached {
                record: record.clone(),
                read_at,
            };
            cache.insert(*id, Arc::new(cached));
            // An end or a reload between the check and the insert: undo.
            if raced() {
                cache.invalidate(id);
            }
        }
        Ok(record)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0.records.save(record).await?;
        // Read again next time rather than trust this copy.
        if let Some(cache) = &self.0.cache {
            cache.invalidate(&record.id);
        }
        Ok(())
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.records.delete(id).await?;
        self.0.ended(id);
        if let Err(error) = self.0.feed.publish_ended(&[id.to_string()]).await {
            // The other instances' caches forget it within the bound anyway.
            tracing::warn!(
                target: "portcullis::auth",
                error,
                "a session end was not published; other instances drop it from their caches within the staleness bound"
            );
        }
        Ok(())
    }

    /// The key of `subject`'s index: a digest, so any subject fits, with a
    /// hash tag (one Cluster slot per user).
    fn index_key(subject: &str) -> String {
        let digest = Sha256::new()
            .chain_update(b"portcullis session index\0")
            .chain_update(subject.as_bytes())
            .finalize();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("portcullis:sessions:{{{hex}}}:index")
    }

    async fn run<T: fred::types::FromValue>(
        &self,
        script: usize,
        subject: &str,
        args: Vec<String>,
    ) -> Result<T, StoreUnavailable> {
        SCRIPTS[script]
            .evalsha_with_reload(self.0.store.pool().next(), Self::index_key(subject), args)
            .await
            .map_err(|error| {
                tracing::error!(target: "portcullis::auth", error = %error, "the Redis session index did not answer");
                StoreUnavailable {
                    store: "sessions",
                    detail: error.to_string(),
                    retry_after: RETRY_AFTER,
                }
            })
    }

    async fn index_add(
        &self,
        subject: &str,
        id: Id,
        deadline: u64,
        cap: usize,
    ) -> Result<Vec<Id>, StoreUnavailable> {
        // The absolute timeout this session was given.
        let absolute = deadline.saturating_sub(unix_now()).saturating_mul(1000);
        let args = vec![id.to_string(), absolute.to_string(), cap.max(1).to_string()];
        let evicted: Vec<String> = self.run(0, subject, args).await?;
        Ok(parse_ids(&evicted))
    }

    async fn index_remove(&self, subject: &str, id: Id) -> Result<(), StoreUnavailable> {
        self.run::<i64>(1, subject, vec![id.to_string()])
            .await
            .map(drop)
    }

    async fn index_take_all(&self, subject: &str) -> Result<Vec<Id>, StoreUnavailable> {
        let ids: Vec<String> = self.run(2, subject, Vec::new()).await?;
        Ok(parse_ids(&ids))
    }
}

fn parse_ids(ids: &[String]) -> Vec<Id> {
    ids.iter().filter_map(|id| id.parse().ok()).collect()
}

impl Inner {
    /// Forgets session `id`, ended.
    fn ended(&self, id: &Id) {
        if let Some(cache) = &self.cache {
            self.ended.insert(*id, ());
            cache.invalidate(id);
        }
    }
}

impl FeedListener for Inner {
    fn ended(&self, ids: &str) {
        for id in ids.split(' ').filter_map(|id| id.parse::<Id>().ok()) {
            Inner::ended(self, &id);
        }
    }

    fn reloaded(&self) {
        self.flushes.fetch_add(1, Ordering::SeqCst);
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for RedisSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id (`SET … NX`, drawing again on a collision); not
        // cached until read.
        self.0.records.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        RedisSessions::save(self, record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        RedisSessions::load(self, id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        RedisSessions::delete(self, id).await
    }
}

impl SessionIndex for RedisSessions {
    fn add<'a>(
        &'a self,
        subject: &'a str,
        id: Id,
        deadline: u64,
        cap: usize,
    ) -> BoxFuture<'a, Result<Vec<Id>, StoreUnavailable>> {
        Box::pin(self.index_add(subject, id, deadline, cap))
    }

    fn remove<'a>(
        &'a self,
        subject: &'a str,
        id: Id,
    ) -> BoxFuture<'a, Result<(), StoreUnavailable>> {
        Box::pin(self.index_remove(subject, id))
    }

    fn take_all<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Id>, StoreUnavailable>> {
        Box::pin(self.index_take_all(subject))
    }
}

impl fmt::Debug for RedisSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the records: they hold CSRF tokens.
        f.debug_struct("RedisSessions")
            .field(
                "cache",
                &self.0.cache.as_ref().map(|c| c.policy().max_capacity()),
            )
            .field("cache_ttl", &self.0.ttl)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RedisSessionsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionsBuilder")
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_are_per_user_and_hash_tagged() {
        let alice = RedisSessions::index_key("alice");
        assert_ne!(alice, RedisSessions::index_key("bob"));
        assert_eq!(alice, RedisSessions::index_key("alice"));
        assert!(alice.starts_with("portcullis:sessions:{") && alice.ends_with("}:index"));
    }
}
