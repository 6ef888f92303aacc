//! A goose load test of the `secure_api` showcase (its HTTP surface is
//! `examples/secure_api/README.md`): one scenario per role, admin, user,
//! guest, anonymous, and an attacker sending forged tokens and wrong
//! passwords.
//!
//! Every request states the statuses the contract allows for it; any other
//! answer is recorded as a failure of that route (it shows in goose's error
//! table) and fails the step, and the process exits non-zero when any request
//! failed. Only loopback targets are accepted, and the run is bounded in time
//! (`--run-time`, 10 s unless given).
//!
//! Tokens: with `JWT_SECRET` set (the showcase's own secret) they are minted
//! here as HS256 JWTs with the contract's claims, so the load never meets the
//! login limit; without it they are fetched once per account from
//! `POST /token` when the first user starts (3 calls).
//!
//! `run.sh` builds and starts the showcase, runs this, and stops it.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goose::metrics::GooseRequestMetricTimingData;
use goose::prelude::*;
use reqwest::RequestBuilder;
use reqwest::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

/// Where the showcase listens by default (the contract's `SECURE_API_ADDR`).
const DEFAULT_HOST: &str = "http://127.0.0.1:8080";
/// Seconds of load when `--run-time` is not given.
const DEFAULT_RUN_TIME: usize = 10;
/// A secret the showcase does not use: tokens signed with it are forgeries.
const FORGER_SECRET: &[u8] = b"not-the-showcase-secret-0123456789abcdef";

/// One bearer token per seeded account, made once for the whole run.
struct Tokens {
    admin: String,
    alice: String,
    guest: String,
    /// A token the showcase itself would accept, but expired an hour ago
    /// (only with `JWT_SECRET`, which signing it needs).
    expired: Option<String>,
}

static TOKENS: OnceCell<Tokens> = OnceCell::const_new();
/// The id of the newest item a `POST /items` created (0: none yet), so that
/// reads can expect 200 rather than "200 or 404".
static LAST_ITEM: AtomicU64 = AtomicU64::new(0);

/// The accounts of the contract: username, password, roles, scopes.
const ACCOUNTS: [(&str, &str, &str, &str); 3] = [
    (
        "admin",
        "admin-pass",
        "admin",
        "items:read items:write users:delete",
    ),
    ("alice", "alice-pass", "user", "items:read items:write"),
    ("guest", "guest-pass", "guest", "items:read"),
];

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// An HS256 token with the claims the showcase issues: the JWS compact
/// form (RFC 7515), its MAC over `header.claims` with `secret`.
fn mint(secret: &[u8], (user, _, role, scope): (&str, &str, &str, &str), exp: u64) -> String {
    let claims = json!({
        "sub": user,
        "iat": exp.saturating_sub(3600),
        "exp": exp,
        "roles": [role],
        "scope": scope,
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The three tokens: minted with `JWT_SECRET`, or one `POST /token` each.
async fn tokens(user: &mut GooseUser) -> Result<&'static Tokens, Box<TransactionError>> {
    TOKENS
        .get_or_try_init(|| async move {
            if let Ok(secret) = std::env::var("JWT_SECRET") {
                let secret = secret.into_bytes();
                let exp = now() + 3600;
                return Ok(Tokens {
                    admin: mint(&secret, ACCOUNTS[0], exp),
                    alice: mint(&secret, ACCOUNTS[1], exp),
                    guest: mint(&secret, ACCOUNTS[2], exp),
                    expired: Some(mint(&secret, ACCOUNTS[0], now() - 3600)),
                });
            }
            let mut minted = Vec::with_capacity(ACCOUNTS.len());
            for (username, password, _, _) in ACCOUNTS {
                let response = user
                    .get_request_builder(&GooseMethod::Post, "/token")?
                    .form(&[
                        ("grant_type", "password"),
                        ("username", username),
                        ("password", password),
                    ])
                    .send()
                    .await
                    .map_err(|error| custom(format!("POST /token for {username}: {error}")))?;
                let status = response.status();
                let body: Value = response
                    .json()
                    .await
                    .map_err(|error| custom(format!("POST /token for {username}: {error}")))?;
                let token = body["access_token"].as_str().ok_or_else(|| {
                    custom(format!(
                        "POST /token for {username} answered {status} without a token \
                         (set JWT_SECRET, or raise SECURE_API_LOGIN_LIMIT)"
                    ))
                })?;
                minted.push(token.to_owned());
            }
            let [admin, alice, guest] = <[String; 3]>::try_from(minted)
                .map_err(|_| custom("three accounts, three tokens".to_owned()))?;
            Ok(Tokens {
                admin,
                alice,
                guest,
                expired: None,
            })
        })
        .await
}

fn custom(message: String) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(message))
}

