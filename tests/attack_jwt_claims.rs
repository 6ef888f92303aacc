//! Attack catalogue, JWT claims: tokens whose signature may be genuine but
//! whose payload is meant for someone else, says something twice, says it
//! with the wrong type, or was edited after signing.
//!
//! Driven through the showcase router and, where `iss`, `aud` and `typ`
//! rules are needed, the router of `tests/common` (issuer
//! `https://auth.test`, audience `items-api`).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod attack_kit;
mod common;

use attack_kit::*;
use common::{AUDIENCE, ISSUER, SECRET, now, send};
use http::StatusCode;
use jsonwebtoken::Algorithm;
use portcullis::jwt::{JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use portcullis::routing::get;
use serde_json::{Value, json};

/// The showcase's bearer routes: any token, role `admin`, scope `items:read`.
const SHOWCASE_ROUTES: &[&str] = &["/users/me", "/admin/stats", "/items/1"];

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

#[requires_role("admin")]
async fn admin() -> &'static str {
    "admin"
}

fn showcase() -> axum::Router {
    app::build(SHOWCASE_SECRET, &["https://example.com".to_owned()]).unwrap()
}

/// The `tests/common` security: `iss` and `aud` required.
fn audience_router() -> axum::Router {
    router_with(common::security())
}

fn router_with(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/me", get(me))
        .route("/admin", get(admin))
        .into_router()
}

/// A verifier that wants RFC 9068 access tokens (`typ: at+jwt`).
fn access_token_router() -> axum::Router {
    let verifier = JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .require_type("at+jwt")
        .build()
        .unwrap();
    router_with(Security::builder().bearer(verifier).build().unwrap())
}

fn with(claims: &Value, field: &str, value: Value) -> Value {
    let mut claims = claims.clone();
    if value.is_null() && field.starts_with('-') {
        claims.as_object_mut().unwrap().remove(&field[1..]);
    } else {
        claims[field] = value;
    }
    claims
}

async fn accepted(app: &axum::Router, uri: &str, token: &str, what: &str) {
    let answer = send(app, bearer_get(uri, token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.text);
}

/// RFC 8725 §3.9 (use and validate `aud`) and §2.7 (substitution: a token
/// minted for one service replayed at another), RFC 9068 §4, RFC 7519
/// §4.1.3, ASVS 5.0 V9.2.3 and V10.3.1.
///
/// Correctly signed tokens of the right issuer for another audience, for
/// near misses of this one (case, spaces, suffix), an empty or missing
/// `aud`, and `aud` values of the wrong type; `aud` arrays that include
/// this API pass.
#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let app = audience_router();
    let good = common::claims("alice", &["admin"], "items:read");
    for aud in [
        json!("billing-api"),
        json!(["billing-api"]),
        json!(["billing-api", "reports-api"]),
        json!("ITEMS-API"),
        json!("items-api "),
        json!(" items-api"),
        json!("items-api/"),
        json!("items-apix"),
        json!("items"),
        json!("items-api\u{0}"),
        json!("billing-api items-api"),
        json!(""),
        json!([]),
        json!([""]),
        json!(null),
        json!(42),
        json!({"aud": "items-api"}),
        json!([["items-api"]]),
    ] {
        let token = common::sign(&with(&good, "aud", aud.clone()));
        let what = format!("aud {aud}");
        assert_refused_everywhere(&app, &["/me", "/admin"], &token, &what).await;
    }
    let token = common::sign(&with(&good, "-aud", Value::Null));
    assert_refused_everywhere(&app, &["/me", "/admin"], &token, "no aud").await;
    // Another issuer's token for this audience is no better.
    for iss in [
        json!("https://evil.test"),
        json!("https://auth.test/"),
        json!(null),
    ] {
        let token = common::sign(&with(&good, "iss", iss.clone()));
        assert_refused_everywhere(&app, &["/me"], &token, &format!("iss {iss}")).await;
    }
    // The controls: this audience alone, or among others.
    for aud in [json!(AUDIENCE), json!(["billing-api", AUDIENCE])] {
        let token = common::sign(&with(&good, "aud", aud.clone()));
        accepted(&app, "/admin", &token, &format!("aud {aud}")).await;
    }
}

