//! The bearer-only application serves and refuses as the full one does.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use http::{Request, StatusCode, header};
use jsonwebtoken::{EncodingKey, Header, encode};
use tower::ServiceExt;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn token(scope: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims = serde_json::json!({
        "sub": "alice", "exp": now + 60, "aud": "items-api", "scope": scope,
    });
    let key = EncodingKey::from_secret(SECRET).expect("an HMAC secret is a valid key");
    encode(&Header::default(), &claims, &key).expect("the claims serialize")
}

async fn status(request: Request<Body>) -> StatusCode {
    let app = bearer_only::app(SECRET).unwrap();
    app.oneshot(request)
        .await
        .map_or(StatusCode::INTERNAL_SERVER_ERROR, |response| {
            response.status()
        })
}

fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn bearer_only_app_serves_and_refuses() {
    assert_eq!(status(get("/health", None)).await, StatusCode::OK);
    assert_eq!(status(get("/items", None)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status(get("/items", Some(&token("items:read")))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(get("/items", Some(&token("profile")))).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(get("/items", Some("not-a-token"))).await,
        StatusCode::UNAUTHORIZED
    );
}
