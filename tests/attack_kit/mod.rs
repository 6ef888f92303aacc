//! Shared tools of the attack catalogue (`tests/attack_*.rs`): hand-made
//! tokens (any header, any payload text, any key) and the one assertion
//! every refused token must pass.
#![allow(dead_code, unreachable_pub, missing_docs)]

use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderValue, Request, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

use crate::common::{Answer, send, token_form};

/// The HS256 secret the catalogue builds the showcase with.
pub const SHOWCASE_SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

/// base64url without padding, as JWS compact serialization writes a part.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The decoded JSON of part `index` (0 header, 1 payload) of `token`.
pub fn decoded(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// A compact JWS whose header and payload are exactly the JSON texts given
/// (duplicate names and wrong types included), signed with `key`.
pub fn forge(header: &str, payload: &str, algorithm: Algorithm, key: &EncodingKey) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, algorithm).unwrap();
    format!("{message}.{signature}")
}

/// [`forge`] with HS256 and an HMAC `secret`.
pub fn forge_hs256(header: &str, payload: &str, secret: &[u8]) -> String {
    forge(
        header,
        payload,
        Algorithm::HS256,
        &EncodingKey::from_secret(secret).unwrap(),
    )
}

/// An unsigned token: `header` and `payload` encoded, then `signature` as is.
pub fn unsigned(header: &str, payload: &str, signature: &str) -> String {
    format!("{}.{}.{signature}", b64(header), b64(payload))
}

/// A request to `uri` with `method` and the `Authorization` values given, in order.
pub fn with_authorization(method: &str, uri: &str, values: &[&[u8]]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for value in values {
        builder = builder.header("authorization", HeaderValue::from_bytes(value).unwrap());
    }
    builder.body(Body::empty()).unwrap()
}

/// A `GET uri` with `Authorization: Bearer <token>`.
pub fn bearer_get(uri: &str, token: &str) -> Request<Body> {
    with_authorization("GET", uri, &[format!("Bearer {token}").as_bytes()])
}

/// The access token the showcase's `/token` grants `user`.
pub async fn login(app: &axum::Router, user: &str, password: &str) -> String {
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

/// What every refused token must get: 401, the RFC 6750 `invalid_token`
/// challenge, an RFC 9457 problem document with a fixed text, and not a
/// byte of the token (nor of its signature) echoed back.
#[track_caller]
pub fn assert_invalid_token(answer: &Answer, token: &str, what: &str) {
    assert_eq!(
        answer.status,
        StatusCode::UNAUTHORIZED,
        "{what}: {}",
        answer.text
    );
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\""),
        "{what}"
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    let body = answer.json();
    assert_eq!(body["code"], "invalid_token", "{what}");
    assert_eq!(
        body["detail"], "the access token is malformed, expired, revoked or not trusted",
        "{what}"
    );
    assert_not_echoed(answer, token, what);
}

/// No piece of `token` longer than a few bytes appears in the answer.
#[track_caller]
pub fn assert_not_echoed(answer: &Answer, token: &str, what: &str) {
    let token = token.trim();
    if token.len() >= 8 {
        assert!(!answer.text.contains(token), "{what}: the token is echoed");
    }
    for piece in token.split('.').filter(|piece| piece.len() >= 8) {
        assert!(
            !answer.text.contains(piece),
            "{what}: a token part is echoed"
        );
    }
}

/// Sends `token` as a bearer token to each of `uris` and asserts the refusal.
pub async fn assert_refused_everywhere(app: &axum::Router, uris: &[&str], token: &str, what: &str) {
    for uri in uris {
        let answer = send(app, bearer_get(uri, token)).await;
        assert_invalid_token(&answer, token, &format!("{what} at {uri}"));
    }
}