/// RFC 9068 §4 (an access token's `typ` is `at+jwt`) and §2.1, RFC 8725
/// §3.11 (explicit typing) and §2.8 (cross-JWT confusion), ASVS 5.0 V9.2.2
/// (only access tokens for authorization decisions).
///
/// An ID token (`typ: JWT`), a token without `typ`, and near misses of
/// `at+jwt`, all signed with the right key for the right audience.
#[tokio::test]
async fn an_id_token_is_not_an_access_token() {
    let app = access_token_router();
    let claims = common::claims("alice", &["admin"], "items:read").to_string();
    for typ in [
        json!("JWT"),
        json!("jwt"),
        json!("id_token"),
        json!("application/jwt"),
        json!("secevent+jwt"),
        json!("logout+jwt"),
        json!("at+jwt;charset=utf-8"),
        json!("at+jwt\u{0}"),
        json!("at-jwt"),
        json!("at+jwtx"),
        json!("application/at+jwt/x"),
        json!(""),
        json!(null),
        json!(["at+jwt"]),
    ] {
        let header = json!({"alg": "HS256", "typ": typ}).to_string();
        let token = forge_hs256(&header, &claims, SECRET);
        assert_refused_everywhere(&app, &["/me"], &token, &format!("typ {typ}")).await;
    }
    let token = forge_hs256(r#"{"alg":"HS256"}"#, &claims, SECRET);
    assert_refused_everywhere(&app, &["/me"], &token, "no typ").await;
    // The controls: `at+jwt` in the spellings RFC 7515 §4.1.9 allows.
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let header = json!({"alg": "HS256", "typ": typ}).to_string();
        accepted(&app, "/me", &forge_hs256(&header, &claims, SECRET), typ).await;
    }
}

