//! CSRF proof through the real routers: the showcase's session routes, and
//! a bearer route whose token is read from a cookie.

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod common;

use axum::Json;
use axum::body::Body;
use common::{Answer, send};
use http::{Request, StatusCode};
use portcullis::auth::bearer::TokenSources;
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use serde_json::json;

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";
const TRUSTED: &str = "https://example.com";

fn showcase() -> axum::Router {
    app::build(SECRET, &[TRUSTED.to_owned()]).unwrap()
}

async fn sign_in(app: &axum::Router) -> (String, String) {
    let request = Request::post("/session/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": "alice", "password": "alice-pass"}).to_string(),
        ))
        .unwrap();
    let answer = send(app, request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = answer.header("set-cookie").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let token = answer.json()["csrf_token"].as_str().unwrap().to_owned();
    (cookie, token)
}

fn logout(cookie: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post("/session/logout").header("cookie", cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

fn assert_refused(answer: &Answer) {
    answer.problem(StatusCode::FORBIDDEN, "csrf_failed");
}

#[tokio::test]
async fn cross_site_and_unproven_requests_are_refused() {
    let app = showcase();
    let (cookie, token) = sign_in(&app).await;
    let wrong = format!("{token}x");
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        // a trusted origin does not outweigh a cross-site fetch
        vec![("sec-fetch-site", "cross-site"), ("origin", TRUSTED)],
        // a token does not outweigh a foreign origin
        vec![("origin", "https://evil.example"), ("x-csrf-token", &token)],
        // neither header: the token is required, and must match
        vec![],
        vec![("x-csrf-token", &wrong)],
        vec![("x-csrf-token", "")],
    ] {
        let answer = send(&app, logout(&cookie, &headers)).await;
        assert_refused(&answer);
    }
    // the session survived every refused attempt
    let me = Request::get("/session/me")
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, me).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_token_or_a_same_origin_header_is_proof() {
    let app = showcase();
    for proof in [
        vec![("x-csrf-token", "TOKEN")],
        vec![("origin", TRUSTED)],
        vec![("sec-fetch-site", "same-origin")],
        vec![("sec-fetch-site", "same-origin"), ("origin", TRUSTED)],
    ] {
        let (cookie, token) = sign_in(&app).await;
        let headers: Vec<(&str, &str)> = proof
            .iter()
            .map(|(name, value)| {
                (
                    *name,
                    if *value == "TOKEN" {
                        token.as_str()
                    } else {
                        *value
                    },
                )
            })
            .collect();
        let answer = send(&app, logout(&cookie, &headers)).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{headers:?}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn login_refuses_cross_site_requests() {
    let app = showcase();
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let request = Request::post("/session/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::from("username=alice&password=alice-pass"))
            .unwrap();
        let answer = send(&app, request).await;
        assert_refused(&answer);
        assert!(answer.header("set-cookie").is_none());
    }
}

#[tokio::test]
async fn authorization_header_requests_are_not_affected() {
    let app = showcase();
    let granted = send(
        &app,
        common::token_form("grant_type=password&username=alice&password=alice-pass"),
    )
    .await;
    let token = granted.json()["access_token"].as_str().unwrap().to_owned();
    let request = Request::post("/items")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(
            json!({"name": "widget", "email": "a@example.com"}).to_string(),
        ))
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
}

#[tokio::test]
async fn cookie_authenticated_websocket_upgrades_check_the_origin() {
    let app = showcase();
    let (cookie, _) = sign_in(&app).await;
    let upgrade = |origin: &str| {
        Request::get("/session/me")
            .header("cookie", &cookie)
            .header("upgrade", "websocket")
            .header("connection", "upgrade")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    assert_refused(&send(&app, upgrade("https://evil.example")).await);
    assert_eq!(send(&app, upgrade(TRUSTED)).await.status, StatusCode::OK);
}

// --- A bearer token read from a cookie needs the same proof.

#[authenticated]
async fn write(caller: Principal) -> Json<serde_json::Value> {
    Json(json!({"by": caller.subject()}))
}

/// A public route that treats signed-in callers differently.
#[public]
async fn greet(caller: Option<Principal>) -> Json<serde_json::Value> {
    Json(json!({"by": caller.map(|caller| caller.subject().to_owned())}))
}

fn cookie_bearer_app() -> axum::Router {
    let security = Security::builder()
        .bearer(common::verifier())
        .token_sources(TokenSources::authorization_header().cookie("access_token"))
        .trusted_origins([TRUSTED])
        .build()
        .unwrap();
    SecureRouter::new(security)
        .route("/write", post(write))
        .route("/read", get(write))
        .route("/greet", post(greet).get(greet))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_bearer_token_from_a_cookie_needs_csrf_proof() {
    let app = cookie_bearer_app();
    let token = common::token("alice", &["user"], "");
    let with_cookie = |method: &str, uri: &str, headers: &[(&str, &str)]| {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("cookie", format!("access_token={token}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap()
    };
    // no session, so no token can prove anything: a header must
    assert_refused(&send(&app, with_cookie("POST", "/write", &[])).await);
    assert_refused(
        &send(
            &app,
            with_cookie("POST", "/write", &[("origin", "https://evil.example")]),
        )
        .await,
    );
    assert_eq!(
        send(&app, with_cookie("POST", "/write", &[("origin", TRUSTED)]))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, with_cookie("GET", "/read", &[])).await.status,
        StatusCode::OK
    );
    // the same token in the Authorization header needs nothing
    let request = Request::post("/write")
        .header("authorization", format!("Bearer {token}"))
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_public_route_asks_a_cookie_borne_caller_for_the_same_proof() {
    let app = cookie_bearer_app();
    let token = common::token("alice", &["user"], "");
    let greet = |method: &str, cookie: bool, headers: &[(&str, &str)]| {
        let mut request = Request::builder().method(method).uri("/greet");
        if cookie {
            request = request.header("cookie", format!("access_token={token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::empty()).unwrap()
    };
    // a cross-site or unproven write with the cookie is refused, not served
    // as alice
    assert_refused(&send(&app, greet("POST", true, &[])).await);
    assert_refused(
        &send(
            &app,
            greet("POST", true, &[("origin", "https://evil.example")]),
        )
        .await,
    );
    // proven, it is alice; without the cookie, anyone; a read needs nothing
    let proven = send(&app, greet("POST", true, &[("origin", TRUSTED)])).await;
    assert_eq!(proven.status, StatusCode::OK, "{}", proven.text);
    assert_eq!(proven.json()["by"], "alice");
    let anonymous = send(
        &app,
        greet("POST", false, &[("origin", "https://evil.example")]),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::OK, "{}", anonymous.text);
    assert_eq!(anonymous.json()["by"], serde_json::Value::Null);
    let read = send(&app, greet("GET", true, &[])).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json()["by"], "alice");
}
