//! Property: whatever JSON (or non-JSON) a client sends to a validated
//! handler, the answer is 201, 400 or 422, never a panic or a 500.

#![allow(missing_docs, clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use portcullis::{Validate, validated};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tower::ServiceExt as _;

#[derive(Debug, Deserialize, Serialize, Validate)]
struct NewItem {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    name: String,
    #[validate(sanitize(trim, lowercase), email)]
    email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    tags: Option<Vec<String>>,
}

#[validated]
async fn create(Json(item): Json<NewItem>) -> impl IntoResponse {
    (StatusCode::CREATED, Json(item))
}

fn app() -> Router {
    Router::new().route("/items", post(create))
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,60}".prop_map(Value::String),
        "[a-z]{0,4}@[a-z]{1,4}\\.[a-z]{2,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 12, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..14).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("name".to_owned()),
                    Just("email".to_owned()),
                    Just("tags".to_owned()),
                    ".{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Objects close to the contract's shape, so many reach the rules.
fn item_like() -> impl Strategy<Value = Value> {
    (
        any_json(),
        ".{0,60}",
        ".{0,40}",
        prop::option::of(prop::collection::vec(".{0,35}", 0..13)),
        any::<bool>(),
    )
        .prop_map(|(noise, name, email, tags, add_noise)| {
            let mut object = Map::new();
            object.insert("name".into(), Value::String(name));
            object.insert("email".into(), Value::String(email));
            if let Some(tags) = tags {
                object.insert("tags".into(), tags.into_iter().map(Value::String).collect());
            }
            if add_noise {
                object.insert("extra".into(), noise);
            }
            Value::Object(object)
        })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn status_of(runtime: &tokio::runtime::Runtime, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    runtime.block_on(async {
        let request = Request::post("/items")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        (
            status,
            response
                .into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
    })
}

fn assert_answer(status: StatusCode, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(
        [
            StatusCode::CREATED,
            StatusCode::BAD_REQUEST,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(&status),
        "unexpected status {status}"
    );
    let value: Value =
        serde_json::from_slice(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
    if status != StatusCode::CREATED {
        prop_assert_eq!(&value["status"], &Value::from(status.as_u16()));
        let code = if status == StatusCode::BAD_REQUEST {
            "malformed_body"
        } else {
            "validation_failed"
        };
        prop_assert_eq!(&value["code"], &Value::from(code));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_gets_201_400_or_422(value in any_json()) {
        let runtime = runtime();
        let (status, body) = status_of(&runtime, serde_json::to_vec(&value).unwrap());
        assert_answer(status, &body)?;
    }

    #[test]
    fn item_shaped_json_gets_201_or_422(value in item_like()) {
        let runtime = runtime();
        let (status, body) = status_of(&runtime, serde_json::to_vec(&value).unwrap());
        assert_answer(status, &body)?;
        prop_assert_ne!(status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn arbitrary_bytes_get_201_400_or_422(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let runtime = runtime();
        let (status, body) = status_of(&runtime, bytes);
        assert_answer(status, &body)?;
    }
}

#[test]
fn a_valid_item_is_created() {
    let runtime = runtime();
    let body = br#"{"name":"Widget","email":"ada@example.com","tags":["a"]}"#.to_vec();
    assert_eq!(status_of(&runtime, body).0, StatusCode::CREATED);
}
