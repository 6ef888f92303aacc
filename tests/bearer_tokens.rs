//! Bearer token verification: every way a token can be wrong is a 401.

mod common;

use axum::Json;
use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey};
use portcullis::ConfigError;
use portcullis::jwt::KeyError;
use portcullis::jwt::{JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use portcullis::routing::get;
use serde_json::{Value, json};

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"sub": caller.subject()}))
}

fn app_with(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/me", get(me))
        .into_router()
}

fn app() -> axum::Router {
    app_with(security())
}

async fn refused(app: &axum::Router, token: &str) {
    let answer = send(app, bearer("/me", token)).await;
    let body = answer.problem(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert!(!answer.text.contains(token), "the token must not be echoed");
    assert!(
        !body["detail"].as_str().unwrap().contains("Error"),
        "no library text: {body}"
    );
}

fn part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test]
async fn valid_token_is_accepted() {
    let answer = send(&app(), bearer("/me", &token("alice", &[], ""))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"sub": "alice"}));
}

#[tokio::test]
async fn alg_none_is_refused() {
    let claims = claims("alice", &["admin"], "");
    for alg in ["none", "None", "NONE"] {
        let unsigned = format!(
            "{}.{}.",
            part(&json!({"alg": alg, "typ": "JWT"})),
            part(&claims)
        );
        refused(&app(), &unsigned).await;
    }
}

#[tokio::test]
async fn token_signed_with_another_algorithm_is_refused() {
    // Same secret, HS512: the key only verifies HS256.
    let claims = claims("alice", &[], "");
    let hs512 = sign_with(
        Algorithm::HS512,
        &claims,
        &EncodingKey::from_secret(SECRET).unwrap(),
    );
    refused(&app(), &hs512).await;
}

