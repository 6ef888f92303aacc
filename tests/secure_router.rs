//! The secure router: configuration wiring, failing closed, custom problems.

mod common;

use axum::Json;
use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use portcullis::{Problem, ProblemResponder};
use serde_json::{Value, json};

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

type Caller = Principal;

/// The parameter names an alias, so the guard cannot see it asks for the
/// caller; the extractor then verifies the credential itself.
#[requires_role("user")]
async fn aliased(caller: Caller) -> String {
    caller.subject().to_owned()
}

#[requires_role("user")]
async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

#[tokio::test]
async fn principal_behind_an_alias_is_still_the_verified_caller() {
    let app: axum::Router = SecureRouter::new(security())
        .route("/aliased", get(aliased))
        .into_router();
    let answer = send(&app, bearer("/aliased", &token("alice", &["user"], ""))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.text, "alice");
}

/// Marks the answers of the handler it wraps.
async fn mark(mut response: axum::response::Response) -> axum::response::Response {
    response
        .headers_mut()
        .insert("x-layered", http::HeaderValue::from_static("yes"));
    response
}

#[tokio::test]
async fn a_handler_with_a_layer_is_decided_then_runs_inside_it() {
    use axum::handler::Handler;
    let layered = me.layer(axum::middleware::map_response(mark));
    let router = SecureRouter::new(security()).route("/layered", get(layered));
    assert_eq!(router.routes().len(), 1);
    assert_eq!(router.routes()[0].policy_id(), "secure_router::me");
    let app: axum::Router = router.into_router();
    let refused = send(&app, request("/layered").body(Body::empty()).unwrap()).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    // Refused before the handler (and so its layer) ran.
    assert!(refused.headers.get("x-layered").is_none());
    let answer = send(&app, bearer("/layered", &token("alice", &["user"], ""))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.text, "alice");
    assert_eq!(answer.headers["x-layered"], "yes");
}

#[tokio::test]
async fn guarded_handler_outside_a_secure_router_fails_closed() {
    // Mounted on a plain axum router, the guard finds no configuration and
    // refuses instead of letting the request through.
    let app = axum::Router::new().route("/me", axum::routing::get(me));
    let answer = send(&app, bearer("/me", &token("alice", &["user"], ""))).await;
    answer.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
}

#[tokio::test]
async fn bearer_route_without_a_verifier_fails_closed() {
    let security = Security::builder().build().unwrap();
    let app: axum::Router = SecureRouter::new(security)
        .route("/me", get(me))
        .into_router();
    let answer = send(&app, bearer("/me", &token("alice", &["user"], ""))).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn custom_responder_renders_every_refusal() {
    let responder = ProblemResponder::new(|problem: Problem| {
        let type_uri = format!("https://errors.example.com/{}", problem.code());
        problem.with_type(type_uri).to_response()
    });
    let security = Security::builder()
        .bearer(verifier())
        .problem_responder(responder)
        .build()
        .unwrap();
    let app: axum::Router = SecureRouter::new(security)
        .route("/me", get(me))
        .into_router();
    let unauthorized = send(&app, request("/me").body(Body::empty()).unwrap()).await;
    let body = unauthorized.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(
        body["type"],
        "https://errors.example.com/missing_credentials"
    );
    // the challenge is added after the responder, so it cannot be lost
    assert_eq!(unauthorized.header("www-authenticate"), Some("Bearer"));
    let not_found = send(&app, request("/nowhere").body(Body::empty()).unwrap()).await;
    assert_eq!(
        not_found.problem(StatusCode::NOT_FOUND, "not_found")["type"],
        "https://errors.example.com/not_found"
    );
}

#[tokio::test]
async fn merged_and_nested_routers_keep_their_own_configuration() {
    let other_secret = b"another-secret-of-at-least-32-bytes";
    let other = Security::builder()
        .bearer(
            JwtVerifier::builder()
                .key(VerificationKey::hmac(Algorithm::HS256, other_secret).unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let partner = SecureRouter::new(other).route("/me", get(me));
    let app: axum::Router = SecureRouter::new(security())
        .route("/me", get(me))
        .nest("/partner", partner)
        .into_router();
    let ours = token("alice", &["user"], "");
    let theirs = sign_with(
        Algorithm::HS256,
        &json!({"sub": "bob", "exp": now() + 60}),
        &jsonwebtoken::EncodingKey::from_secret(other_secret).unwrap(),
    );
    assert_eq!(send(&app, bearer("/me", &ours)).await.text, "alice");
    assert_eq!(send(&app, bearer("/partner/me", &theirs)).await.text, "bob");
    assert_eq!(
        send(&app, bearer("/me", &theirs)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, bearer("/partner/me", &ours)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bodies_beyond_the_limit_are_refused_with_413() {
    let security = Security::builder()
        .bearer(verifier())
        .body_limit(1024)
        .build()
        .unwrap();
    let app: axum::Router = SecureRouter::new(security)
        .route("/echo", post(echo))
        .into_router();
    let post = |body: String| {
        Request::builder()
            .method("POST")
            .uri("/echo")
            .header("content-type", "application/json")
            .header(
                "authorization",
                format!("Bearer {}", token("alice", &["user"], "")),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let small = format!("{{\"text\":\"{}\"}}", "a".repeat(900));
    assert_eq!(send(&app, post(small)).await.status, StatusCode::OK);
    let large = format!("{{\"text\":\"{}\"}}", "a".repeat(2000));
    assert_eq!(
        send(&app, post(large)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn the_default_body_limit_is_64_kib() {
    let app: axum::Router = SecureRouter::new(security())
        .route("/echo", post(echo))
        .into_router();
    let post = |size: usize| {
        Request::builder()
            .method("POST")
            .uri("/echo")
            .header("content-type", "application/json")
            .header(
                "authorization",
                format!("Bearer {}", token("alice", &["user"], "")),
            )
            .body(Body::from(format!("\"{}\"", "a".repeat(size))))
            .unwrap()
    };
    assert_eq!(send(&app, post(64 * 1024 - 2)).await.status, StatusCode::OK);
    assert_eq!(
        send(&app, post(64 * 1024)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}