/// Sends one request and records it under `name` (the route's template, so
/// that every id lands on one line of goose's tables). Any status outside
/// `expected` is a failure of that route and of this step; so is a 401
/// without `WWW-Authenticate`, a 429 or 503 without `Retry-After`, and a
/// body without `must_contain` when given.
async fn call(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    name: &str,
    expected: &[u16],
    must_contain: Option<&str>,
    build: impl FnOnce(RequestBuilder) -> RequestBuilder,
) -> TransactionResult {
    let label = match method {
        GooseMethod::Get => "GET",
        GooseMethod::Post => "POST",
        GooseMethod::Delete => "DELETE",
        _ => "OTHER",
    };
    let request = build(user.get_request_builder(&method, path)?);
    let started = Instant::now();
    let sent = request.send().await;
    let elapsed = started.elapsed();
    let (status, problem) = match sent {
        Err(error) => (None, Some(format!("no answer: {error}"))),
        Ok(response) => {
            let status = response.status().as_u16();
            let challenged = response.headers().contains_key(WWW_AUTHENTICATE);
            let told_when = response.headers().contains_key(RETRY_AFTER);
            let problem = if !expected.contains(&status) {
                Some(format!("{status}, expected {expected:?}"))
            } else if status == 401 && !challenged {
                Some("401 without WWW-Authenticate".to_owned())
            } else if (status == 429 || status == 503) && !told_when {
                Some(format!("{status} without Retry-After"))
            } else {
                None
            };
            let problem = match (problem, must_contain) {
                (None, Some(needle)) if status < 300 || status == 400 => {
                    match response.text().await {
                        Ok(body) if body.contains(needle) => None,
                        Ok(_) => Some(format!("{status} without {needle:?} in the body")),
                        Err(error) => Some(format!("{status}, body unreadable: {error}")),
                    }
                }
                (problem, _) => problem,
            };
            (Some(status), problem)
        }
    };
    user.record_custom_request_duration(
        label,
        name,
        elapsed,
        problem.is_none(),
        status,
        problem.as_deref(),
    )
    .await?;
    match problem {
        None => Ok(()),
        Some(problem) => Err(custom(format!("{label} {name}: {problem}"))),
    }
}

/// A fresh, valid `POST /items` body.
fn new_item(owner: &str) -> Value {
    json!({"name": "Gadget", "email": format!("{owner}@example.com"), "tags": ["load", "test"]})
}

/// Create an item; remember its id for the readers.
async fn create_item(user: &mut GooseUser, token: &str, owner: &str) -> TransactionResult {
    let body = new_item(owner);
    let result = call(
        user,
        GooseMethod::Post,
        "/items",
        "/items",
        &[201],
        Some("\"id\""),
        |request| request.bearer_auth(token).json(&body),
    )
    .await;
    // Ids are handed out 1, 2, 3, … and never reused: after n creations,
    // item n exists.
    if result.is_ok() {
        LAST_ITEM.fetch_add(1, Ordering::Relaxed);
    }
    result
}

