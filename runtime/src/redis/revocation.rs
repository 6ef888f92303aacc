//! Revoked tokens in Redis, read from a local view kept current by pub/sub.
//!
//! Redis holds the truth: a sorted set of revoked `jti`s (scored by expiry),
//! a hash of subject cut-offs, and a sequence number that every change
//! increments. Each change is published with its sequence number, and every
//! instance applies it to its local view. Pub/sub may drop messages (a
//! reconnect, a slow reader), so every instance also publishes a heartbeat
//! carrying the current sequence number each [`DEFAULT_HEARTBEAT`]: a
//! sequence gap, a heartbeat ahead of the view, a reconnect or a missed
//! heartbeat reloads the whole view. The view counts as current up to the
//! time the last heartbeat the instance sent came back consistent; past the
//! staleness bound, tokens are refused with 503 until it is current again.
//!
//! The same feed carries the ends of browser sessions (kind `d`, see
//! `RedisSessions`): the ids go to every instance's session cache,
//! which evicts them, and every reload empties those caches (a change may
//! have been missed).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock, Weak};
use std::time::{Duration, Instant};

use fred::clients::SubscriberClient;
use fred::interfaces::{ClientLike, EventInterface};
use fred::types::Value;
use fred::types::scripts::Script;
use tokio::sync::broadcast::error::RecvError;

use super::{RedisConnectError, RedisStore};
use crate::auth::bearer::{RevocationError, RevocationStore, SubjectId};
use crate::clock::unix_now;
use crate::future::BoxFuture;

/// How often each instance publishes a heartbeat: every second.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(1);

/// How stale the local view may be before tokens are refused with 503: 3 s.
///
/// The guarantee: a revocation stored (its logout answered 200) at time `t`
/// refuses the token on every instance for every request accepted from
/// `t + bound` on. An instance accepts a request only while it holds a
/// heartbeat it sent less than `bound` ago and received back with a sequence
/// number its view already covers; pub/sub usually delivers within
/// milliseconds, so in practice the delay is that of one message.
pub const DEFAULT_STALENESS_BOUND: Duration = Duration::from_secs(3);

/// Records a revoked `jti`. KEYS: jti set, sequence; ARGV: channel, jti,
/// expiry, now. Keeps the later expiry, prunes expired entries, publishes
/// `<seq> j <expiry> <jti>`.
const REVOKE: &str = r"
local expiry = tonumber(ARGV[3])
local current = redis.call('ZSCORE', KEYS[1], ARGV[2])
if current and tonumber(current) > expiry then expiry = tonumber(current) end
redis.call('ZADD', KEYS[1], expiry, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local seq = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], seq .. ' j ' .. string.format('%d', expiry) .. ' ' .. ARGV[2])
return seq
";

/// Records a subject's cut-off. KEYS: cut-off hash, sequence; ARGV: channel,
/// subject key, time. Never moves a cut-off back; publishes
/// `<seq> s <cutoff> <subject key>`.
const CUTOFF: &str = r"
local cutoff = tonumber(ARGV[3])
local current = redis.call('HGET', KEYS[1], ARGV[2])
if current and tonumber(current) > cutoff then cutoff = tonumber(current) end
redis.call('HSET', KEYS[1], ARGV[2], string.format('%d', cutoff))
local seq = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], seq .. ' s ' .. string.format('%d', cutoff) .. ' ' .. ARGV[2])
return seq
";

/// A heartbeat. KEYS: sequence; ARGV: channel, instance, tick. Publishes
/// `<seq> h <tick> <instance>` with the sequence number as of now.
const HEARTBEAT: &str = r"
local seq = redis.call('GET', KEYS[1]) or '0'
redis.call('PUBLISH', ARGV[1], seq .. ' h ' .. ARGV[3] .. ' ' .. ARGV[2])
return seq
";

