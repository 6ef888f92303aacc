//! CORS preflights from allowed, disallowed and `null` origins, and the
//! policies refused when the application is built.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::get;
use portcullis::ConfigError;
use portcullis::hardening::{CorsPolicy, Hardening};
use tower::ServiceExt;

fn app() -> Router {
    let router = Router::new().route(
        "/items",
        get(|| async { "[]" }).post(|| async { "created" }),
    );
    Hardening::new()
        .cors(CorsPolicy::allow_origins(["https://example.com"]).allow_credentials())
        .apply(router)
        .unwrap()
}

async fn preflight(origin: &str) -> (StatusCode, HeaderMap) {
    let request = Request::options("/items")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .body(Body::empty())
        .unwrap();
    let response = app().oneshot(request).await.unwrap();
    (response.status(), response.headers().clone())
}

#[tokio::test]
async fn an_allowed_origin_gets_its_preflight_answered() {
    let (status, headers) = preflight("https://example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://example.com"
    );
    assert_eq!(headers["access-control-allow-credentials"], "true");
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert_eq!(headers["access-control-max-age"], "600");
    // the preflight answer is hardened like every other one
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn disallowed_and_null_origins_get_no_grant() {
    for origin in [
        "https://evil.example",
        "null",
        "https://example.com.evil.example",
        "http://example.com",
    ] {
        let (_, headers) = preflight(origin).await;
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{origin}");
    }
}

#[tokio::test]
async fn simple_requests_expose_the_request_id_to_allowed_origins_only() {
    let request = |origin: &str| {
        Request::get("/items")
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app().oneshot(request("https://example.com")).await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://example.com"
    );
    assert!(
        allowed.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("x-request-id")
    );
    let other = app()
        .oneshot(request("https://evil.example"))
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn insecure_policies_are_refused_when_built() {
    let build = |policy: CorsPolicy| Hardening::new().cors(policy).build().err();
    assert_eq!(
        build(CorsPolicy::any_origin().allow_credentials()),
        Some(ConfigError::CorsWildcardWithCredentials)
    );
    assert_eq!(
        build(CorsPolicy::allow_origins(["https://example.com", "*"]).allow_credentials()),
        Some(ConfigError::CorsWildcardWithCredentials)
    );
    assert_eq!(
        build(CorsPolicy::allow_origins(["null"])),
        Some(ConfigError::NullOrigin)
    );
    assert_eq!(
        build(CorsPolicy::allow_origins(["https://example.com/"])),
        Some(ConfigError::MalformedOrigin("https://example.com/".into()))
    );
    let message = build(CorsPolicy::any_origin().allow_credentials())
        .unwrap()
        .to_string();
    assert!(message.contains("list the allowed origins"), "{message}");
    assert!(
        Hardening::new()
            .cors(CorsPolicy::any_origin())
            .build()
            .is_ok()
    );
}
