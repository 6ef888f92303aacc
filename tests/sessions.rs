//! Browser sessions through the showcase's router and a small app of their
//! own: cookie attributes, login and logout, refused cookies, fixation,
//! timeouts, logging out everywhere and the per-user cap.

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod common;

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::response::IntoResponse;
use common::{Answer, bearer, send};
use http::{Request, StatusCode};
use portcullis::auth::session::{
    DEFAULT_MEMORY_SESSIONS, Id, MemoryStore, MokaStore, SessionEnded, SessionError, SessionStore,
};
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use portcullis::{Scheme, Session};
use serde_json::json;

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

fn showcase() -> axum::Router {
    app::build(SECRET, &["https://example.com".to_owned()]).unwrap()
}

fn login_json(user: &str, password: &str) -> Request<Body> {
    Request::post("/session/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": user, "password": password}).to_string(),
        ))
        .unwrap()
}

/// `name=value` of the session cookie the answer sets.
fn cookie_of(answer: &Answer) -> String {
    let set = answer.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_owned()
}

fn with_cookie(method: &str, uri: &str, cookie: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap()
}

async fn sign_in(app: &axum::Router, user: &str, password: &str) -> (String, String) {
    let answer = send(app, login_json(user, password)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let token = answer.json()["csrf_token"].as_str().unwrap().to_owned();
    (cookie_of(&answer), token)
}

fn logout(cookie: &str, token: &str) -> Request<Body> {
    Request::post("/session/logout")
        .header("cookie", cookie)
        .header("x-csrf-token", token)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn login_sets_an_opaque_strict_cookie_and_me_answers() {
    let app = showcase();
    let answer = send(&app, login_json("alice", "alice-pass")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["username"], "alice");
    let token = body["csrf_token"].as_str().unwrap();
    assert!(token.len() >= 43, "256-bit token: {token}");

    let set = answer.header("set-cookie").unwrap();
    let (pair, attributes) = set.split_once(';').unwrap();
    let (name, value) = pair.split_once('=').unwrap();
    assert_eq!(name, "__Host-session");
    // 128 random bits, base64url: nothing readable
    assert_eq!(value.len(), 22);
    assert!(!value.contains("alice"));
    assert_eq!(
        attributes.trim(),
        "Path=/; HttpOnly; Secure; SameSite=Strict"
    );
    assert!(!set.contains("Domain"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));

    let me = send(&app, with_cookie("GET", "/session/me", pair)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json(), json!({"username": "alice", "roles": ["user"]}));

    // a form works as well as JSON
    let form = Request::post("/session/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("username=guest&password=guest-pass"))
        .unwrap();
    let answer = send(&app, form).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.json()["username"], "guest");
}

#[tokio::test]
async fn wrong_passwords_and_missing_cookies_are_401() {
    let app = showcase();
    let refused = send(&app, login_json("alice", "wrong")).await;
    refused.problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert!(refused.header("set-cookie").is_none());

    let anonymous = send(
        &app,
        Request::get("/session/me").body(Body::empty()).unwrap(),
    )
    .await;
    anonymous.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(anonymous.header("www-authenticate"), Some("Cookie"));
}

#[tokio::test]
async fn tampered_truncated_and_forged_cookies_are_401_never_500() {
    let app = showcase();
    let (cookie, _) = sign_in(&app, "alice", "alice-pass").await;
    let value = cookie.split_once('=').unwrap().1;
    let mut flipped = value.to_owned().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let forged = "AAAAAAAAAAAAAAAAAAAAAA";
    for bad in [
        format!("__Host-session={flipped}"),
        format!("__Host-session={}", &value[..10]),
        format!("__Host-session={forged}"),
        "__Host-session=not an id at all".to_owned(),
        "__Host-session=".to_owned(),
        format!("__Host-session={value}; __Host-session={forged}"),
    ] {
        let answer = send(&app, with_cookie("GET", "/session/me", &bad)).await;
        let body = answer.problem(StatusCode::UNAUTHORIZED, "invalid_session");
        assert_eq!(answer.header("www-authenticate"), Some("Cookie"), "{bad}");
        assert!(!body.to_string().contains(value));
    }
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server_and_replay_is_401() {
    let app = showcase();
    let (cookie, token) = sign_in(&app, "alice", "alice-pass").await;
    let answer = send(&app, logout(&cookie, &token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cleared = answer.header("set-cookie").unwrap();
    assert!(cleared.starts_with("__Host-session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"));

    let replay = send(&app, with_cookie("GET", "/session/me", &cookie)).await;
    replay.problem(StatusCode::UNAUTHORIZED, "invalid_session");
    let again = send(&app, logout(&cookie, &token)).await;
    again.problem(StatusCode::UNAUTHORIZED, "invalid_session");
}

#[tokio::test]
async fn a_planted_session_id_is_never_adopted() {
    let app = showcase();
    // an id the attacker made up, and one the attacker really holds
    let planted = "__Host-session=AAAAAAAAAAAAAAAAAAAAAA";
    let (attacker, _) = sign_in(&app, "guest", "guest-pass").await;
    for fixed in [planted.to_owned(), attacker.clone()] {
        let mut request = login_json("alice", "alice-pass");
        request
            .headers_mut()
            .insert("cookie", fixed.parse().unwrap());
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::OK);
        let issued = cookie_of(&answer);
        assert_ne!(issued, fixed);
        // the fixed id does not carry alice's session
        let me = send(&app, with_cookie("GET", "/session/me", &fixed)).await;
        me.problem(StatusCode::UNAUTHORIZED, "invalid_session");
        let me = send(&app, with_cookie("GET", "/session/me", &issued)).await;
        assert_eq!(me.json()["username"], "alice");
    }
}

#[tokio::test]
async fn schemes_do_not_mix() {
    let app = showcase();
    let (cookie, _) = sign_in(&app, "admin", "admin-pass").await;
    // the session cookie does not open a bearer route
    let answer = send(&app, with_cookie("GET", "/users/me", &cookie)).await;
    answer.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));

    // a bearer token does not open a session route
    let granted = send(
        &app,
        common::token_form("grant_type=password&username=admin&password=admin-pass"),
    )
    .await;
    let token = granted.json()["access_token"].as_str().unwrap().to_owned();
    let answer = send(&app, bearer("/session/me", &token)).await;
    answer.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(answer.header("www-authenticate"), Some("Cookie"));
}

// --- A small app of its own, for timeouts, the cap and logging out everywhere.

#[public]
async fn start(session: Session) -> Result<impl IntoResponse, SessionError> {
    let started = session.start("bob", vec!["user".into()], vec![]).await?;
    let body = Json(json!({"csrf_token": started.csrf_token()}));
    Ok((started, body))
}

#[authenticated(scheme = session)]
async fn whoami(caller: Principal) -> Json<serde_json::Value> {
    assert_eq!(caller.scheme(), Scheme::Session);
    Json(json!({"username": caller.subject()}))
}

#[authenticated(scheme = session)]
async fn stop(session: Session) -> Result<SessionEnded, SessionError> {
    session.end().await
}

fn small_app(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/start", post(start))
        .route("/whoami", get(whoami))
        .route("/stop", post(stop))
        .build()
        .unwrap()
}

async fn start_session(app: &axum::Router) -> String {
    let answer = send(app, Request::post("/start").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    cookie_of(&answer)
}

async fn whoami_status(app: &axum::Router, cookie: &str) -> StatusCode {
    send(app, with_cookie("GET", "/whoami", cookie))
        .await
        .status
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_user() {
    let security = Security::builder()
        .sessions(MemoryStore::default())
        .build()
        .unwrap();
    let app = small_app(security.clone());
    let first = start_session(&app).await;
    let second = start_session(&app).await;
    assert_eq!(whoami_status(&app, &first).await, StatusCode::OK);
    assert_eq!(whoami_status(&app, &second).await, StatusCode::OK);
    // the configuration's `Debug` shows no session id
    let id = first.split_once('=').unwrap().1;
    assert!(!format!("{security:?}").contains(id));

    let ended = security.sessions().unwrap().end_all("bob").await.unwrap();
    assert_eq!(ended, 2);
    assert_eq!(whoami_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami_status(&app, &second).await, StatusCode::UNAUTHORIZED);
    // and a new sign-in works again
    let third = start_session(&app).await;
    assert_eq!(whoami_status(&app, &third).await, StatusCode::OK);
}

#[tokio::test]
async fn signing_in_beyond_the_cap_ends_the_oldest_session() {
    let security = Security::builder()
        .sessions(MemoryStore::default())
        .sessions_per_user(2)
        .build()
        .unwrap();
    let app = small_app(security);
    let first = start_session(&app).await;
    let second = start_session(&app).await;
    let third = start_session(&app).await;
    assert_eq!(whoami_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami_status(&app, &second).await, StatusCode::OK);
    assert_eq!(whoami_status(&app, &third).await, StatusCode::OK);
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() {
    let idle = Security::builder()
        .sessions(MemoryStore::default())
        .session_idle_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let absolute = Security::builder()
        .sessions(MemoryStore::default())
        .session_absolute_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    for security in [idle, absolute] {
        let app = small_app(security);
        let cookie = start_session(&app).await;
        assert_eq!(whoami_status(&app, &cookie).await, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let answer = send(&app, with_cookie("GET", "/whoami", &cookie)).await;
        answer.problem(StatusCode::UNAUTHORIZED, "invalid_session");
    }
}

#[test]
fn weaker_cookie_settings_are_checked_at_build() {
    // `__Host-` needs `Secure`
    assert!(
        Security::builder()
            .sessions(MemoryStore::default())
            .insecure_session_cookie()
            .build()
            .is_err()
    );
    let relaxed = Security::builder()
        .sessions(MemoryStore::default())
        .session_cookie_name("sid")
        .insecure_session_cookie()
        .lax_session_cookie()
        .build();
    assert!(relaxed.is_ok());
    assert!(
        Security::builder()
            .sessions(MemoryStore::default())
            .session_cookie_name("bad name")
            .build()
            .is_err()
    );
    assert!(
        Security::builder()
            .sessions(MemoryStore::default())
            .sessions_per_user(0)
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn the_route_table_shows_the_session_scheme() {
    let security = Security::builder()
        .sessions(MemoryStore::default())
        .build()
        .unwrap();
    let router = SecureRouter::<()>::new(security).route("/whoami", get(whoami));
    let schemes: Vec<Scheme> = router.routes().iter().map(|route| route.scheme()).collect();
    assert_eq!(schemes, [Scheme::Session]);
    // without a session store, a session route is refused at build
    let plain = Security::builder().build().unwrap();
    assert!(
        SecureRouter::<()>::new(plain)
            .route("/whoami", get(whoami))
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn activity_keeps_an_idle_session_alive() {
    let security = Security::builder()
        .sessions(MemoryStore::default())
        .session_idle_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let app = small_app(security);
    let cookie = start_session(&app).await;
    // 3.6 s in all, longer than the idle timeout, but never 3 s idle
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(whoami_status(&app, &cookie).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_bounded_memory_store_forgets_abandoned_sessions() {
    let store = MokaStore::new(Some(DEFAULT_MEMORY_SESSIONS));
    let security = Security::builder()
        .sessions(store.clone())
        .session_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let app = small_app(security);
    let cookie = start_session(&app).await;
    let id: Id = cookie.split_once('=').unwrap().1.parse().unwrap();
    assert!(store.load(&id).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Never asked for again, it is gone all the same (tower-sessions'
    // `MemoryStore` would keep it until asked).
    assert!(store.load(&id).await.unwrap().is_none());
}