/// Read an item: one some user created (200), or, before any exists, item 1
/// (200 or 404).
async fn read_item(user: &mut GooseUser, token: &str) -> TransactionResult {
    let last = LAST_ITEM.load(Ordering::Relaxed);
    let (id, expected): (u64, &[u16]) = if last == 0 {
        (1, &[200, 404])
    } else {
        (last, &[200])
    };
    call(
        user,
        GooseMethod::Get,
        &format!("/items/{id}"),
        "/items/{id}",
        expected,
        None,
        |request| request.bearer_auth(token),
    )
    .await
}

// ---- admin ---------------------------------------------------------------

async fn admin_stats(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.admin;
    call(
        user,
        GooseMethod::Get,
        "/admin/stats",
        "/admin/stats",
        &[200],
        Some("items"),
        |r| r.bearer_auth(token),
    )
    .await
}

async fn admin_me(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.admin;
    call(
        user,
        GooseMethod::Get,
        "/users/me",
        "/users/me",
        &[200],
        Some("\"admin\""),
        |r| r.bearer_auth(token),
    )
    .await
}

async fn admin_read_item(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.admin;
    read_item(user, token).await
}

async fn admin_create_item(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.admin;
    create_item(user, token, "admin").await
}

// ---- user (alice) --------------------------------------------------------

async fn user_me(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.alice;
    call(
        user,
        GooseMethod::Get,
        "/users/me",
        "/users/me",
        &[200],
        Some("\"alice\""),
        |r| r.bearer_auth(token),
    )
    .await
}

async fn user_admin_stats(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.alice;
    call(
        user,
        GooseMethod::Get,
        "/admin/stats",
        "/admin/stats as user",
        &[403],
        None,
        |r| r.bearer_auth(token),
    )
    .await
}

async fn user_create_item(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.alice;
    create_item(user, token, "alice").await
}

// ---- guest ---------------------------------------------------------------

async fn guest_read_item(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.guest;
    read_item(user, token).await
}

async fn guest_create_item(user: &mut GooseUser) -> TransactionResult {
    let token = &tokens(user).await?.guest;
    let body = new_item("guest");
    call(
        user,
        GooseMethod::Post,
        "/items",
        "/items as guest",
        &[403],
        None,
        |r| r.bearer_auth(token).json(&body),
    )
    .await
}

// ---- anonymous -----------------------------------------------------------

async fn anonymous_health(user: &mut GooseUser) -> TransactionResult {
    call(
        user,
        GooseMethod::Get,
        "/health",
        "/health",
        &[200],
        Some("ok"),
        |r| r,
    )
    .await
}

async fn anonymous_me(user: &mut GooseUser) -> TransactionResult {
    call(
        user,
        GooseMethod::Get,
        "/users/me",
        "/users/me no token",
        &[401],
        None,
        |r| r,
    )
    .await
}

// ---- attacker ------------------------------------------------------------

/// Admin claims signed with a secret that is not the showcase's.
async fn forged_signature(user: &mut GooseUser) -> TransactionResult {
    let forged = mint(FORGER_SECRET, ACCOUNTS[0], now() + 3600);
    call(
        user,
        GooseMethod::Get,
        "/admin/stats",
        "/admin/stats forged",
        &[401],
        None,
        |r| r.bearer_auth(forged),
    )
    .await
}

/// Alice's real token with its claims rewritten to make her admin; the
/// signature is hers.
async fn tampered_claims(user: &mut GooseUser) -> TransactionResult {
    let real = tokens(user).await?.alice.clone();
    let mut parts = real.split('.');
    let (header, signature) = (parts.next().unwrap_or(""), parts.nth(1).unwrap_or(""));
    let claims = json!({
        "sub": "alice", "iat": now(), "exp": now() + 3600,
        "roles": ["admin"], "scope": "items:read items:write users:delete",
    });
    let tampered = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    call(
        user,
        GooseMethod::Get,
        "/admin/stats",
        "/admin/stats altered",
        &[401],
        None,
        |r| r.bearer_auth(tampered),
    )
    .await
}

