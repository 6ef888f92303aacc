//! HTTP Basic (RFC 7617) against Argon2 hashes.

mod common;

use axum::Json;
use axum::body::Body;
use common::*;
use http::StatusCode;
use portcullis::prelude::*;
use portcullis::routing::get;
use serde_json::{Value, json};

#[requires_role("admin", scheme = basic)]
async fn secure_data(caller: Principal) -> Json<Value> {
    Json(json!({"message": "Secure data accessed", "user": caller.subject()}))
}

fn app() -> axum::Router {
    SecureRouter::new(security())
        .route("/secure-data", get(secure_data))
        .into_router()
}

async fn refused(answer: Answer, code: &str) {
    answer.problem(StatusCode::UNAUTHORIZED, code);
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Basic realm=\"secure-data\", charset=\"UTF-8\"")
    );
}

#[tokio::test]
async fn right_credentials_pass() {
    let answer = send(&app(), basic("/secure-data", "admin", "admin-pass")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"message": "Secure data accessed", "user": "admin"})
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = app();
    let wrong_password = send(&app, basic("/secure-data", "admin", "nope")).await;
    let unknown_user = send(&app, basic("/secure-data", "mallory", "admin-pass")).await;
    assert_eq!(wrong_password.text, unknown_user.text);
    refused(wrong_password, "invalid_credentials").await;
    refused(unknown_user, "invalid_credentials").await;
}

#[tokio::test]
async fn authenticated_without_role_is_403() {
    let answer = send(&app(), basic("/secure-data", "alice", "alice-pass")).await;
    answer.problem(StatusCode::FORBIDDEN, "insufficient_role");
}

#[tokio::test]
async fn malformed_headers_are_401_with_the_challenge() {
    let app = app();
    for value in [
        "Basic",
        "Basic !!!notbase64",
        "Basic bm9jb2xvbg==",
        "Basic OnBhc3M=",
    ] {
        let request = request("/secure-data")
            .header("authorization", value)
            .body(Body::empty())
            .unwrap();
        refused(send(&app, request).await, "invalid_credentials").await;
    }
    refused(
        send(&app, request("/secure-data").body(Body::empty()).unwrap()).await,
        "missing_credentials",
    )
    .await;
}
