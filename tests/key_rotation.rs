//! Key rotation with fixed keys: two `kid`s verify side by side, and a token
//! is refused once its key is retired.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::*;
use http::StatusCode;
use portcullis::jwt::{Algorithm, JwtVerifier};
use portcullis::oauth::{SigningKey, TokenIssuer};
use portcullis::prelude::*;
use portcullis::routing::get;

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

fn key(kid: &str, byte: u8) -> SigningKey {
    SigningKey::hmac(Algorithm::HS256, &[byte; 32])
        .unwrap()
        .with_kid(kid)
}

fn app(keys: &[&SigningKey]) -> axum::Router {
    let verifier = keys
        .iter()
        .fold(JwtVerifier::builder(), |builder, key| {
            builder.key(key.hmac_verification_key().unwrap())
        })
        .build()
        .unwrap();
    SecureRouter::new(Security::builder().bearer(verifier).build().unwrap())
        .route("/me", get(me))
        .into_router()
}

fn token(key: &SigningKey, subject: &str) -> String {
    let issuer = TokenIssuer::builder(key.clone()).build().unwrap();
    issuer
        .issue(subject, [""; 0], [""; 0])
        .unwrap()
        .access_token()
        .to_owned()
}

#[tokio::test]
async fn two_kids_verify_side_by_side_until_the_old_one_is_retired() {
    let (old, new) = (key("2026-10", 1), key("2026-11", 2));
    let old_token = token(&old, "alice");
    let new_token = token(&new, "bob");

    // During the rotation both keys are trusted, each chosen by its kid.
    let rotating = app(&[&old, &new]);
    assert_eq!(
        send(&rotating, bearer("/me", &old_token)).await.text,
        "alice"
    );
    assert_eq!(send(&rotating, bearer("/me", &new_token)).await.text, "bob");
    // A kid nobody configured, even with a key that exists under another name.
    let unknown = token(&key("2026-09", 2), "mallory");
    send(&rotating, bearer("/me", &unknown))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    // Another key's token relabelled with a known kid fails the signature check.
    let relabelled = token(&key("2026-11", 3), "mallory");
    send(&rotating, bearer("/me", &relabelled))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");

    // The old key is retired: its tokens are refused, the new ones pass.
    let rotated = app(&[&new]);
    send(&rotated, bearer("/me", &old_token))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(send(&rotated, bearer("/me", &new_token)).await.text, "bob");
}