/// Sessions ended. KEYS: sequence; ARGV: channel, ids (space-separated).
/// Publishes `<seq> d 0 <id> <id>…`; the sessions are already deleted.
const ENDED: &str = r"
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], seq .. ' d 0 ' .. ARGV[2])
return seq
";

/// The whole state, read atomically. KEYS: jti set, cut-off hash, sequence;
/// ARGV: now. Answers `{seq, {jti, expiry, …}, {subject, cutoff, …}}`.
const LOAD: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
return {redis.call('GET', KEYS[3]) or '0', redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'), redis.call('HGETALL', KEYS[2])}
";

static SCRIPTS: LazyLock<[Script; 5]> =
    LazyLock::new(|| [REVOKE, CUTOFF, HEARTBEAT, LOAD, ENDED].map(Script::from_lua));

/// What else the feed keeps current: the session caches.
pub(crate) trait FeedListener: Send + Sync {
    /// Sessions `ids` (space-separated) were ended on some instance.
    fn ended(&self, ids: &str);
    /// The view was reloaded: changes may have been missed, forget all.
    fn reloaded(&self);
}

/// Revoked tokens shared by every instance through Redis, answered from a
/// local view: no round trip per request.
///
/// [`RevocationStore::revoke`] and [`RevocationStore::revoke_all_before`]
/// answer only once Redis has stored the change (so a logout answers 200
/// only then), and fail when it cannot. Reads fail, so the token is refused
/// with 503, while the view is older than the staleness bound
/// ([`DEFAULT_STALENESS_BOUND`]). Keys share the hash tag
/// `{portcullis:revocations}` (one Cluster slot); events travel on the
/// channel `{portcullis:revocations}:events`. Cloning is cheap; the
/// background task stops when the last clone is dropped.
#[derive(Clone)]
pub struct RedisRevocations {
    shared: Arc<Shared>,
}

struct Shared {
    store: RedisStore,
    keys: Keys,
    view: RwLock<View>,
    /// When this value was created; ticks are milliseconds since then.
    started: Instant,
    /// The tick up to which the view is known current (0: never).
    confirmed: AtomicU64,
    bound: Duration,
    heartbeat: Duration,
    instance: String,
    /// Told of session ends and reloads; dropped ones are skipped.
    listeners: RwLock<Vec<Weak<dyn FeedListener>>>,
}

struct Keys {
    jtis: String,
    cutoffs: String,
    seq: String,
    channel: String,
}

#[derive(Default)]
struct View {
    /// The sequence number of the last change applied.
    applied: u64,
    jtis: HashMap<String, u64>,
    cutoffs: HashMap<String, u64>,
}

impl RedisRevocations {
    /// Subscribes to revocation events, loads the current state and starts
    /// the task keeping the view current, with [`DEFAULT_HEARTBEAT`] and
    /// [`DEFAULT_STALENESS_BOUND`].
    pub async fn start(store: &RedisStore) -> Result<Self, RedisConnectError> {
        Self::start_with(store, DEFAULT_HEARTBEAT, DEFAULT_STALENESS_BOUND).await
    }

    /// Like [`RedisRevocations::start`], with a heartbeat every `heartbeat`
    /// and a staleness bound of `bound` (raised to two heartbeats if lower).
    pub async fn start_with(
        store: &RedisStore,
        heartbeat: Duration,
        bound: Duration,
    ) -> Result<Self, RedisConnectError> {
        let tag = "{portcullis:revocations}";
        let keys = Keys {
            jtis: format!("{tag}:jti"),
            cutoffs: format!("{tag}:subjects"),
            seq: format!("{tag}:seq"),
            channel: format!("{tag}:events"),
        };
        let mut id = [0_u8; 8];
        getrandom::fill(&mut id).map_err(|error| RedisConnectError(error.to_string()))?;
        let shared = Arc::new(Shared {
            store: store.clone(),
            view: RwLock::new(View::default()),
            started: Instant::now(),
            confirmed: AtomicU64::new(0),
            bound: bound.max(heartbeat * 2),
            heartbeat,
            instance: id.iter().map(|byte| format!("{byte:02x}")).collect(),
            keys,
            listeners: RwLock::new(Vec::new()),
        });
        // Subscribe first, then load: no change falls between the two.
        let subscriber = store.subscriber(&shared.keys.channel).await?;
        shared.reload().await.map_err(RedisConnectError)?;
        tokio::spawn(keep_current(Arc::downgrade(&shared), subscriber));
        Ok(Self { shared })
    }

    /// The staleness bound in force.
    pub fn staleness_bound(&self) -> Duration {
        self.shared.bound
    }

    /// Whether every change published up to `bound` ago has been applied
    /// (the last heartbeat this instance sent came back consistent).
    #[cfg(feature = "sessions")]
    pub(crate) fn is_current(&self) -> bool {
        self.shared.current().is_ok()
    }

    /// Tells `listener` of every session end and every reload from now on.
    #[cfg(feature = "sessions")]
    pub(crate) fn listen(&self, listener: Weak<dyn FeedListener>) {
        let mut listeners = self
            .shared
            .listeners
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        listeners.retain(|listener| listener.strong_count() > 0);
        listeners.push(listener);
    }

    /// Publishes that sessions `ids` (already deleted) ended, so every
    /// instance evicts them from its cache; fails when Redis cannot answer.
    #[cfg(feature = "sessions")]
    pub(crate) async fn publish_ended(&self, ids: &[String]) -> Result<(), String> {
        if ids.is_empty() {
            return Ok(());
        }
        let shared = &self.shared;
        let sent: Result<u64, _> = SCRIPTS[4]
            .evalsha_with_reload(
                shared.store.pool().next(),
                shared.keys.seq.clone(),
                vec![shared.keys.channel.clone(), ids.join(" ")],
            )
            .await;
        sent.map(drop).map_err(|error| error.to_string())
    }
}

impl Shared {
    fn tick(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn confirm(&self, tick: u64) {
        let before = self.confirmed.fetch_max(tick, Ordering::AcqRel);
        if before != 0 && self.age_at(before) > self.bound && self.age_at(tick) <= self.bound {
            tracing::warn!(target: "portcullis::auth", "the revocation view is current again; tokens are accepted again");
        }
    }

    fn age_at(&self, tick: u64) -> Duration {
        Duration::from_millis(self.tick().saturating_sub(tick))
    }

    /// The view, if it is current within the bound.
    fn current(&self) -> Result<std::sync::RwLockReadGuard<'_, View>, RevocationError> {
        let confirmed = self.confirmed.load(Ordering::Acquire);
        let age = self.age_at(confirmed);
        if confirmed == 0 || age > self.bound {
            return Err(RevocationError(format!(
                "the revocation view was last confirmed {age:?} ago, past the bound of {:?}: Redis is unreachable or its messages are lost",
                self.bound
            )));
        }
        self.view
            .read()
            .map_err(|_| RevocationError("the revocation view is poisoned".into()))
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, View> {
        self.view
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the view with Redis' state; the view is then current as of
    /// the moment the load was sent.
    async fn reload(&self) -> Result<(), String> {
        let sent = self.tick();
        let answer: Value = SCRIPTS[3]
            .evalsha_with_reload(
                self.store.pool().next(),
                vec![
                    self.keys.jtis.clone(),
                    self.keys.cutoffs.clone(),
                    self.keys.seq.clone(),
                ],
                vec![unix_now().to_string()],
            )
            .await
            .map_err(|error| error.to_string())?;
        let view = parse_load(answer).ok_or("unexpected answer to the load")?;
        let seq = view.applied;
        *self.write() = view;
        self.notify(|listener| listener.reloaded());
        self.confirm(sent);
        tracing::debug!(target: "portcullis::auth", seq, "revocation view reloaded");
        Ok(())
    }

    fn notify(&self, event: impl Fn(&dyn FeedListener)) {
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for listener in listeners.iter().filter_map(Weak::upgrade) {
            event(&*listener);
        }
    }

    async fn send_heartbeat(&self) {
        let tick = self.tick().to_string();
        let sent: Result<Value, _> = SCRIPTS[2]
            .evalsha_with_reload(
                self.store.pool().next(),
                self.keys.seq.clone(),
                vec![self.keys.channel.clone(), self.instance.clone(), tick],
            )
            .await;
        if let Err(error) = sent {
            tracing::warn!(target: "portcullis::auth", error = %error, "revocation heartbeat not sent");
        }
    }

    /// Applies one published message; `false` when the view must be reloaded.
    fn apply(&self, message: &str) -> bool {
        let mut parts = message.splitn(4, ' ');
        let (Some(seq), Some(kind), Some(number), Some(id)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return true;
        };
        let (Ok(seq), Ok(number)) = (seq.parse::<u64>(), number.parse::<u64>()) else {
            return true;
        };
        let mut view = self.write();
        match kind {
            "h" => {
                // Ahead: a change was missed. Behind: Redis lost its state
                // (a restart without persistence, a failover), or this is
                // an old heartbeat read after a reload. Either way, reload.
                if seq != view.applied {
                    return false;
                }
                drop(view);
                if id == self.instance {
                    self.confirm(number);
                }
                true
            }
            "j" | "s" if seq <= view.applied => true,
            "j" | "s" if seq == view.applied + 1 => {
                let entries = if kind == "j" {
                    &mut view.jtis
                } else {
                    &mut view.cutoffs
                };
                let entry = entries.entry(id.to_owned()).or_insert(number);
                *entry = (*entry).max(number);
                view.applied = seq;
                true
            }
            "j" | "s" => false,
            "d" if seq <= view.applied => {
                // Covered by a reload (which emptied the caches); evicting
                // again costs nothing.
                drop(view);
                self.notify(|listener| listener.ended(id));
                true
            }
            "d" if seq == view.applied + 1 => {
                view.applied = seq;
                drop(view);
                self.notify(|listener| listener.ended(id));
                true
            }
            "d" => false,
            _ => true,
        }
    }

    fn is_revoked(&self, jti: &str) -> Result<bool, RevocationError> {
        Ok(self
            .current()?
            .jtis
            .get(jti)
            .is_some_and(|&expiry| expiry >= unix_now()))
    }

    fn revoked_before(&self, subject: SubjectId<'_>) -> Result<Option<u64>, RevocationError> {
        Ok(self.current()?.cutoffs.get(&subject.storage_key()).copied())
    }

    async fn revoke(&self, jti: &str, expires_at: u64) -> Result<(), RevocationError> {
        self.store_change(
            0,
            vec![self.keys.jtis.clone(), self.keys.seq.clone()],
            vec![
                self.keys.channel.clone(),
                jti.to_owned(),
                expires_at.to_string(),
                unix_now().to_string(),
            ],
        )
        .await?;
        // This instance refuses the token at once; the event, when it
        // arrives, changes nothing.
        let mut view = self.write();
        let entry = view.jtis.entry(jti.to_owned()).or_insert(expires_at);
        *entry = (*entry).max(expires_at);
        Ok(())
    }

    async fn revoke_all_before(
        &self,
        subject: SubjectId<'_>,
        time: u64,
    ) -> Result<(), RevocationError> {
        let key = subject.storage_key();
        self.store_change(
            1,
            vec![self.keys.cutoffs.clone(), self.keys.seq.clone()],
            vec![self.keys.channel.clone(), key.clone(), time.to_string()],
        )
        .await?;
        let mut view = self.write();
        let entry = view.cutoffs.entry(key).or_insert(time);
        *entry = (*entry).max(time);
        Ok(())
    }

    async fn store_change(
        &self,
        script: usize,
        keys: Vec<String>,
        args: Vec<String>,
    ) -> Result<(), RevocationError> {
        let stored: Result<u64, _> = SCRIPTS[script]
            .evalsha_with_reload(self.store.pool().next(), keys, args)
            .await;
        stored.map(drop).map_err(|error| {
            RevocationError(format!("Redis did not store the revocation: {error}"))
        })
    }
}

/// Keeps the view current until the last [`RedisRevocations`] is dropped:
/// applies events, sends heartbeats, reloads on a gap, a reconnect, a lag
/// or a missed heartbeat.
async fn keep_current(shared: Weak<Shared>, subscriber: SubscriberClient) {
    let mut messages = subscriber.message_rx();
    let mut reconnects = subscriber.reconnect_rx();
    let heartbeat = shared.upgrade().map_or(DEFAULT_HEARTBEAT, |s| s.heartbeat);
    let mut ticks = tokio::time::interval(heartbeat);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stale_logged = false;
    loop {
        let reload = tokio::select! {
            message = messages.recv() => match message {
                Ok(message) => {
                    let Some(shared) = shared.upgrade() else { break };
                    message.value.as_str().is_some_and(|text| !shared.apply(&text))
                }
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => break,
            },
            _ = reconnects.recv() => true,
            _ = ticks.tick() => {
                let Some(shared) = shared.upgrade() else { break };
                let sender = Arc::clone(&shared);
                tokio::spawn(async move { sender.send_heartbeat().await });
                let age = shared.age_at(shared.confirmed.load(Ordering::Acquire));
                if age > shared.bound && !stale_logged {
                    tracing::error!(
                        target: "portcullis::auth",
                        ?age,
                        bound = ?shared.bound,
                        "the revocation view is stale: bearer tokens are refused with 503 until Redis answers again"
                    );
                }
                stale_logged = age > shared.bound;
                // A heartbeat missed: reload rather than wait for the next.
                age > heartbeat * 2
            }
        };
        if reload {
            let Some(shared) = shared.upgrade() else {
                break;
            };
            if let Err(error) = shared.reload().await {
                tracing::warn!(target: "portcullis::auth", error, "revocation view not reloaded; retrying");
            }
        }
    }
    let _ = subscriber.quit().await;
}

fn parse_load(answer: Value) -> Option<View> {
    let Value::Array(mut parts) = answer else {
        return None;
    };
    if parts.len() != 3 {
        return None;
    }
    let cutoffs = pairs(parts.pop()?)?;
    let jtis = pairs(parts.pop()?)?;
    let applied = number(&parts.pop()?)?;
    Some(View {
        applied,
        jtis,
        cutoffs,
    })
}

fn pairs(value: Value) -> Option<HashMap<String, u64>> {
    let Value::Array(items) = value else {
        return None;
    };
    items
        .chunks_exact(2)
        .map(|pair| Some((pair[0].as_string()?, number(&pair[1])?)))
        .collect()
}

fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Integer(number) => u64::try_from(*number).ok(),
        Value::Double(number) => Some(number.max(0.0) as u64),
        other => other
            .as_str()?
            .parse::<f64>()
            .ok()
            .map(|n| n.max(0.0) as u64),
    }
}

impl RevocationStore for RedisRevocations {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>> {
        Box::pin(self.shared.revoke(jti, expires_at))
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, RevocationError>> {
        let answer = self.shared.is_revoked(jti);
        Box::pin(std::future::ready(answer))
    }

    fn revoke_all_before<'a>(
        &'a self,
        subject: SubjectId<'a>,
        time: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>> {
        Box::pin(self.shared.revoke_all_before(subject, time))
    }

    fn revoked_before<'a>(
        &'a self,
        subject: SubjectId<'a>,
    ) -> BoxFuture<'a, Result<Option<u64>, RevocationError>> {
        let answer = self.shared.revoked_before(subject);
        Box::pin(std::future::ready(answer))
    }
}

impl std::fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRevocations")
            .field("bound", &self.shared.bound)
            .field("heartbeat", &self.shared.heartbeat)
            .finish_non_exhaustive()
    }
}
