//! Where bearer tokens are read from: the header by default; a cookie, a
//! custom source, and the query string of WebSocket upgrades when opted in.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use portcullis::auth::bearer::TokenSources;
use portcullis::prelude::*;
use portcullis::routing::get;
use portcullis::testing::TestKeys;

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

#[public]
async fn greeting(caller: Option<Principal>) -> String {
    caller.map_or_else(
        || "hello stranger".to_owned(),
        |caller| format!("hello {}", caller.subject()),
    )
}

fn api_token(parts: &http::request::Parts) -> Option<&str> {
    parts.headers.get("x-api-token")?.to_str().ok()
}

fn app(keys: &TestKeys, sources: Option<TokenSources>) -> axum::Router {
    let mut security = keys.security();
    if let Some(sources) = sources {
        security = security.token_sources(sources);
    }
    SecureRouter::new(security.build().unwrap())
        .route("/me", get(me))
        .route("/ws", get(me))
        .route("/greeting", get(greeting))
        .into_router()
}

fn all_sources() -> TokenSources {
    TokenSources::authorization_header()
        .cookie("access_token")
        .websocket_query("access_token")
        .custom(api_token)
}

fn with_header(uri: &str, name: &str, value: &str) -> Request<Body> {
    request(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

fn websocket(uri: &str) -> http::request::Builder {
    request(uri)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
}

#[tokio::test]
async fn only_the_header_is_read_by_default() {
    let keys = TestKeys::hs256();
    let app = app(&keys, None);
    let token = keys.user("alice").token();
    assert_eq!(send(&app, bearer("/me", &token)).await.text, "alice");
    let cookie = with_header("/me", "cookie", &format!("access_token={token}"));
    send(&app, cookie)
        .await
        .problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    let query = websocket(&format!("/ws?access_token={token}"))
        .body(Body::empty())
        .unwrap();
    send(&app, query)
        .await
        .problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    let custom = with_header("/me", "x-api-token", &token);
    send(&app, custom)
        .await
        .problem(StatusCode::UNAUTHORIZED, "missing_credentials");
}

#[tokio::test]
async fn a_cookie_carries_the_token_when_configured() {
    let keys = TestKeys::hs256();
    let app = app(&keys, Some(all_sources()));
    let token = keys.user("alice").token();
    let cookie = with_header(
        "/me",
        "cookie",
        &format!("theme=dark; access_token={token}; lang=en"),
    );
    assert_eq!(send(&app, cookie).await.text, "alice");
    // An optional caller on a public route is read from the cookie too.
    let cookie = with_header("/greeting", "cookie", &format!("access_token={token}"));
    assert_eq!(send(&app, cookie).await.text, "hello alice");
    let stranger = send(&app, request("/greeting").body(Body::empty()).unwrap()).await;
    assert_eq!(stranger.text, "hello stranger");

    let forged = with_header("/me", "cookie", &format!("access_token={token}x"));
    send(&app, forged)
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    let twice = with_header(
        "/me",
        "cookie",
        &format!("access_token={token}; access_token={token}"),
    );
    send(&app, twice)
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    let not_a_token = with_header("/greeting", "cookie", "access_token=<script>");
    send(&app, not_a_token)
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn the_header_wins_over_other_sources() {
    let keys = TestKeys::hs256();
    let app = app(&keys, Some(all_sources()));
    let (alice, bob) = (keys.user("alice").token(), keys.user("bob").token());
    let both = request("/me")
        .header("authorization", format!("Bearer {alice}"))
        .header("cookie", format!("access_token={bob}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, both).await.text, "alice");
    // A bad header is refused, not skipped in favour of the cookie.
    let bad_header = request("/me")
        .header("authorization", "Bearer not-a-token")
        .header("cookie", format!("access_token={bob}"))
        .body(Body::empty())
        .unwrap();
    send(&app, bad_header)
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn the_query_string_counts_only_for_websocket_upgrades() {
    let keys = TestKeys::hs256();
    let app = app(&keys, Some(all_sources()));
    let token = keys.user("alice").token();
    let upgrade = websocket(&format!("/ws?room=1&access_token={token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, upgrade).await.text, "alice");
    let plain = request(&format!("/ws?access_token={token}"))
        .body(Body::empty())
        .unwrap();
    send(&app, plain)
        .await
        .problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    let repeated = websocket(&format!("/ws?access_token={token}&access_token={token}"))
        .body(Body::empty())
        .unwrap();
    send(&app, repeated)
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn a_custom_source_reads_the_token() {
    let keys = TestKeys::hs256();
    let app = app(&keys, Some(all_sources()));
    let custom = with_header("/me", "x-api-token", &keys.user("carol").token());
    assert_eq!(send(&app, custom).await.text, "carol");
}
