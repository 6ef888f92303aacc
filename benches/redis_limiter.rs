//! The round trip of the Redis rate limiter: one `RateLimitStore::check`
//! (one `EVALSHA` of the GCRA script) against a Redis on this machine, and
//! for comparison a revocation check answered from the local view (no round
//! trip).
//!
//! Run: start a Redis (`redis-server --port 16379 --save "" --appendonly no
//! --daemonize yes`), then
//! `PORTCULLIS_BENCH_REDIS_URL=redis://127.0.0.1:16379 cargo bench --features redis --bench redis_limiter`.
//! Without the variable the bench prints a notice and measures nothing.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

use criterion::Criterion;
use portcullis::auth::bearer::RevocationStore;
use portcullis::rate_limit::{Quota, RateLimitStore};
use portcullis::redis::{RedisRateLimits, RedisRevocations, RedisStore};

fn main() {
    let Ok(url) = std::env::var("PORTCULLIS_BENCH_REDIS_URL") else {
        println!("PORTCULLIS_BENCH_REDIS_URL is not set: nothing measured");
        return;
    };
    // One thread: the client's tasks run inside each `block_on`, so no
    // cross-thread wake-up is measured with the round trip.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let limits =
        runtime.block_on(async { RedisRateLimits::new(&RedisStore::connect(&url).await.unwrap()) });
    // The revocation view's task needs a thread of its own to stay current.
    let background = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let revocations = background.block_on(async {
        let redis = RedisStore::connect(&url).await.unwrap();
        RedisRevocations::start(&redis).await.unwrap()
    });
    // Never limited: every check runs the whole script and writes the bucket.
    let quota = Quota {
        max: NonZeroU32::new(u32::MAX).unwrap(),
        period: Duration::from_secs(1),
    };
    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("redis rate limit check (one EVALSHA round trip)", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(limits.check("bench", "203.0.113.7", quota))
                    .unwrap(),
            )
        });
    });
    criterion.bench_function("redis revocation check (local view, no round trip)", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(revocations.is_revoked("some-jti"))
                    .unwrap(),
            )
        });
    });
    criterion.final_summary();
}
