//! The showcase against its README (`examples/secure_api/README.md`), through
//! the very router `cargo run --example secure_api` serves.

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod common;

use axum::body::Body;
use common::{assert_contract_headers, basic, bearer, json_post, request, send, token_form};
use http::{Request, StatusCode};
use serde_json::json;

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

fn showcase() -> axum::Router {
    // Other features are tested here: the login limit is raised (it has
    // tests of its own in rate_limits.rs).
    let limits = app::Limits {
        login: "1000/s".parse().unwrap(),
        failures: portcullis::users::FailureLimits::default(),
        ..app::Limits::default()
    };
    app::build_with(SECRET, &["https://example.com".to_owned()], &limits).unwrap()
}

async fn login(app: &axum::Router, user: &str, password: &str) -> String {
    let answer = send(
        app,
        token_form(&format!(
            "grant_type=password&username={user}&password={password}"
        )),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn health_and_token_answer_as_the_contract_says() {
    let app = showcase();
    let health = send(&app, request("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(health.json(), json!({"status": "ok"}));
    assert_contract_headers(&health);

    let granted = send(
        &app,
        token_form("grant_type=password&username=alice&password=alice-pass"),
    )
    .await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.header("cache-control"), Some("no-store"));
    let body = granted.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "items:read items:write");

    let narrowed = send(
        &app,
        token_form("grant_type=password&username=admin&password=admin-pass&scope=items:read"),
    )
    .await;
    assert_eq!(narrowed.json()["scope"], "items:read");

    let refused = send(
        &app,
        token_form("grant_type=password&username=alice&password=wrong"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn roles_and_scopes_guard_the_routes() {
    let app = showcase();
    let admin = login(&app, "admin", "admin-pass").await;
    let alice = login(&app, "alice", "alice-pass").await;
    let guest = login(&app, "guest", "guest-pass").await;

    let me = send(&app, bearer("/users/me", &alice)).await;
    assert_eq!(
        me.json(),
        json!({"username": "alice", "roles": ["user"], "scopes": ["items:read", "items:write"]})
    );

    assert_eq!(
        send(&app, bearer("/admin/stats", &admin)).await.status,
        StatusCode::OK
    );
    send(&app, bearer("/admin/stats", &alice))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
    let missing = send(&app, request("/admin/stats").body(Body::empty()).unwrap()).await;
    missing.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    assert_contract_headers(&missing);

    let deleted = send(
        &app,
        Request::builder()
            .method("DELETE")
            .uri("/users/7")
            .header("authorization", format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(deleted.json(), json!({"deleted": 7}));

    // An admin token narrowed at `/token` to `items:read` no longer deletes users.
    let narrowed = send(
        &app,
        token_form("grant_type=password&username=admin&password=admin-pass&scope=items:read"),
    )
    .await;
    let narrowed = narrowed.json()["access_token"].as_str().unwrap().to_owned();
    let refused = send(
        &app,
        Request::builder()
            .method("DELETE")
            .uri("/users/7")
            .header("authorization", format!("Bearer {narrowed}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    refused.problem(StatusCode::FORBIDDEN, "insufficient_scope");
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\"")
    );

    let item = json!({"name": "Widget", "email": "ada@example.com", "tags": ["blue"]}).to_string();
    let created = send(&app, json_post("/items", Some(&alice), &item)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_u64().unwrap();
    send(&app, json_post("/items", Some(&guest), &item))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
    let read = send(&app, bearer(&format!("/items/{id}"), &guest)).await;
    assert_eq!(read.json()["name"], "Widget");
}

#[tokio::test]
async fn bodies_are_validated_and_sanitized() {
    let app = showcase();
    let alice = login(&app, "alice", "alice-pass").await;
    let bad = json!({"name": "ab", "email": "nope", "tags": ["ok", ""]}).to_string();
    let answer = send(&app, json_post("/items", Some(&alice), &bad)).await;
    let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 3, "{problem}");
    assert_eq!(
        send(&app, json_post("/items", Some(&alice), "{not json"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let comment =
        json!({"text": "<b>hi</b><img src=x onerror=alert(1)><script>x</script>"}).to_string();
    let answer = send(&app, json_post("/comments", Some(&alice), &comment)).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let text = answer.json()["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("<b>hi</b>") && !text.contains("onerror") && !text.contains("script"),
        "{text}"
    );

    let large = format!("{{\"text\":\"{}\"}}", "a".repeat(70 * 1024));
    send(&app, json_post("/comments", Some(&alice), &large))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn basic_route_and_logout() {
    let app = showcase();
    let ok = send(&app, basic("/secure-data", "admin", "admin-pass")).await;
    assert_eq!(
        ok.json(),
        json!({"message": "Secure data accessed", "user": "admin"})
    );
    let refused = send(&app, basic("/secure-data", "admin", "wrong")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic realm=")
    );

    let alice = login(&app, "alice", "alice-pass").await;
    let logout = Request::builder()
        .method("POST")
        .uri("/logout")
        .header("authorization", format!("Bearer {alice}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, logout).await.status, StatusCode::OK);
    send(&app, bearer("/users/me", &alice))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = showcase();
    send(&app, request("/nowhere").body(Body::empty()).unwrap())
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let wrong = Request::builder()
        .method("PUT")
        .uri("/health")
        .body(Body::empty())
        .unwrap();
    send(&app, wrong)
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn cors_answers_only_the_allowed_origin() {
    let app = showcase();
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/users/me")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = send(&app, preflight("https://example.com")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://example.com")
    );
    let other = send(&app, preflight("https://evil.example")).await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    let null = send(&app, preflight("null")).await;
    assert_eq!(null.header("access-control-allow-origin"), None);
}
