//! An API that only verifies bearer tokens, the smallest Portcullis
//! application: it proves the minimal feature set builds and serves.

use axum::Json;
use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use portcullis::routing::get;

#[public]
async fn health() -> &'static str {
    "ok"
}

#[requires_scope("items:read")]
async fn items(caller: Principal) -> Json<Vec<String>> {
    Json(vec![caller.subject().to_owned()])
}

/// The router, verifying HS256 tokens signed with `secret`.
pub fn app(secret: &[u8]) -> Result<axum::Router, portcullis::ConfigError> {
    let security = Security::builder()
        .bearer(
            JwtVerifier::builder()
                .key(VerificationKey::hmac(Algorithm::HS256, secret)?)
                .audience("items-api")
                .build()?,
        )
        .build()?;
    SecureRouter::new(security)
        .route("/health", get(health))
        .route("/items", get(items))
        .build()
}
