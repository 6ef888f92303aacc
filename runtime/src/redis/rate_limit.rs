//! Rate-limit buckets in Redis: GCRA in one Lua script, so a check is one
//! atomic round trip whichever instance makes it.

use std::sync::LazyLock;
use std::time::Duration;

use fred::types::scripts::Script;

use super::RedisStore;
use crate::future::BoxFuture;
use crate::rate_limit::{Admission, Quota, RateLimitStore};
use crate::unavailable::StoreUnavailable;

/// GCRA (the generic cell rate algorithm, as governor implements it): the
/// bucket is one number, the theoretical arrival time (TAT) of the next
/// request in microseconds of Redis' clock, so every instance shares one
/// clock. `ARGV[1]` is the emission interval (`period / max`, µs), `ARGV[2]`
/// the burst (`max`). Answers `{1, reset_µs, remaining}` or `{0, retry_µs, 0}`.
const GCRA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local ahead = new_tat - now
if ahead > tolerance then
  return {0, ahead - tolerance, 0}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil(ahead / 1000))
return {1, ahead, math.floor((tolerance - ahead) / interval)}
";

static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::from_lua(GCRA));

/// How long a client refused because Redis could not answer is told to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Rate-limit buckets shared by every instance through Redis.
///
/// Each check runs one Lua script (`EVALSHA`, loading it on `NOSCRIPT`), so
/// two instances never both take a bucket's last request. A bucket is the
/// key `portcullis:rate:{<len>:<limit>:<key>}` (`len` the limit name's
/// length, so distinct pairs never collide), expiring once full again; its
/// hash tag keeps it on one Cluster slot. When Redis cannot answer within
/// the command timeout the check fails with [`StoreUnavailable`] (503 and
/// `Retry-After: 1`), and the failure is logged.
#[derive(Debug, Clone)]
pub struct RedisRateLimits {
    store: RedisStore,
}

impl RedisRateLimits {
    /// Rate limits kept on `store`'s connections.
    pub fn new(store: &RedisStore) -> Self {
        Self {
            store: store.clone(),
        }
    }

    async fn take(
        &self,
        limit: &str,
        key: &str,
        quota: Quota,
    ) -> Result<Admission, StoreUnavailable> {
        let bucket = format!("portcullis:rate:{{{}:{limit}:{key}}}", limit.len());
        let max = quota.max.get();
        let period = u64::try_from(quota.period.as_micros()).unwrap_or(u64::MAX);
        // Rounded up, so a burst never exceeds `max` in `period`.
        let interval = period.div_ceil(u64::from(max)).max(1);
        let answer: Result<(i64, i64, i64), _> = SCRIPT
            .evalsha_with_reload(
                self.store.pool().next(),
                bucket,
                vec![interval.to_string(), max.to_string()],
            )
            .await;
        match answer {
            Ok((1, reset, remaining)) => Ok(Admission::Allowed {
                remaining: u32::try_from(remaining).unwrap_or(0),
                reset: micros(reset),
            }),
            Ok((_, retry, _)) => Ok(Admission::Limited {
                retry_after: micros(retry),
            }),
            Err(error) => {
                tracing::error!(
                    target: "portcullis::rate_limit",
                    limit,
                    error = %error,
                    "the Redis rate-limit store did not answer"
                );
                Err(StoreUnavailable {
                    store: "rate limits",
                    detail: error.to_string(),
                    retry_after: RETRY_AFTER,
                })
            }
        }
    }
}

fn micros(value: i64) -> Duration {
    Duration::from_micros(u64::try_from(value).unwrap_or(0))
}

impl RateLimitStore for RedisRateLimits {
    fn check<'a>(
        &'a self,
        limit: &'a str,
        key: &'a str,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Admission, StoreUnavailable>> {
        Box::pin(self.take(limit, key, quota))
    }
}
