//! Shared set-up for the integration tests: an app, tokens and requests.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod redis;

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use portcullis::auth::basic::BasicAuth;
use portcullis::jwt::{JwtVerifier, VerificationKey};
use portcullis::users::InMemoryUserStore;
use portcullis::{RoleHierarchy, Security};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Serves `app` on a free loopback port for the rest of the test; its
/// address.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A loopback port nothing listens on (just released by the system).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub const SECRET: &[u8] = b"test-secret-of-at-least-32-bytes!!";
pub const ISSUER: &str = "https://auth.test";
pub const AUDIENCE: &str = "items-api";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn verifier() -> JwtVerifier {
    JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap()
}

pub fn users() -> InMemoryUserStore {
    InMemoryUserStore::new()
        .with_user(
            "admin",
            "admin-pass",
            ["admin"],
            ["items:read", "items:write", "users:delete"],
        )
        .unwrap()
        .with_user(
            "alice",
            "alice-pass",
            ["user"],
            ["items:read", "items:write"],
        )
        .unwrap()
}

pub fn security() -> Security {
    Security::builder()
        .bearer(verifier())
        .basic(BasicAuth::new("secure-data", users()).unwrap())
        .role_hierarchy(
            RoleHierarchy::builder()
                .role("admin", ["user"])
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// Claims valid for the test verifier; tests override fields.
pub fn claims(sub: &str, roles: &[&str], scope: &str) -> Value {
    json!({
        "sub": sub,
        "roles": roles,
        "scope": scope,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now(),
        "exp": now() + 600,
    })
}

pub fn sign(claims: &Value) -> String {
    sign_with(
        Algorithm::HS256,
        claims,
        &EncodingKey::from_secret(SECRET).unwrap(),
    )
}

pub fn sign_with(algorithm: Algorithm, claims: &Value, key: &EncodingKey) -> String {
    encode(&Header::new(algorithm), claims, key).unwrap()
}

pub fn token(sub: &str, roles: &[&str], scope: &str) -> String {
    sign(&claims(sub, roles, scope))
}

pub fn request(uri: &str) -> http::request::Builder {
    Request::builder().method("GET").uri(uri)
}

/// A `POST /token` with a form body (the OAuth 2 password grant).
pub fn token_form(body: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A JSON `POST`, with a bearer token when one is given.
pub fn json_post(uri: &str, token: Option<&str>, body: &str) -> Request<Body> {
    let mut builder = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

pub fn bearer(uri: &str, token: &str) -> Request<Body> {
    request(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

pub fn basic(uri: &str, user: &str, password: &str) -> Request<Body> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    request(uri)
        .header("authorization", format!("Basic {encoded}"))
        .body(Body::empty())
        .unwrap()
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    /// Asserts a problem document with `status` and `code`, and returns it.
    pub fn problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status.as_u16());
        assert_eq!(body["code"], code);
        assert!(
            body["title"].is_string() && body["detail"].is_string() && body["type"].is_string()
        );
        body
    }
}

/// Asserts the headers the contract puts on every response, errors included.
pub fn assert_contract_headers(answer: &Answer) {
    assert_eq!(
        answer.header("strict-transport-security"),
        Some("max-age=63072000; includeSubDomains")
    );
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        answer.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    assert!(
        answer
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty())
    );
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response: Response<Body> = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
