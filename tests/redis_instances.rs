//! Several instances against one real Redis: a revocation on one instance
//! refuses the token on the other within the staleness bound, a missed
//! message is caught by the heartbeat, one rate limit holds across both, and
//! when Redis stops the answer is 503 with `Retry-After` until it returns,
//! after which everything recovers by itself.
//!
//! Redis comes from the environment: `PORTCULLIS_TEST_REDIS_URL` (set by
//! `.ci/run`, which starts a `redis-server`); the outage test starts and
//! stops its own `redis-server` on a free loopback port. Without the variable
//! the tests print a notice and pass without checking anything.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::print_stdout)] // a failed unwrap is a failed test

mod common;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use axum::Json;
use common::redis::{OwnRedis, redis_url};
use common::{AUDIENCE, ISSUER, SECRET, verifier};
use jsonwebtoken::Algorithm;
use portcullis::oauth::{LoggedOut, LogoutError, SigningKey, TokenIssuer, TokenRevoker};
use portcullis::prelude::*;
use portcullis::rate_limit::{Admission, Quota, RateLimitStore};
use portcullis::redis::fred::interfaces::LuaInterface;
use portcullis::redis::{RedisOptions, RedisRateLimits, RedisRevocations, RedisStore};
use portcullis::routing::{get, post};
use serde_json::{Value, json};

/// Short heartbeats keep the tests quick; the bound is what they check.
const HEARTBEAT: Duration = Duration::from_millis(200);
const BOUND: Duration = Duration::from_millis(800);

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject()}))
}

#[public]
async fn health() -> &'static str {
    "ok"
}

#[authenticated]
async fn logout(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
    revoker.logout(&caller).await
}

#[authenticated]
async fn logout_everywhere(
    caller: Principal,
    revoker: TokenRevoker,
) -> Result<LoggedOut, LogoutError> {
    revoker.logout_everywhere(&caller).await
}

fn issuer() -> TokenIssuer {
    TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap()
}

/// One application instance with its own connections to Redis, serving on
/// its own loopback port.
struct Instance {
    addr: SocketAddr,
    limits: RedisRateLimits,
}

impl Instance {
    async fn start(url: &str, options: RedisOptions) -> Self {
        let redis = RedisStore::connect_with(url, options).await.unwrap();
        let revocations = RedisRevocations::start_with(&redis, HEARTBEAT, BOUND)
            .await
            .unwrap();
        let security = Security::builder()
            .bearer(verifier())
            .revocation(revocations)
            .build()
            .unwrap();
        let app = SecureRouter::new(security)
            .route("/users/me", get(me))
            .route("/health", get(health))
            .route("/logout", post(logout))
            .route("/logout/all", post(logout_everywhere))
            .into_router();
        let addr = common::serve(app).await;
        Self {
            addr,
            limits: RedisRateLimits::new(&redis),
        }
    }

    async fn call(&self, method: &str, path: &str, token: &str) -> reqwest::Response {
        let client = reqwest::Client::new();
        let url = format!("http://{}{path}", self.addr);
        let request = match method {
            "POST" => client.post(url),
            _ => client.get(url),
        };
        request.bearer_auth(token).send().await.unwrap()
    }

    async fn status(&self, path: &str, token: &str) -> u16 {
        self.call("GET", path, token).await.status().as_u16()
    }
}

