//! The secure router behind the hardening layers: the guards' refusals get
//! the same headers, ids and shape as every other answer.

mod common;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use portcullis::prelude::*;
use portcullis::routing::{get, post};

#[requires_role("admin")]
async fn stats() -> &'static str {
    "{}"
}

#[requires_role("user")]
async fn echo(body: String) -> String {
    body
}

#[public]
async fn crash() -> &'static str {
    panic!("a bug in a handler")
}

fn app() -> axum::Router {
    let security = security();
    let router = SecureRouter::new(security.clone())
        .route("/admin/stats", get(stats))
        .route("/echo", post(echo))
        .route("/crash", get(crash))
        .into_router();
    Hardening::new().security(&security).apply(router).unwrap()
}

#[tokio::test]
async fn guard_refusals_carry_the_security_headers() {
    let app = app();
    let missing = send(&app, request("/admin/stats").body(Body::empty()).unwrap()).await;
    missing.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    assert_contract_headers(&missing);

    let forbidden = send(&app, bearer("/admin/stats", &token("alice", &["user"], ""))).await;
    forbidden.problem(StatusCode::FORBIDDEN, "insufficient_role");
    assert_contract_headers(&forbidden);

    let allowed = send(&app, bearer("/admin/stats", &token("root", &["admin"], ""))).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_contract_headers(&allowed);
}

#[tokio::test]
async fn router_fallbacks_and_panics_are_problems_with_headers() {
    let app = app();
    let missing = send(&app, request("/nowhere").body(Body::empty()).unwrap()).await;
    missing.problem(StatusCode::NOT_FOUND, "not_found");
    assert_contract_headers(&missing);
    let crashed = send(&app, request("/crash").body(Body::empty()).unwrap()).await;
    let body = crashed.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(!body.to_string().contains("a bug"), "{body}");
    assert_contract_headers(&crashed);
    // and the server keeps serving
    assert_eq!(
        send(&app, bearer("/admin/stats", &token("root", &["admin"], "")))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn oversized_bodies_are_413_problems() {
    let request = Request::builder()
        .method("POST")
        .uri("/echo")
        .header(
            "authorization",
            format!("Bearer {}", token("alice", &["user"], "")),
        )
        .body(Body::from("a".repeat(70 * 1024)))
        .unwrap();
    let answer = send(&app(), request).await;
    answer.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_contract_headers(&answer);
}