const RSA_PRIVATE: &str = include_str!("fixtures/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("fixtures/rsa_public.pem");

fn rs256_app() -> axum::Router {
    let key = VerificationKey::rsa_pem(Algorithm::RS256, RSA_PUBLIC.as_bytes()).unwrap();
    app_with(
        Security::builder()
            .bearer(JwtVerifier::builder().key(key).build().unwrap())
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn rs256_token_is_accepted_and_rs512_refused() {
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
    let claims = json!({"sub": "alice", "exp": now() + 60});
    let app = rs256_app();
    let answer = send(
        &app,
        bearer("/me", &sign_with(Algorithm::RS256, &claims, &key)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    // same key, another algorithm of its family: still refused
    refused(&app, &sign_with(Algorithm::RS512, &claims, &key)).await;
    refused(&app, &sign_with(Algorithm::PS256, &claims, &key)).await;
}

#[tokio::test]
async fn public_key_used_as_hmac_secret_is_refused() {
    // The classic confusion attack: an RS256 verifier must not accept an
    // HS256 token whose HMAC key is the public key's PEM.
    let forged = sign_with(
        Algorithm::HS256,
        &claims("alice", &["admin"], ""),
        &EncodingKey::from_secret(RSA_PUBLIC.as_bytes()).unwrap(),
    );
    refused(&rs256_app(), &forged).await;
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let genuine = token("alice", &["user"], "");
    let mut pieces: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    pieces[1] = part(&claims("alice", &["admin"], ""));
    refused(&app(), &pieces.join(".")).await;
}

#[tokio::test]
async fn bad_signature_is_refused() {
    let other = EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes").unwrap();
    refused(
        &app(),
        &sign_with(Algorithm::HS256, &claims("alice", &[], ""), &other),
    )
    .await;
}

#[tokio::test]
async fn expired_token_is_refused() {
    let mut claims = claims("alice", &[], "");
    claims["exp"] = json!(now() - 3600);
    refused(&app(), &sign(&claims)).await;
}

#[tokio::test]
async fn expiry_within_leeway_is_accepted() {
    let mut claims = claims("alice", &[], "");
    claims["exp"] = json!(now() - 5);
    assert_eq!(
        send(&app(), bearer("/me", &sign(&claims))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn token_without_exp_is_refused() {
    let mut claims = claims("alice", &[], "");
    claims.as_object_mut().unwrap().remove("exp");
    refused(&app(), &sign(&claims)).await;
}

#[tokio::test]
async fn token_without_sub_is_refused() {
    let mut claims = claims("alice", &[], "");
    claims.as_object_mut().unwrap().remove("sub");
    refused(&app(), &sign(&claims)).await;
}

#[tokio::test]
async fn not_yet_valid_token_is_refused() {
    let mut claims = claims("alice", &[], "");
    claims["nbf"] = json!(now() + 3600);
    refused(&app(), &sign(&claims)).await;
}

#[tokio::test]
async fn wrong_or_missing_issuer_is_refused() {
    let mut wrong = claims("alice", &[], "");
    wrong["iss"] = json!("https://evil.test");
    refused(&app(), &sign(&wrong)).await;
    let mut missing = claims("alice", &[], "");
    missing.as_object_mut().unwrap().remove("iss");
    refused(&app(), &sign(&missing)).await;
}

#[tokio::test]
async fn wrong_or_missing_audience_is_refused() {
    let mut wrong = claims("alice", &[], "");
    wrong["aud"] = json!("another-api");
    refused(&app(), &sign(&wrong)).await;
    let mut missing = claims("alice", &[], "");
    missing.as_object_mut().unwrap().remove("aud");
    refused(&app(), &sign(&missing)).await;
    let mut listed = claims("alice", &[], "");
    listed["aud"] = json!(["other", AUDIENCE]);
    assert_eq!(
        send(&app(), bearer("/me", &sign(&listed))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_headers_are_refused() {
    let app = app();
    for value in [
        "Bearer",
        "Bearer a b",
        "Bearer not.a.jwt",
        "Bearer ...",
        "Bearer \u{0}",
    ] {
        let Ok(request) = request("/me")
            .header("authorization", value)
            .body(Body::empty())
        else {
            continue;
        };
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value}");
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{value}"
        );
    }
    // Another scheme is no bearer credential at all: the plain challenge.
    let answer = send(&app, basic("/me", "alice", "alice-pass")).await;
    answer.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn keys_rotate_by_kid() {
    let old = b"old-secret-of-at-least-32-bytes-long";
    let new = b"new-secret-of-at-least-32-bytes-long";
    let verifier = JwtVerifier::builder()
        .key(
            VerificationKey::hmac(Algorithm::HS256, old)
                .unwrap()
                .with_kid("2026-10"),
        )
        .key(
            VerificationKey::hmac(Algorithm::HS256, new)
                .unwrap()
                .with_kid("2026-11"),
        )
        .build()
        .unwrap();
    let app = app_with(Security::builder().bearer(verifier).build().unwrap());
    let claims = json!({"sub": "alice", "exp": now() + 60});
    let signed = |kid: Option<&str>, secret: &[u8]| {
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
    };
    assert_eq!(
        send(&app, bearer("/me", &signed(Some("2026-10"), old)))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, bearer("/me", &signed(Some("2026-11"), new)))
            .await
            .status,
        StatusCode::OK
    );
    refused(&app, &signed(Some("2026-11"), old)).await;
    refused(&app, &signed(Some("unknown"), new)).await;
    refused(&app, &signed(None, new)).await;
}

#[test]
fn weak_and_mixed_keys_are_refused_at_start() {
    assert_eq!(
        VerificationKey::hmac(Algorithm::HS256, b"short").unwrap_err(),
        KeyError::WeakSecret { len: 5 }
    );
    assert!(matches!(
        VerificationKey::hmac(Algorithm::RS256, SECRET),
        Err(KeyError::WrongAlgorithm { .. })
    ));
    let ec = rcgen::KeyPair::generate().unwrap();
    let mixed = JwtVerifier::builder()
        .key(
            VerificationKey::hmac(Algorithm::HS256, SECRET)
                .unwrap()
                .with_kid("a"),
        )
        .key(
            VerificationKey::ec_pem(Algorithm::ES256, ec.public_key_pem().as_bytes())
                .unwrap()
                .with_kid("b"),
        )
        .build();
    assert_eq!(mixed.unwrap_err(), ConfigError::MixedKeyFamilies);
    let unnamed = JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .key(
            VerificationKey::hmac(Algorithm::HS384, SECRET)
                .unwrap()
                .with_kid("b"),
        )
        .build();
    assert_eq!(unnamed.unwrap_err(), ConfigError::KeyWithoutKid);
    assert_eq!(
        JwtVerifier::builder().build().unwrap_err(),
        ConfigError::NoVerificationKey
    );
}

#[tokio::test]
async fn es256_and_eddsa_keys_verify() {
    for (alg, key) in [
        (
            Algorithm::ES256,
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
        ),
        (
            Algorithm::EdDSA,
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
        ),
    ] {
        let verification = match alg {
            Algorithm::EdDSA => VerificationKey::ed_pem(key.public_key_pem().as_bytes()).unwrap(),
            _ => VerificationKey::ec_pem(alg, key.public_key_pem().as_bytes()).unwrap(),
        };
        let app = app_with(
            Security::builder()
                .bearer(JwtVerifier::builder().key(verification).build().unwrap())
                .build()
                .unwrap(),
        );
        let signing = match alg {
            Algorithm::EdDSA => EncodingKey::from_ed_pem(key.serialize_pem().as_bytes()).unwrap(),
            _ => EncodingKey::from_ec_pem(key.serialize_pem().as_bytes()).unwrap(),
        };
        let good = sign_with(alg, &json!({"sub": "alice", "exp": now() + 60}), &signing);
        assert_eq!(
            send(&app, bearer("/me", &good)).await.status,
            StatusCode::OK,
            "{alg:?}"
        );
        refused(&app, &token("alice", &[], "")).await;
    }
}

#[tokio::test]
async fn the_typ_header_is_checked_when_required() {
    let key = || VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap();
    let typed = JwtVerifier::builder()
        .key(key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .require_type("at+jwt")
        .build()
        .unwrap();
    let app = app_with(Security::builder().bearer(typed.clone()).build().unwrap());
    let with_type = |typ: Option<&str>| {
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            &claims("alice", &[], ""),
            &EncodingKey::from_secret(SECRET).unwrap(),
        )
        .unwrap()
    };
    for typ in ["at+jwt", "application/at+jwt"] {
        let answer = send(&app, bearer("/me", &with_type(Some(typ)))).await;
        assert_eq!(answer.json(), json!({"sub": "alice"}), "typ {typ}");
    }
    for typ in [Some("JWT"), Some("at+jwt+extra"), None] {
        let token = with_type(typ);
        assert_eq!(
            typed.verify(&token).err(),
            Some(portcullis::jwt::TokenError::TokenType)
        );
        refused(&app, &token).await;
    }
    // Without the requirement, any `typ` passes, as before.
    let untyped = app_with(Security::builder().bearer(verifier()).build().unwrap());
    let answer = send(&untyped, bearer("/me", &with_type(None))).await;
    assert_eq!(answer.status, StatusCode::OK);
    // A requirement that names no media type is refused at start.
    let blank = JwtVerifier::builder().key(key()).require_type("").build();
    assert!(matches!(blank, Err(ConfigError::BearerKeys(_))));
}