/// Polls `instance` until `path` answers `status`; the time it took.
async fn until_status(
    instance: &Instance,
    path: &str,
    token: &str,
    status: u16,
    within: Duration,
) -> Duration {
    let start = Instant::now();
    loop {
        let seen = instance.status(path, token).await;
        if seen == status {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{path} still answers {seen}, not {status}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_logout_on_one_instance_refuses_the_token_on_the_other_within_the_bound() {
    let Some(url) = redis_url() else { return };
    let (a, b) = (
        Instance::start(&url, RedisOptions::default()).await,
        Instance::start(&url, RedisOptions::default()).await,
    );
    let token = issuer().issue("alice", ["user"], [""; 0]).unwrap();
    let token = token.access_token();
    assert_eq!(a.status("/users/me", token).await, 200);
    assert_eq!(b.status("/users/me", token).await, 200);

    let answer = a.call("POST", "/logout", token).await;
    assert_eq!(answer.status(), 200, "the logout was stored");
    // The instance that stored it refuses at once, the other within the bound.
    assert_eq!(a.status("/users/me", token).await, 401);
    until_status(&b, "/users/me", token, 401, BOUND).await;

    // "Logout everywhere" on the second instance reaches the first.
    let first = issuer().issue("bob", ["user"], [""; 0]).unwrap();
    assert_eq!(a.status("/users/me", first.access_token()).await, 200);
    assert_eq!(
        b.call("POST", "/logout/all", first.access_token())
            .await
            .status(),
        200
    );
    until_status(&a, "/users/me", first.access_token(), 401, BOUND).await;
}

#[tokio::test]
async fn a_change_whose_message_was_lost_is_caught_by_the_heartbeat() {
    let Some(url) = redis_url() else { return };
    let instance = Instance::start(&url, RedisOptions::default()).await;
    let issued = issuer().issue("carol", ["user"], [""; 0]).unwrap();
    let token = issued.access_token();
    assert_eq!(instance.status("/users/me", token).await, 200);

    // Store a revocation the way the store does, but publish nothing: only
    // the sequence number in the heartbeats tells the instance it missed one.
    let jti = issued.claims().jti.clone().unwrap();
    let exp = issued.claims().exp;
    let raw = RedisStore::connect(&url).await.unwrap();
    let _: u64 = raw
        .pool()
        .next()
        .eval(
            "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) return redis.call('INCR', KEYS[2])",
            vec![
                "{portcullis:revocations}:jti".to_owned(),
                "{portcullis:revocations}:seq".to_owned(),
            ],
            vec![exp.to_string(), jti],
        )
        .await
        .unwrap();
    until_status(&instance, "/users/me", token, 401, BOUND).await;
}

fn quota(max: u32, period: Duration) -> Quota {
    Quota {
        max: NonZeroU32::new(max).unwrap(),
        period,
    }
}

fn unique(prefix: &str) -> String {
    let mut id = [0_u8; 6];
    getrandom::fill(&mut id).unwrap();
    format!(
        "{prefix}-{}",
        id.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[tokio::test]
async fn one_rate_limit_holds_across_both_instances() {
    let Some(url) = redis_url() else { return };
    let (a, b) = (
        Instance::start(&url, RedisOptions::default()).await,
        Instance::start(&url, RedisOptions::default()).await,
    );
    let limit = unique("login");
    let minute = quota(3, Duration::from_secs(60));
    let mut answers = Vec::new();
    for store in [&a.limits, &b.limits, &a.limits, &b.limits] {
        answers.push(store.check(&limit, "203.0.113.7", minute).await.unwrap());
    }
    assert!(
        matches!(answers[0], Admission::Allowed { remaining: 2, .. }),
        "{answers:?}"
    );
    assert!(
        matches!(answers[1], Admission::Allowed { remaining: 1, .. }),
        "{answers:?}"
    );
    assert!(
        matches!(answers[2], Admission::Allowed { remaining: 0, .. }),
        "{answers:?}"
    );
    let Admission::Limited { retry_after } = answers[3] else {
        panic!("the fourth request of the minute passed: {answers:?}");
    };
    // One request every 20 s refills the bucket.
    assert!(retry_after > Duration::from_secs(19) && retry_after <= Duration::from_secs(20));
    // Another client's bucket is untouched.
    assert!(matches!(
        a.limits
            .check(&limit, "198.51.100.1", minute)
            .await
            .unwrap(),
        Admission::Allowed { remaining: 2, .. }
    ));

    // Concurrent checks from both instances never take more than the burst.
    let limit = unique("burst");
    let five = quota(5, Duration::from_secs(60));
    let checks = (0..24).map(|i| {
        let store = if i % 2 == 0 {
            a.limits.clone()
        } else {
            b.limits.clone()
        };
        let limit = limit.clone();
        tokio::spawn(async move { store.check(&limit, "k", five).await.unwrap() })
    });
    let mut allowed = 0;
    for check in checks {
        if matches!(check.await.unwrap(), Admission::Allowed { .. }) {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
}

#[tokio::test]
async fn when_redis_stops_requests_get_503_and_recover_when_it_returns() {
    if redis_url().is_none() {
        return;
    }
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let options = RedisOptions::default().command_timeout(Duration::from_millis(300));
    let instance = Instance::start(&url, options).await;
    let minute = quota(100, Duration::from_secs(60));
    let token = issuer().issue("dave", ["user"], [""; 0]).unwrap();
    let token = token.access_token();
    assert_eq!(instance.status("/users/me", token).await, 200);
    assert!(instance.limits.check("api", "k", minute).await.is_ok());

    redis.stop();
    // Within the bound, bearer tokens are refused with 503 and Retry-After.
    until_status(&instance, "/users/me", token, 503, BOUND * 4).await;
    let answer = instance.call("GET", "/users/me", token).await;
    assert!(answer.headers().contains_key("retry-after"));
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "store_unavailable");
    // A logout cannot be stored: never 200.
    assert_eq!(instance.call("POST", "/logout", token).await.status(), 503);
    let refused = instance.limits.check("api", "k", minute).await.unwrap_err();
    assert_eq!(refused.store, "rate limits");
    // Everything that needs no store is still served.
    assert_eq!(instance.status("/health", token).await, 200);

    redis.restart();
    // The client reconnects and the view reloads by themselves.
    until_status(&instance, "/users/me", token, 200, Duration::from_secs(15)).await;
    assert!(instance.limits.check("api", "k", minute).await.is_ok());
    assert_eq!(instance.call("POST", "/logout", token).await.status(), 200);
    assert_eq!(instance.status("/users/me", token).await, 401);
}

#[tokio::test]
async fn an_unreachable_redis_stops_the_start() {
    if redis_url().is_none() {
        return;
    }
    // Nothing listens on the port just released.
    let port = common::free_port();
    let options = RedisOptions::default().connect_timeout(Duration::from_millis(500));
    let error = RedisStore::connect_with(&format!("redis://127.0.0.1:{port}"), options)
        .await
        .unwrap_err();
    assert!(
        error.to_string().starts_with("cannot connect to Redis"),
        "{error}"
    );
}