/// An unsigned token (`alg: none`) claiming admin.
async fn alg_none(user: &mut GooseUser) -> TransactionResult {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        json!({"sub": "admin", "exp": now() + 3600, "roles": ["admin"],
               "scope": "items:read items:write users:delete"})
        .to_string(),
    );
    let unsigned = format!("{header}.{claims}.");
    call(
        user,
        GooseMethod::Get,
        "/users/me",
        "/users/me alg none",
        &[401],
        None,
        |r| r.bearer_auth(unsigned),
    )
    .await
}

/// A correctly signed token that expired an hour ago (needs `JWT_SECRET`;
/// without it, a garbage token).
async fn expired_or_garbage(user: &mut GooseUser) -> TransactionResult {
    let token = tokens(user)
        .await?
        .expired
        .clone()
        .unwrap_or_else(|| "not.a.token".to_owned());
    call(
        user,
        GooseMethod::Get,
        "/users/me",
        "/users/me expired",
        &[401],
        None,
        |r| r.bearer_auth(token),
    )
    .await
}

/// A wrong password at the token endpoint: an RFC 6749 `invalid_grant`, 429
/// once the failure or login limit is reached, or 503 when the
/// password-hashing gate is full (all three correct).
async fn wrong_password_token(user: &mut GooseUser) -> TransactionResult {
    call(
        user,
        GooseMethod::Post,
        "/token",
        "/token bad pw",
        &[400, 429, 503],
        Some("invalid_grant"),
        |r| {
            r.form(&[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "guess"),
            ])
        },
    )
    .await
}

/// A wrong HTTP Basic password: 401, or 429 (rate limited) or 503 (the
/// password-hashing gate is full).
async fn wrong_password_basic(user: &mut GooseUser) -> TransactionResult {
    call(
        user,
        GooseMethod::Get,
        "/secure-data",
        "/secure-data bad pw",
        &[401, 429, 503],
        None,
        |r| r.basic_auth("admin", Some("guess")),
    )
    .await
}

/// The `--host` the command line gives, if any.
fn host_argument() -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "-H" || arg == "--host" {
            return args.next();
        }
        if let Some(value) = arg.strip_prefix("--host=") {
            return Some(value.to_owned());
        }
        if let Some(value) = arg.strip_prefix("-H").filter(|value| !value.is_empty()) {
            return Some(value.to_owned());
        }
    }
    None
}