/// RFC 7519 §4 (claim names must be unique; a parser refuses duplicates or
/// reads the lexically last), RFC 8259 §4, OWASP API5:2023.
///
/// Hand-assembled payloads, signed with the showcase's own secret, that
/// name `sub`, `roles`, `scope`, `exp` or `nbf` twice: whichever copy an
/// issuer checked, the verifier must not read the other. All refused.
#[tokio::test]
async fn duplicate_claims_are_refused() {
    let showcase = showcase();
    let exp = now() + 600;
    let payloads = [
        format!(r#"{{"sub":"guest","sub":"admin","roles":["admin"],"exp":{exp}}}"#),
        format!(r#"{{"sub":"admin","sub":"admin","exp":{exp}}}"#),
        format!(r#"{{"sub":"guest","roles":["guest"],"roles":["admin"],"exp":{exp}}}"#),
        format!(r#"{{"sub":"guest","roles":["admin"],"roles":["guest"],"exp":{exp}}}"#),
        format!(
            r#"{{"sub":"guest","scope":"items:read","scope":"items:read users:delete","exp":{exp}}}"#
        ),
        format!(r#"{{"sub":"guest","exp":{},"exp":{exp}}}"#, now() - 3600),
        format!(r#"{{"sub":"guest","exp":{exp},"exp":{}}}"#, now() - 3600),
        format!(
            r#"{{"sub":"guest","exp":{exp},"nbf":{},"nbf":0}}"#,
            now() + 3600
        ),
        format!(r#"{{"sub":"guest","jti":"a","jti":"b","exp":{exp}}}"#),
    ];
    for payload in &payloads {
        let token = forge_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, payload, SHOWCASE_SECRET);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, payload).await;
    }
    // With `iss` and `aud` rules, the same holds for those two claims.
    let app = audience_router();
    for (field, first, second) in [
        ("aud", "billing-api", AUDIENCE),
        ("aud", AUDIENCE, "billing-api"),
        ("iss", "https://evil.test", ISSUER),
        ("iss", ISSUER, "https://evil.test"),
    ] {
        let mut claims = common::claims("alice", &["admin"], "");
        claims.as_object_mut().unwrap().remove(field);
        let body = claims.to_string();
        let payload = format!(
            r#"{{"{field}":"{first}","{field}":"{second}",{}"#,
            &body[1..]
        );
        let token = forge_hs256(r#"{"alg":"HS256"}"#, &payload, SECRET);
        assert_refused_everywhere(&app, &["/me"], &token, &payload).await;
    }
    // The control: the first payload without its duplicate passes.
    let single = format!(r#"{{"sub":"admin","roles":["admin"],"exp":{exp}}}"#);
    let token = forge_hs256(r#"{"alg":"HS256"}"#, &single, SHOWCASE_SECRET);
    accepted(&showcase, "/admin/stats", &token, "control").await;
}

/// RFC 7519 §2 and §4.1.4 (`exp`, `nbf`, `iat` are NumericDate numbers;
/// `sub` a string), RFC 9068 §2.2 (`scope` a space-separated string),
/// RFC 8725 §3.10 (do not trust received claims), ASVS 5.0 V9.2.1.
///
/// Genuinely signed payloads whose claims have the wrong JSON type: dates
/// as strings, floats, negatives or arrays; `roles` as a bare string or
/// nested list; `scope` as an array; `sub`, `iss`, `jti` as non-strings. A
/// lenient reader would turn `"roles": "admin"` into admin rights.
#[tokio::test]
async fn wrongly_typed_claims_are_refused() {
    let showcase = showcase();
    let exp = now() + 600;
    let good = json!({"sub": "guest", "roles": ["guest"], "scope": "items:read", "exp": exp});
    let cases = [
        ("exp", json!(exp.to_string())),
        ("exp", json!(format!("{exp}.0"))),
        ("exp", json!(exp as f64 + 0.5)),
        ("exp", json!(1.0e12)),
        ("exp", json!(-1)),
        ("exp", json!(null)),
        ("exp", json!(true)),
        ("exp", json!([exp])),
        ("exp", json!({"$date": exp})),
        ("exp", json!("never")),
        ("nbf", json!("0")),
        ("nbf", json!(-5)),
        ("iat", json!("now")),
        ("sub", json!(42)),
        ("sub", json!(null)),
        ("sub", json!(["admin"])),
        ("sub", json!({"name": "admin"})),
        ("roles", json!("admin")),
        ("roles", json!("guest admin")),
        ("roles", json!([["admin"]])),
        ("roles", json!([1])),
        ("roles", json!({"0": "admin"})),
        ("roles", json!(true)),
        ("scope", json!(["items:read", "users:delete"])),
        ("scope", json!(1)),
        ("scope", json!({"items:read": true})),
        ("jti", json!(5)),
        ("iss", json!(5)),
    ];
    for (field, value) in &cases {
        let token = forge_hs256(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &with(&good, field, value.clone()).to_string(),
            SHOWCASE_SECRET,
        );
        let what = format!("{field}: {value}");
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, &what).await;
    }
    // A payload that is not a JSON object at all.
    for payload in [
        "[]",
        "null",
        "\"admin\"",
        "1",
        "",
        "{",
        "{\"sub\":\"admin\",}",
    ] {
        let token = forge_hs256(r#"{"alg":"HS256"}"#, payload, SHOWCASE_SECRET);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, payload).await;
    }
    let control = forge_hs256(r#"{"alg":"HS256"}"#, &good.to_string(), SHOWCASE_SECRET);
    accepted(&showcase, "/users/me", &control, "control").await;
}

/// OWASP API5:2023 Broken Function Level Authorization, ASVS 4.0.3 V3.5.3
/// (stateless tokens resist tampering) and 5.0 V9.1.1, RFC 8725 §3.3
/// (validate all cryptographic operations), RFC 7515 §5.2.
///
/// A guest's genuine token from `/token`, edited to carry role `admin`,
/// scope `users:delete`, subject `admin`, a later `exp`, or a duplicated
/// `roles`; the same claims re-serialized byte for byte differently; and
/// parts spliced from two genuine tokens. The edited token keeps the
/// guest's signature, and every variant is refused on every route.
#[tokio::test]
async fn role_escalation_by_tampering_is_refused() {
    let showcase = showcase();
    let guest = login(&showcase, "guest", "guest-pass").await;
    let alice = login(&showcase, "alice", "alice-pass").await;
    // The controls: the guest passes as a guest and is refused as an admin.
    accepted(&showcase, "/users/me", &guest, "guest").await;
    let answer = send(&showcase, bearer_get("/admin/stats", &guest)).await;
    answer.problem(StatusCode::FORBIDDEN, "insufficient_role");

    let (header, _) = guest.split_once('.').unwrap();
    let signature = guest.rsplit('.').next().unwrap();
    let claims = decoded(&guest, 1);
    let payloads = [
        with(&claims, "roles", json!(["admin"])),
        with(&claims, "roles", json!(["guest", "admin"])),
        with(&claims, "roles", json!(["Admin"])),
        with(
            &claims,
            "scope",
            json!("items:read items:write users:delete"),
        ),
        with(&claims, "sub", json!("admin")),
        with(&claims, "exp", json!(now() + 365 * 86_400)),
        with(&claims, "jti", json!("another-id")),
        with(
            &with(&claims, "roles", json!(["admin"])),
            "sub",
            json!("admin"),
        ),
    ];
    let mut tokens: Vec<String> = payloads
        .iter()
        .map(|payload| format!("{header}.{}.{signature}", b64(payload.to_string())))
        .collect();
    // Same meaning, other bytes: pretty-printed, and `roles` appended twice.
    tokens.push(format!(
        "{header}.{}.{signature}",
        b64(serde_json::to_string_pretty(&claims).unwrap())
    ));
    let text = claims.to_string();
    tokens.push(format!(
        "{header}.{}.{signature}",
        b64(format!(
            r#"{},"roles":["admin"]}}"#,
            &text[..text.len() - 1]
        ))
    ));
    // Splices of two genuine tokens.
    let (alice_message, alice_signature) = alice.rsplit_once('.').unwrap();
    tokens.push(format!("{alice_message}.{signature}"));
    let (guest_message, _) = guest.rsplit_once('.').unwrap();
    tokens.push(format!("{guest_message}.{alice_signature}"));
    // The guest's payload under an unsigned header.
    let (_, guest_payload) = guest_message.split_once('.').unwrap();
    tokens.push(format!("{}.{guest_payload}.", b64(r#"{"alg":"none"}"#)));
    for token in &tokens {
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, token, "tampered").await;
        let deleted = send(
            &showcase,
            with_authorization(
                "DELETE",
                "/users/7",
                &[format!("Bearer {token}").as_bytes()],
            ),
        )
        .await;
        assert_invalid_token(&deleted, token, "DELETE /users/7");
    }
}

/// RFC 8725 §3.5 and §2.2 (weak symmetric keys are brute-forced offline),
/// RFC 7518 §3.2 (an HS256 key of at least 256 bits), ASVS 5.0 V9.1.1.
///
/// Admin tokens signed with secrets an attacker tries first: common
/// defaults (jwt.io's sample, `secret`, `changeme`), the app's name, the
/// real secret with a byte more or less or different case, and another
/// instance's secret. Also: the showcase refuses to start with a
/// secret shorter than 32 bytes.
#[tokio::test]
async fn tokens_signed_with_guessable_secrets_are_refused() {
    let showcase = showcase();
    let claims =
        json!({"sub": "admin", "roles": ["admin"], "scope": "users:delete", "exp": now() + 600})
            .to_string();
    let real = String::from_utf8(SHOWCASE_SECRET.to_vec()).unwrap();
    let guesses: Vec<Vec<u8>> = vec![
        b"your-256-bit-secret".to_vec(),
        b"secret".to_vec(),
        b"changeme".to_vec(),
        b"password".to_vec(),
        b"secure-api".to_vec(),
        b"portcullis".to_vec(),
        vec![0],
        real.as_bytes()[..real.len() - 1].to_vec(),
        format!("{real}\n").into_bytes(),
        real.to_uppercase().into_bytes(),
        b"another-instance-secret-of-32-bytes".to_vec(),
    ];
    for guess in &guesses {
        let token = forge_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, &claims, guess);
        let what = format!("secret of {} bytes", guess.len());
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, &what).await;
    }
    for short in [&b""[..], b"secret", &[7; 31]] {
        assert!(
            app::build(short, &[]).is_err(),
            "a {}-byte secret must be refused at start",
            short.len()
        );
    }
}
