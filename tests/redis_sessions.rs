//! Browser sessions shared by several instances through one real Redis: a
//! session started on one instance works on the other; a logout, "log out
//! everywhere" or the per-user cap on one ends it on the other within the
//! staleness bound, even where it was cached; concurrent sign-ins on both
//! never lose an index entry; when Redis stops, session routes answer 503
//! with `Retry-After` (never 401 or 500) and recover by themselves; a lost
//! message is caught by the heartbeats.
//!
//! Redis comes from `PORTCULLIS_TEST_REDIS_URL` (set by `.ci/run`); the
//! outage test starts and stops its own `redis-server`. Without the variable
//! the tests print a notice and pass without checking anything.
#![cfg(all(feature = "redis", feature = "sessions"))]
#![allow(clippy::unwrap_used, clippy::print_stdout)] // a failed unwrap is a failed test

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use common::redis::{OwnRedis, redis_url};
use portcullis::Session;
use portcullis::auth::session::{SessionEnded, SessionError};
use portcullis::prelude::*;
use portcullis::redis::fred::interfaces::KeysInterface;
use portcullis::redis::{RedisOptions, RedisRevocations, RedisSessions, RedisStore};
use portcullis::routing::{get, post};
use serde_json::{Value, json};

#[public]
async fn start(session: Session, Path(user): Path<String>) -> Result<Response, SessionError> {
    let started = session.start(&user, vec!["user".into()], vec![]).await?;
    let body = Json(json!({"csrf_token": started.csrf_token()}));
    Ok((started, body).into_response())
}

#[authenticated(scheme = session)]
async fn whoami(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject()}))
}

#[authenticated(scheme = session)]
async fn logout(session: Session) -> Result<SessionEnded, SessionError> {
    session.end().await
}

