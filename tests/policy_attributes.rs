//! Every policy attribute, through the real router.

mod common;

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use common::*;
use http::{Request, StatusCode};
use portcullis::prelude::*;
use portcullis::routing::{delete, get, post};
use serde_json::{Value, json};

#[derive(Roles)]
#[allow(dead_code)]
enum Role {
    #[portcullis(implies(User))]
    Admin,
    #[portcullis(implies(Guest))]
    User,
    Guest,
}

#[derive(Scopes)]
#[allow(dead_code)]
enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
    #[portcullis(name = "items:write")]
    ItemsWrite,
}

/// Health check: anyone.
#[public]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[public]
async fn greeting(caller: Option<Principal>) -> String {
    match caller {
        Some(caller) => format!("hello {}", caller.subject()),
        None => "hello stranger".to_owned(),
    }
}

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject(), "roles": caller.roles(), "scopes": caller.scopes()}))
}

#[requires_role("admin")]
async fn stats() -> Json<Value> {
    Json(json!({"users": 3}))
}

#[requires_role(Role::User)]
async fn user_area() -> &'static str {
    "user area"
}

#[requires_any_role("user", "admin")]
async fn any_role() -> &'static str {
    "any role"
}

#[requires_scope(Scope::ItemsRead)]
async fn item(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({"id": id}))
}

#[requires_scope("items:read", "items:write")]
async fn both_scopes() -> &'static str {
    "both"
}

#[requires(all(any(role = "user", role = "admin"), scope = "items:write"))]
async fn create_item(caller: Principal, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({"owner": caller.subject(), "item": body})),
    )
}

#[requires_role("admin")]
async fn delete_user(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({"deleted": id}))
}

#[requires_role("admin", scheme = basic)]
async fn secure_data(caller: Principal) -> Json<Value> {
    Json(json!({"message": "Secure data accessed", "user": caller.subject()}))
}

fn app() -> axum::Router {
    SecureRouter::new(security())
        .route("/health", get(health))
        .route("/greeting", get(greeting))
        .route("/users/me", get(me))
        .route("/admin/stats", get(stats))
        .route("/user-area", get(user_area))
        .route("/any-role", get(any_role))
        .route("/items/{id}", get(item))
        .route("/both-scopes", get(both_scopes))
        .route("/items", post(create_item))
        .route("/users/{id}", delete(delete_user))
        .route("/secure-data", get(secure_data))
        .into_router()
}

#[tokio::test]
async fn public_route_needs_nothing() {
    let answer = send(&app(), request("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn public_route_with_optional_principal() {
    let app = app();
    let anonymous = send(&app, request("/greeting").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.text, "hello stranger");
    let signed_in = send(&app, bearer("/greeting", &token("alice", &["user"], ""))).await;
    assert_eq!(signed_in.text, "hello alice");
    let forged = send(&app, bearer("/greeting", "not-a-token")).await;
    forged.problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn authenticated_route_sees_the_verified_principal() {
    let answer = send(
        &app(),
        bearer(
            "/users/me",
            &token("alice", &["user"], "items:read items:write"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({"username": "alice", "roles": ["user"], "scopes": ["items:read", "items:write"]})
    );
}

#[tokio::test]
async fn missing_token_is_401_with_plain_bearer_challenge() {
    let answer = send(&app(), request("/users/me").body(Body::empty()).unwrap()).await;
    answer.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn role_checks_follow_the_hierarchy() {
    let app = app();
    let admin = token("root", &["admin"], "");
    let alice = token("alice", &["user"], "");
    let guest = token("gus", &["guest"], "");
    assert_eq!(
        send(&app, bearer("/admin/stats", &admin)).await.status,
        StatusCode::OK
    );
    let refused = send(&app, bearer("/admin/stats", &alice)).await;
    let body = refused.problem(StatusCode::FORBIDDEN, "insufficient_role");
    assert!(
        !body.to_string().contains("admin"),
        "a 403 must not name roles: {body}"
    );
    assert_eq!(refused.header("www-authenticate"), None);
    // admin implies user through the configured hierarchy
    assert_eq!(
        send(&app, bearer("/user-area", &admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, bearer("/user-area", &alice)).await.status,
        StatusCode::OK
    );
    send(&app, bearer("/user-area", &guest))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
    assert_eq!(
        send(&app, bearer("/any-role", &alice)).await.status,
        StatusCode::OK
    );
    send(&app, bearer("/any-role", &guest))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
}

#[tokio::test]
async fn scope_checks_need_every_listed_scope() {
    let app = app();
    let reader = token("r", &[], "items:read");
    let both = token("b", &[], "items:write items:read");
    let answer = send(&app, bearer("/items/7", &reader)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"id": 7}));
    let refused = send(&app, bearer("/both-scopes", &reader)).await;
    refused.problem(StatusCode::FORBIDDEN, "insufficient_scope");
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\"")
    );
    assert_eq!(
        send(&app, bearer("/both-scopes", &both)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn combined_policy_needs_role_and_scope() {
    let app = app();
    let writer = token("alice", &["user"], "items:write");
    let reader = token("alice", &["user"], "items:read");
    let guest_writer = token("gus", &["guest"], "items:write");
    let created = send(
        &app,
        json_post("/items", Some(&writer), r#"{"name":"pen"}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json()["owner"], "alice");
    send(&app, json_post("/items", Some(&reader), "{}"))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_scope");
    send(&app, json_post("/items", Some(&guest_writer), "{}"))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
}

#[tokio::test]
async fn refused_request_never_has_its_body_read() {
    // A body that is not JSON would be a 400 from `Json` if it were read; the
    // guard answers first.
    let answer = send(&app(), json_post("/items", None, "{not json")).await;
    answer.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    let forbidden = send(
        &app(),
        json_post("/items", Some(&token("g", &["guest"], "")), "{not json"),
    )
    .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn basic_route_challenges_with_basic() {
    let app = app();
    let missing = send(&app, request("/secure-data").body(Body::empty()).unwrap()).await;
    missing.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Basic realm=\"secure-data\", charset=\"UTF-8\"")
    );
    let ok = send(&app, basic("/secure-data", "admin", "admin-pass")).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        ok.json(),
        json!({"message": "Secure data accessed", "user": "admin"})
    );
    // a bearer token is not accepted on the Basic route
    let wrong_scheme = send(
        &app,
        bearer("/secure-data", &token("admin", &["admin"], "")),
    )
    .await;
    assert_eq!(wrong_scheme.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong_scheme
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic ")
    );
}

#[tokio::test]
async fn delete_with_path_parameter() {
    let answer = send(
        &app(),
        Request::builder()
            .method("DELETE")
            .uri("/users/42")
            .header(
                "authorization",
                format!("Bearer {}", token("root", &["admin"], "")),
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"deleted": 42}));
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_problems() {
    let app = app();
    send(&app, request("/nowhere").body(Body::empty()).unwrap())
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let answer = send(
        &app,
        Request::builder()
            .method("PUT")
            .uri("/health")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    answer.problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(
        answer
            .header("allow")
            .is_some_and(|allow| allow.contains("GET"))
    );
}
