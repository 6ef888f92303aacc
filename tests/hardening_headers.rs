//! The contract's security headers and request id on every answer: 200, 401,
//! 404, 422 and 500, and the problem shape of the errors.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use portcullis::hardening::{Hardening, SecurityHeaders, X_REQUEST_ID};
use portcullis::{FieldError, Problem};
use tower::ServiceExt;

const CONTRACT_HEADERS: [(&str, &str); 5] = [
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
];

async fn unauthorized() -> axum::response::Response {
    let mut response = Problem::new(
        StatusCode::UNAUTHORIZED,
        "missing_credentials",
        "this resource requires authentication",
    )
    .to_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, "Bearer".parse().unwrap());
    response
}

async fn invalid() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the body is not valid",
    )
    .with_errors(vec![FieldError {
        pointer: "#/name".into(),
        detail: "must be 3 to 50 characters".into(),
    }])
}

async fn boom() -> &'static str {
    panic!("handler bug")
}

fn app() -> Router {
    let router = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/unauthorized", get(unauthorized))
        .route("/invalid", get(invalid))
        .route("/boom", get(boom));
    Hardening::new().apply(router).unwrap()
}

async fn call(app: &Router, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes().to_vec(),
    )
}

fn assert_contract_headers(headers: &HeaderMap, uri: &str) {
    for (name, value) in CONTRACT_HEADERS {
        assert_eq!(
            headers.get(name).map(|v| v.to_str().unwrap()),
            Some(value),
            "{name} on {uri}"
        );
    }
    assert_eq!(
        headers.get("x-xss-protection").unwrap(),
        "0",
        "x-xss-protection on {uri}"
    );
    let id = headers
        .get(X_REQUEST_ID)
        .unwrap_or_else(|| panic!("x-request-id on {uri}"));
    assert_eq!(id.len(), 36, "generated request id on {uri}");
}

fn assert_problem(headers: &HeaderMap, body: &[u8], status: StatusCode, code: &str) {
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let document: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(document["status"], status.as_u16());
    assert_eq!(document["code"], code);
    assert_eq!(document["type"], "about:blank");
    assert!(document["title"].is_string());
    assert!(document["detail"].is_string());
}

#[tokio::test]
async fn every_answer_carries_the_contract_headers() {
    let app = app();
    let cases = [
        ("/ok", StatusCode::OK, None),
        (
            "/unauthorized",
            StatusCode::UNAUTHORIZED,
            Some("missing_credentials"),
        ),
        ("/nowhere", StatusCode::NOT_FOUND, Some("not_found")),
        (
            "/invalid",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("validation_failed"),
        ),
        (
            "/boom",
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("internal_error"),
        ),
    ];
    for (uri, status, code) in cases {
        let (got, headers, body) = call(&app, uri).await;
        assert_eq!(got, status, "{uri}");
        assert_contract_headers(&headers, uri);
        if let Some(code) = code {
            assert_problem(&headers, &body, status, code);
        }
    }
    let (_, headers, _) = call(&app, "/unauthorized").await;
    assert_eq!(headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
}

#[tokio::test]
async fn the_500_says_nothing_about_the_bug() {
    let (_, _, body) = call(&app(), "/boom").await;
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("handler bug"), "{text}");
    assert!(!text.contains("panic"), "{text}");
}

#[tokio::test]
async fn a_client_request_id_is_replaced_without_a_trusted_proxy() {
    // (a trusted proxy's id is kept: tests/hardening_defaults.rs)
    let app = app();
    let response = app
        .clone()
        .oneshot(
            Request::get("/ok")
                .header("x-request-id", "abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let id = response.headers().get(X_REQUEST_ID).unwrap();
    assert_ne!(id, "abc-123");
    assert_eq!(id.len(), 36);
    let response = app
        .oneshot(
            Request::get("/ok")
                .header("x-request-id", "{\"level\":\"ERROR\"}")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let id = response
        .headers()
        .get(X_REQUEST_ID)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(id.len(), 36);
    assert!(!id.contains('{'));
}

#[tokio::test]
async fn headers_are_configurable_and_a_handler_may_set_its_own() {
    let router = Router::new().route(
        "/page",
        get(|| async {
            (
                [(header::CONTENT_SECURITY_POLICY, "default-src 'self'")],
                "<p>hi</p>",
            )
        }),
    );
    let app = Hardening::new()
        .security_headers(
            SecurityHeaders::recommended()
                .without("strict-transport-security")
                .referrer_policy("same-origin"),
        )
        .apply(router)
        .unwrap();
    let (status, headers, _) = call(&app, "/page").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
        "default-src 'self'"
    );
    assert_eq!(headers.get(header::REFERRER_POLICY).unwrap(), "same-origin");
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    assert_eq!(headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
}