/// Only loopback targets: this drives real load and forged credentials.
fn is_loopback(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn scenarios() -> Result<Vec<Scenario>, GooseError> {
    Ok(vec![
        scenario!("admin")
            .set_weight(2)?
            .register_transaction(transaction!(admin_stats).set_name("admin stats"))
            .register_transaction(transaction!(admin_me).set_name("admin me"))
            .register_transaction(transaction!(admin_read_item).set_name("admin read item"))
            .register_transaction(transaction!(admin_create_item).set_name("admin create item")),
        scenario!("user")
            .set_weight(3)?
            .register_transaction(transaction!(user_me).set_name("user me"))
            .register_transaction(transaction!(user_admin_stats).set_name("user admin stats"))
            .register_transaction(transaction!(user_create_item).set_name("user create item")),
        scenario!("guest")
            .set_weight(2)?
            .register_transaction(transaction!(guest_read_item).set_name("guest read item"))
            .register_transaction(transaction!(guest_create_item).set_name("guest create item")),
        scenario!("anonymous")
            .set_weight(2)?
            .register_transaction(transaction!(anonymous_health).set_name("anonymous health"))
            .register_transaction(transaction!(anonymous_me).set_name("anonymous me")),
        scenario!("attacker")
            .set_weight(1)?
            .register_transaction(transaction!(forged_signature).set_name("forged signature"))
            .register_transaction(transaction!(tampered_claims).set_name("tampered claims"))
            .register_transaction(transaction!(alg_none).set_name("alg none"))
            .register_transaction(transaction!(expired_or_garbage).set_name("expired token"))
            .register_transaction(
                transaction!(wrong_password_token).set_name("wrong password at /token"),
            )
            .register_transaction(
                transaction!(wrong_password_basic).set_name("wrong Basic password"),
            ),
    ])
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failed) => {
            eprintln!(
                "loadtest: FAILED: {failed} request(s) got an answer the contract does not allow"
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("loadtest: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs the attack; the number of failed requests.
async fn run() -> Result<usize, Box<dyn std::error::Error>> {
    let host = host_argument().unwrap_or_else(|| DEFAULT_HOST.to_owned());
    if !is_loopback(&host) {
        return Err(format!(
            "refusing {host}: only loopback targets (127.0.0.0/8, ::1, localhost)"
        )
        .into());
    }
    let mut attack: GooseAttack = *GooseAttack::initialize()?
        .set_default(GooseDefault::Host, DEFAULT_HOST)?
        .set_default(GooseDefault::RunTime, DEFAULT_RUN_TIME)?
        .set_default(GooseDefault::Timeout, "10")?
        // No controller socket (goose's WebSocket one is off unless asked
        // for): the only traffic is the load itself.
        .set_default(GooseDefault::NoTelnet, true)?;
    for scenario in scenarios()? {
        attack = attack.register_scenario(scenario);
    }
    let metrics = attack.execute().await?;
    let seconds = metrics.duration.max(1) as f64;
    let (mut sent, mut failed) = (0, 0);
    println!(
        "\nloadtest: per route, over {} s of load with {} users (goose's tables above \
         shorten the names)",
        metrics.duration, metrics.maximum_users
    );
    println!(
        "{:<26} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7}  statuses",
        "route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"
    );
    let ms = |times: &GooseRequestMetricTimingData, percent: f32| {
        times.percentile_us(percent) as f64 / 1000.0
    };
    // Every route's times in one histogram, for the last line's percentiles.
    let mut all = GooseRequestMetricTimingData::default();
    let mut routes: Vec<_> = metrics.requests.iter().collect();
    routes.sort_by(|a, b| a.0.cmp(b.0));
    for (route, aggregate) in routes {
        let count = aggregate.success_count + aggregate.fail_count;
        sent += count;
        failed += aggregate.fail_count;
        let times = &aggregate.raw_data;
        for (&bucket, &hits) in times.times_us.iter() {
            let before = all.times_us.get(&bucket).copied().unwrap_or(0);
            all.times_us.insert(bucket, before + hits);
        }
        if all.counter == 0 || times.minimum_time_us < all.minimum_time_us {
            all.minimum_time_us = times.minimum_time_us;
        }
        all.maximum_time_us = all.maximum_time_us.max(times.maximum_time_us);
        all.total_time_us += times.total_time_us;
        all.counter += times.counter;
        let mut statuses: Vec<_> = aggregate.status_code_counts.iter().collect();
        statuses.sort();
        let statuses = statuses
            .iter()
            .map(|(status, count)| format!("{count}×{status}"))
            .collect::<Vec<_>>()
            .join(" ");
        println!(
            "{route:<26} {count:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>7}  {statuses}",
            count as f64 / seconds,
            ms(times, 0.50),
            ms(times, 0.95),
            ms(times, 0.99),
            aggregate.fail_count,
        );
    }
    println!(
        "{:<26} {sent:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {failed:>7}",
        "all routes",
        sent as f64 / seconds,
        ms(&all, 0.50),
        ms(&all, 0.95),
        ms(&all, 0.99),
    );
    if sent == 0 {
        return Err("no request was sent".into());
    }
    Ok(failed)
}
