//! `#[validated]` together with a policy attribute, in either order: the guard
//! runs first (an unauthenticated body is never parsed), then validation.

mod common;

use axum::Json;
use common::*;
use http::StatusCode;
use portcullis::prelude::*;
use portcullis::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Validate)]
struct NewItem {
    #[validate(length(min = 3, max = 50))]
    name: String,
    #[validate(email)]
    email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize, Validate)]
struct Comment {
    #[validate(sanitize(html), length(min = 1, max = 500))]
    text: String,
}

#[requires(any(role = "user", role = "admin"), scope = "items:write")]
#[validated]
async fn create_item(caller: Principal, Json(item): Json<NewItem>) -> (StatusCode, Json<Value>) {
    let tags = item.tags.unwrap_or_default();
    (
        StatusCode::CREATED,
        Json(
            json!({"name": item.name, "email": item.email, "tags": tags, "owner": caller.subject()}),
        ),
    )
}

#[validated]
#[authenticated]
async fn comment(Json(comment): Json<Comment>) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({"text": comment.text})))
}

fn app() -> axum::Router {
    SecureRouter::new(security())
        .route("/items", post(create_item))
        .route("/comments", post(comment))
        .into_router()
}

#[tokio::test]
async fn valid_item_is_created_for_an_authorized_caller() {
    let writer = token("alice", &["user"], "items:write");
    let body = r#"{"name":"Widget","email":"ada@example.com","tags":["a","b"]}"#;
    let answer = send(&app(), json_post("/items", Some(&writer), body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert_eq!(answer.json()["owner"], "alice");
}

#[tokio::test]
async fn guard_answers_before_the_body_is_validated() {
    let invalid = r#"{"name":"x"}"#;
    send(&app(), json_post("/items", None, invalid))
        .await
        .problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    let reader = token("alice", &["user"], "items:read");
    send(&app(), json_post("/items", Some(&reader), invalid))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_scope");
}

#[tokio::test]
async fn every_failing_field_is_reported() {
    let writer = token("alice", &["user"], "items:write");
    let tags: Vec<String> = (0..4)
        .map(|i| {
            if i == 3 {
                String::new()
            } else {
                format!("t{i}")
            }
        })
        .collect();
    let body = json!({"name": "ab", "email": "not-an-address", "tags": tags}).to_string();
    let answer = send(&app(), json_post("/items", Some(&writer), &body)).await;
    let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    pointers.sort_unstable();
    assert_eq!(pointers, ["#/email", "#/name", "#/tags/3"]);
    assert!(
        !answer.text.contains("not-an-address"),
        "input must not be echoed"
    );
}

#[tokio::test]
async fn comments_are_sanitized_in_either_attribute_order() {
    let caller = token("gus", &["guest"], "");
    let body = json!({"text": "<b>hi</b><script>alert(1)</script><a href=\"javascript:alert(1)\" onclick=\"x()\">l</a>"}).to_string();
    let answer = send(&app(), json_post("/comments", Some(&caller), &body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let text = answer.json()["text"].as_str().unwrap().to_owned();
    assert!(text.contains("<b>hi</b>"), "{text}");
    assert!(
        !text.contains("script") && !text.contains("javascript:") && !text.contains("onclick"),
        "{text}"
    );
    send(&app(), json_post("/comments", None, &body))
        .await
        .problem(StatusCode::UNAUTHORIZED, "missing_credentials");
}