#[authenticated(scheme = session)]
async fn logout_everywhere(caller: Principal, session: Session) -> Response {
    match session.manager().end_all(caller.subject()).await {
        Ok(ended) => Json(json!({"ended": ended})).into_response(),
        Err(error) => SessionError::Unavailable(error).into_response(),
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

/// A signed-in browser: its cookie (`name=value`) and CSRF token.
#[derive(Clone)]
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    fn id(&self) -> &str {
        self.cookie.split_once('=').unwrap().1
    }
}

/// One application instance with its own connections to Redis (its own
/// pool, feed and cache), serving on its own loopback port.
struct Instance {
    addr: SocketAddr,
    client: reqwest::Client,
}

/// How the instances under test keep their caches current.
#[derive(Clone, Copy)]
struct Feed {
    heartbeat: Duration,
    bound: Duration,
}

/// Heartbeats so rare, and a bound so long, that only the published end
/// can evict a cached session within the tests' time.
const SLOW: Feed = Feed {
    heartbeat: Duration::from_secs(10),
    bound: Duration::from_secs(30),
};
/// A short bound, for the outage test.
const FAST: Feed = Feed {
    heartbeat: Duration::from_millis(200),
    bound: Duration::from_millis(800),
};

impl Instance {
    async fn start(url: &str, options: RedisOptions, feed: Feed, per_user: usize) -> Self {
        let redis = RedisStore::connect_with(url, options).await.unwrap();
        let revocations = RedisRevocations::start_with(&redis, feed.heartbeat, feed.bound)
            .await
            .unwrap();
        let sessions = RedisSessions::new(&redis, &revocations);
        assert_eq!(sessions.cache_ttl(), feed.bound);
        let security = Security::builder()
            .revocation(revocations)
            .redis_sessions(sessions)
            .sessions_per_user(per_user)
            .build()
            .unwrap();
        let app = SecureRouter::new(security)
            .route("/start/{user}", post(start))
            .route("/whoami", get(whoami))
            .route("/logout", post(logout))
            .route("/logout/all", post(logout_everywhere))
            .into_router();
        let addr = common::serve(app).await;
        Self {
            addr,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn try_sign_in(&self, user: &str) -> Result<Browser, reqwest::Response> {
        let answer = self
            .client
            .post(self.url(&format!("/start/{user}")))
            .send()
            .await
            .unwrap();
        if answer.status() != 200 {
            return Err(answer);
        }
        // `Secure` cookies are not kept over plain HTTP: set by hand.
        let set = answer.headers()["set-cookie"].to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_owned();
        let body: Value = answer.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        Ok(Browser { cookie, csrf })
    }

    async fn sign_in(&self, user: &str) -> Browser {
        match self.try_sign_in(user).await {
            Ok(browser) => browser,
            Err(answer) => panic!("sign-in answered {}", answer.status()),
        }
    }

    async fn whoami(&self, browser: &Browser) -> reqwest::Response {
        self.client
            .get(self.url("/whoami"))
            .header("cookie", &browser.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn status(&self, browser: &Browser) -> u16 {
        self.whoami(browser).await.status().as_u16()
    }

    async fn post(&self, path: &str, browser: &Browser) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("cookie", &browser.cookie)
            .header("x-csrf-token", &browser.csrf)
            .send()
            .await
            .unwrap()
    }
}

/// Polls `/whoami` until it answers `status`; every status seen meanwhile.
async fn until_status(
    instance: &Instance,
    browser: &Browser,
    status: u16,
    within: Duration,
) -> BTreeSet<u16> {
    let start = Instant::now();
    let mut seen = BTreeSet::new();
    loop {
        let now = instance.status(browser).await;
        seen.insert(now);
        if now == status {
            return seen;
        }
        assert!(
            start.elapsed() < within,
            "/whoami still answers {now}, not {status}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_session_works_on_both_instances_and_a_logout_ends_it_on_both() {
    let Some(url) = redis_url() else { return };
    let options = RedisOptions::default();
    let (a, b) = (
        Instance::start(&url, options.clone(), SLOW, 10).await,
        Instance::start(&url, options, SLOW, 10).await,
    );
    let user = unique("ann");
    let first = a.sign_in(&user).await;
    let second = a.sign_in(&user).await;
    // Signed in on A, served by B (which now caches both).
    let me: Value = b.whoami(&first).await.json().await.unwrap();
    assert_eq!(me["username"], user.as_str());
    assert_eq!(b.status(&second).await, 200);
    assert_eq!(a.status(&first).await, 200);

    // B serves from its cache: the second session deleted behind its back
    // (no published end) still answers there, but not on a fresh read.
    let raw = RedisStore::connect(&url).await.unwrap();
    let deleted: i64 = raw.pool().del(second.id()).await.unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(b.status(&second).await, 200, "B read it from its cache");

    // A logout on A: refused there at once, and on B (where it is cached,
    // for up to 30 s without the feed) as soon as the end is published.
    assert_eq!(a.post("/logout", &first).await.status(), 200);
    assert_eq!(a.status(&first).await, 401);
    let seen = until_status(&b, &first, 401, Duration::from_secs(5)).await;
    assert!(seen.is_subset(&BTreeSet::from([200, 401])), "{seen:?}");
    // Replaying the cookie for a second logout: 401 on either instance.
    assert_eq!(b.post("/logout", &first).await.status(), 401);
}

#[tokio::test]
async fn logging_out_everywhere_on_one_instance_ends_every_session_on_all() {
    let Some(url) = redis_url() else { return };
    let options = RedisOptions::default();
    let (a, b) = (
        Instance::start(&url, options.clone(), SLOW, 10).await,
        Instance::start(&url, options, SLOW, 10).await,
    );
    let user = unique("bea");
    let browsers = [
        a.sign_in(&user).await,
        b.sign_in(&user).await,
        a.sign_in(&user).await,
    ];
    let other = b.sign_in(&unique("cid")).await;
    for browser in &browsers {
        assert_eq!(a.status(browser).await, 200);
        assert_eq!(b.status(browser).await, 200);
    }

    let answer = b.post("/logout/all", &browsers[0]).await;
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["ended"], 3);
    for browser in &browsers {
        until_status(&a, browser, 401, Duration::from_secs(5)).await;
        until_status(&b, browser, 401, Duration::from_secs(5)).await;
    }
    // Another user's session is untouched.
    assert_eq!(a.status(&other).await, 200);
    assert_eq!(b.status(&other).await, 200);
}

#[tokio::test]
async fn the_per_user_cap_holds_across_instances_under_concurrent_sign_ins() {
    let Some(url) = redis_url() else { return };
    const CAP: usize = 3;
    let options = RedisOptions::default();
    let instances = std::sync::Arc::new([
        Instance::start(&url, options.clone(), SLOW, CAP).await,
        Instance::start(&url, options, SLOW, CAP).await,
    ]);
    let user = unique("dan");
    let sign_ins = (0..16).map(|i| {
        let instances = std::sync::Arc::clone(&instances);
        let user = user.clone();
        tokio::spawn(async move { instances[i % 2].sign_in(&user).await })
    });
    let mut browsers = Vec::new();
    for sign_in in sign_ins {
        browsers.push(sign_in.await.unwrap());
    }
    let [a, b] = &*instances;

    // Exactly the cap survives, whichever instance asks.
    let mut alive = Vec::new();
    for browser in &browsers {
        let on_a = a.status(browser).await;
        assert_eq!(on_a, b.status(browser).await);
        if on_a == 200 {
            alive.push(browser.clone());
        }
    }
    assert_eq!(alive.len(), CAP);
    // And the index lists exactly those: none lost, none left over.
    let answer = a.post("/logout/all", &alive[0]).await;
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["ended"], CAP);
    for browser in &alive {
        until_status(b, browser, 401, Duration::from_secs(5)).await;
    }
    // A cap eviction on one instance reaches the other's cache.
    let first = a.sign_in(&user).await;
    assert_eq!(b.status(&first).await, 200);
    for _ in 0..CAP {
        b.sign_in(&user).await;
    }
    until_status(b, &first, 401, Duration::from_secs(5)).await;
    assert_eq!(a.status(&first).await, 401);
}

#[tokio::test]
async fn a_session_end_whose_message_was_lost_is_caught_by_the_heartbeat() {
    if redis_url().is_none() {
        return;
    }
    // A Redis of its own: the gap made here would empty the caches of the
    // other tests' instances too.
    let redis = OwnRedis::start();
    let url = redis.url();
    // Frequent heartbeats, but a bound (and so a cache lifetime) of 30 s:
    // only the heartbeat's sequence number can empty the cache in time.
    let feed = Feed {
        heartbeat: Duration::from_millis(200),
        bound: Duration::from_secs(30),
    };
    let instance = Instance::start(&url, RedisOptions::default(), feed, 10).await;
    let browser = instance.sign_in(&unique("fay")).await;
    assert_eq!(instance.status(&browser).await, 200);

    // End it the way the store does, but publish nothing: delete the record
    // and take a sequence number.
    let raw = RedisStore::connect(&url).await.unwrap();
    let deleted: i64 = raw.pool().del(browser.id()).await.unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(
        instance.status(&browser).await,
        200,
        "served from the cache"
    );
    let _: i64 = raw
        .pool()
        .incr("{portcullis:revocations}:seq")
        .await
        .unwrap();
    let seen = until_status(&instance, &browser, 401, Duration::from_secs(5)).await;
    assert!(seen.is_subset(&BTreeSet::from([200, 401])), "{seen:?}");
}

#[tokio::test]
async fn when_redis_stops_session_routes_answer_503_and_recover() {
    if redis_url().is_none() {
        return;
    }
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let options = RedisOptions::default().command_timeout(Duration::from_millis(300));
    let instance = Instance::start(&url, options, FAST, 10).await;
    let browser = instance.sign_in("eve").await;
    assert_eq!(instance.status(&browser).await, 200);

    redis.stop();
    // Served from the cache at most until the bound, then refused with
    // 503: never 401 (the session is not known to be gone), never 500.
    let seen = until_status(&instance, &browser, 503, FAST.bound * 4).await;
    assert!(seen.is_subset(&BTreeSet::from([200, 503])), "{seen:?}");
    let answer = instance.whoami(&browser).await;
    assert_eq!(answer.status(), 503);
    assert!(answer.headers().contains_key("retry-after"));
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "store_unavailable");
    let refused = instance.try_sign_in("eve").await.err().unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(instance.post("/logout", &browser).await.status(), 503);

    // A Redis without the data (no persistence): the old session is gone
    // (401), and signing in works again once the client has reconnected.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    let fresh = loop {
        match instance.try_sign_in("eve").await {
            Ok(browser) => break browser,
            Err(answer) => assert_eq!(answer.status(), 503),
        }
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(instance.status(&fresh).await, 200);
    let seen = until_status(&instance, &browser, 401, Duration::from_secs(5)).await;
    assert!(!seen.contains(&500), "{seen:?}");
}
