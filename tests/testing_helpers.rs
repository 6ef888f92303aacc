//! `portcullis::testing`: one-line tokens for applications' own tests.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use axum::Json;
use axum::body::Body;
use common::*;
use http::StatusCode;
use jsonwebtoken::Algorithm;
use portcullis::oauth::{SigningKey, TokenIssuer};
use portcullis::prelude::*;
use portcullis::routing::{delete, get};
use portcullis::testing::{MockUser, TestKeys, mint};
use serde_json::{Value, json};

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject(), "roles": caller.roles(), "scopes": caller.scopes()}))
}

#[requires_role("admin")]
async fn delete_user() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[requires_scope("items:read")]
async fn items() -> &'static str {
    "items"
}

fn app(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/users/me", get(me))
        .route("/users/{id}", delete(delete_user))
        .route("/items", get(items))
        .into_router()
}

#[tokio::test]
async fn minted_tokens_carry_subject_roles_and_scopes() {
    let keys = TestKeys::hs256();
    let app = app(keys.security().build().unwrap());
    let alice = keys
        .user("alice")
        .roles(["user"])
        .scopes(["items:read", "items:write"])
        .token();
    let answer = send(&app, bearer("/users/me", &alice)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"username": "alice", "roles": ["user"], "scopes": ["items:read", "items:write"]})
    );
    assert_eq!(
        send(&app, bearer("/items", &alice)).await.status,
        StatusCode::OK
    );
    send(&app, bearer("/users/7", &alice))
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    let request = keys
        .user("root")
        .roles(["admin"])
        .request("DELETE", "/users/7")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::NO_CONTENT);
    let request = keys
        .user("gus")
        .roles(["guest"])
        .request("DELETE", "/users/7")
        .body(Body::empty())
        .unwrap();
    send(&app, request)
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
}

#[tokio::test]
async fn expired_and_foreign_tokens_are_refused() {
    let keys = TestKeys::hs256();
    let app = app(keys.security().build().unwrap());
    let expired = keys.user("alice").expired().token();
    send(&app, bearer("/users/me", &expired))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    // Another set of random keys is another signer.
    let stranger = TestKeys::hs256().user("alice").token();
    send(&app, bearer("/users/me", &stranger))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn issuer_and_audience_are_put_in_and_required() {
    let keys = TestKeys::hs256().issuer(ISSUER).audience(AUDIENCE);
    let app = app(keys.security().build().unwrap());
    let claims = keys
        .verifier()
        .verify_claims(&keys.user("alice").token())
        .unwrap();
    assert_eq!(claims.iss.as_deref(), Some(ISSUER));
    assert_eq!(claims.aud, Some(json!(AUDIENCE)));
    assert!(claims.jti.is_some());
    assert_eq!(
        send(&app, bearer("/users/me", &keys.user("alice").token()))
            .await
            .status,
        StatusCode::OK
    );
    // The same key without the audience is refused by this verifier.
    let bare = TestKeys::from_secret(SECRET).unwrap().issuer(ISSUER);
    let strict = app_for_secret();
    send(&strict, bearer("/users/me", &bare.user("alice").token()))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

fn app_for_secret() -> axum::Router {
    app(Security::builder().bearer(verifier()).build().unwrap())
}

#[tokio::test]
async fn tokens_for_the_applications_own_issuer_pass_its_verifier() {
    // The application's configuration, as `tests/common` builds it.
    let issuer = TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let app = app_for_secret();
    let token = mint(&issuer, "alice", &["user"], &["items:read"]);
    assert_eq!(
        send(&app, bearer("/items", &token)).await.status,
        StatusCode::OK
    );
    let header = MockUser::new(&issuer, "bob")
        .scopes(["items:write"])
        .authorization();
    let request = request("/items")
        .header("authorization", header)
        .body(Body::empty())
        .unwrap();
    send(&app, request)
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_scope");
    assert!(TestKeys::from_secret(b"short").is_err());
}
