//! The in-memory limiter's cost: one check on the store, and one request
//! through a route with a client-keyed limit against the same route without.
//!
//! `cargo bench --bench rate_limit`; `RATE_LIMIT_KEYS=1000000 cargo bench
//! --bench rate_limit` prints the memory one million distinct keys hold;
//! `RATE_LIMIT_COST=limited:100000` (or `plain:…`, `store:…`) runs that
//! many checks without criterion, for callgrind:
//! `benches/rate_limit_instr.sh` turns two such runs into instructions per
//! request (README, "Rate limits").

use std::alloc::System;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use criterion::{Criterion, criterion_group};
use http::Request;
use portcullis::prelude::*;
use portcullis::rate_limit::{MemoryStore, Quota};
use portcullis::routing::get;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[public]
async fn plain() -> &'static str {
    "ok"
}

#[public(rate_limit("bench", 1000000 per second))]
async fn limited() -> &'static str {
    "ok"
}

fn app() -> axum::Router {
    SecureRouter::new(Security::builder().build().unwrap())
        .route("/plain", get(plain))
        .route("/limited", get(limited))
        .into_router()
}

async fn one_request(app: &axum::Router, path: &str) {
    let mut request = Request::get(path).body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40000))));
    let response = app.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success());
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn quota() -> Quota {
    Quota::new(1_000_000_000, Duration::from_secs(1)).unwrap()
}

fn rate_limit(c: &mut Criterion) {
    let store = MemoryStore::new();
    c.bench_function("memory store check (one hot key)", |b| {
        b.iter(|| store.check_now("bench", "203.0.113.9", quota()));
    });
    let app = app();
    let rt = runtime();
    let mut group = c.benchmark_group("request");
    for path in ["/plain", "/limited"] {
        group.bench_function(path, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        one_request(&app, path).await;
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = rate_limit
}

fn main() {
    if let Ok(count) = std::env::var("RATE_LIMIT_KEYS") {
        let count: u32 = count.parse().unwrap();
        let store = MemoryStore::new().sweep_interval(Duration::from_secs(3600));
        let quota = Quota::per_minute(5).unwrap();
        let keys: Vec<String> = (0..count)
            .map(|n| std::net::Ipv4Addr::from(0x0a00_0000 + n).to_string())
            .collect();
        let region = Region::new(GLOBAL);
        for key in &keys {
            store.check_now("login", key, quota);
        }
        let change = region.change();
        let held = change.bytes_allocated as i64 - change.bytes_deallocated as i64;
        eprintln!(
            "{count} keys: {} buckets, {:.1} MiB held ({:.0} bytes per key, keys of {} bytes on average)",
            store.len(),
            held as f64 / (1024.0 * 1024.0),
            held as f64 / f64::from(count),
            keys.iter().map(String::len).sum::<usize>() / keys.len(),
        );
        return;
    }
    if let Ok(spec) = std::env::var("RATE_LIMIT_COST") {
        let (variant, count) = spec.split_once(':').unwrap();
        let count: u64 = count.parse().unwrap();
        if variant == "store" {
            let store = MemoryStore::new();
            for _ in 0..count {
                store.check_now("bench", "203.0.113.9", quota());
            }
            return;
        }
        let app = app();
        let path = format!("/{variant}");
        runtime().block_on(async {
            for _ in 0..count {
                one_request(&app, &path).await;
            }
        });
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
