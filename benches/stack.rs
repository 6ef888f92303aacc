//! Per-request cost of the hardening stack with JSON logging on, against the
//! same router bare, driven in-process with `oneshot`.
//!
//! `cargo bench --bench stack` runs the criterion groups. For instruction
//! counts, the same binary runs a fixed number of requests of one variant
//! when `STACK_COST=<variant>:<requests>` is set (see README, "Hardening
//! performance"):
//!
//! ```text
//! STACK_COST=hardened:1000 valgrind --tool=callgrind target/release/deps/stack-…
//! ```
//!
//! `STACK_ALLOCS=<variant>:<requests>` counts the allocations (all threads,
//! the log writer's included) over that many requests after a warm-up and
//! prints them per request. The counting allocator is installed in every
//! mode; it adds two relaxed atomic increments to each allocation.
#![allow(missing_docs, clippy::unwrap_used)]

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, criterion_group};
use http_body_util::BodyExt;
use portcullis::hardening::{
    AccessLogLayer, CorsPolicy, Hardening, JsonLogs, RequestIdLayer, SecurityHeadersLayer,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::{ServiceBuilder, ServiceExt};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn routes() -> Router {
    Router::new().route(
        "/items/{id}",
        get(|| async { r#"{"id":42,"name":"widget"}"# }),
    )
}

/// The variants compared.
fn app(variant: &str) -> Router {
    match variant {
        "bare" => routes(),
        // every layer, with the request span
        "hardened" => Hardening::new().apply(routes()).unwrap(),
        // every layer with a CORS allow-list, as the showcase runs it
        "hardened_cors" => Hardening::new()
            .cors(CorsPolicy::allow_origins(["https://example.com"]))
            .apply(routes())
            .unwrap(),
        // every layer, one log event per request and no span
        "hardened_event_only" => Hardening::new()
            .access_log(AccessLogLayer::event_only())
            .apply(routes())
            .unwrap(),
        // the reference work: the contract's headers, a request id, one JSON line
        "headers_id_log" => routes().layer(
            ServiceBuilder::new()
                .layer(RequestIdLayer::new())
                .layer(AccessLogLayer::event_only())
                .layer(SecurityHeadersLayer::recommended()),
        ),
        other => panic!("unknown variant {other}"),
    }
}

const VARIANTS: [&str; 5] = [
    "bare",
    "headers_id_log",
    "hardened_event_only",
    "hardened",
    "hardened_cors",
];

async fn one_request(app: &Router) {
    let request = Request::get("/items/42").body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    black_box(body);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn stack(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("request");
    for variant in VARIANTS {
        let app = app(variant);
        group.bench_function(variant, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        one_request(&app).await;
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
    targets = stack
}

fn main() {
    // JSON logs on, as in production, into a sink; kept until the end.
    let (dispatch, _guard) = JsonLogs::to_writer(std::io::sink()).build().unwrap();
    tracing::dispatcher::set_global_default(dispatch).unwrap();

    if let Ok(spec) = std::env::var("STACK_ALLOCS") {
        let (variant, count) = spec.split_once(':').unwrap();
        let count: usize = count.parse().unwrap();
        let app = app(variant);
        let rt = runtime();
        rt.block_on(async {
            for _ in 0..100 {
                one_request(&app).await;
            }
        });
        // let the log writer drain the warm-up lines before counting
        std::thread::sleep(Duration::from_millis(100));
        let region = Region::new(GLOBAL);
        rt.block_on(async {
            for _ in 0..count {
                one_request(&app).await;
            }
        });
        std::thread::sleep(Duration::from_millis(100));
        let change = region.change();
        let per_request = |n: usize| n as f64 / count as f64;
        eprintln!(
            "{variant}: {:.2} allocations, {:.2} reallocations, {:.2} deallocations per request",
            per_request(change.allocations),
            per_request(change.reallocations),
            per_request(change.deallocations),
        );
        return;
    }
    if let Ok(spec) = std::env::var("STACK_COST") {
        let (variant, count) = spec.split_once(':').unwrap();
        let count: u64 = count.parse().unwrap();
        let app = app(variant);
        runtime().block_on(async {
            for _ in 0..count {
                one_request(&app).await;
            }
        });
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
