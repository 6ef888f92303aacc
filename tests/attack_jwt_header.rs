//! Attack catalogue, JOSE header: every trick that tries to make the
//! verifier pick the algorithm, the key or the rules from the token itself.
//!
//! Driven through the showcase router (HS256, one key, revocation store),
//! a router with two HMAC keys chosen by `kid`, routers with RSA, EC and
//! Ed25519 public keys, and a JWKS router whose provider listens on
//! 127.0.0.1. Each refusal must be a 401 with the RFC 6750 `invalid_token`
//! challenge and no part of the token echoed back.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod attack_kit;
mod common;

use std::io::ErrorKind;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use attack_kit::*;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{now, send};
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey};
use portcullis::auth::bearer::{JwksSource, JwksVerifier};
use portcullis::jwt::{JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use portcullis::routing::get;
use serde_json::{Value, json};

const RSA_PRIVATE: &str = include_str!("fixtures/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("fixtures/rsa_public.pem");
/// The showcase's bearer routes: any token, role `admin`, scope `items:read`.
const SHOWCASE_ROUTES: &[&str] = &["/users/me", "/admin/stats", "/items/1"];
const IDP: &str = "https://idp.test/";
const API: &str = "items-api";
const OLD_KID: &str = "2026-10";
const NEW_KID: &str = "2026-11";
const OLD_SECRET: &[u8] = &[1; 32];
const NEW_SECRET: &[u8] = &[2; 32];

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

fn showcase() -> axum::Router {
    app::build(SHOWCASE_SECRET, &["https://example.com".to_owned()]).unwrap()
}

fn router_with(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/me", get(me))
        .into_router()
}

fn router_for(verifier: JwtVerifier) -> axum::Router {
    router_with(Security::builder().bearer(verifier).build().unwrap())
}

fn router_for_key(key: VerificationKey) -> axum::Router {
    router_for(JwtVerifier::builder().key(key).build().unwrap())
}

/// Two HMAC keys side by side, chosen by `kid` (a rotation in progress).
fn rotation_router() -> axum::Router {
    router_for(
        JwtVerifier::builder()
            .key(
                VerificationKey::hmac(Algorithm::HS256, OLD_SECRET)
                    .unwrap()
                    .with_kid(OLD_KID),
            )
            .key(
                VerificationKey::hmac(Algorithm::HS256, NEW_SECRET)
                    .unwrap()
                    .with_kid(NEW_KID),
            )
            .build()
            .unwrap(),
    )
}

fn rs256_router() -> axum::Router {
    router_for_key(VerificationKey::rsa_pem(Algorithm::RS256, RSA_PUBLIC.as_bytes()).unwrap())
}

/// Claims the showcase would accept from its own issuer: an admin's.
fn admin_claims() -> Value {
    json!({
        "sub": "admin",
        "roles": ["admin"],
        "scope": "items:read items:write users:delete",
        "iat": now(),
        "exp": now() + 600,
    })
}

/// Claims the identity provider of the JWKS router would issue.
fn idp_claims() -> Value {
    json!({"sub": "alice", "iss": IDP, "aud": API, "iat": now(), "exp": now() + 600})
}

/// An Ed25519 key pair: the private key for signing, the public JWK.
struct EdKey {
    encoding: EncodingKey,
    pem: String,
    jwk: Value,
}

impl EdKey {
    fn generate(kid: &str) -> Self {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let pem = pair.serialize_pem();
        let x = URL_SAFE_NO_PAD.encode(pair.public_key_raw());
        Self {
            encoding: EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}),
            pem: pair.public_key_pem(),
        }
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        forge(
            &header.to_string(),
            &claims.to_string(),
            Algorithm::EdDSA,
            &self.encoding,
        )
    }
}

/// An identity provider on 127.0.0.1 serving one JWKS, counting fetches.
struct Idp {
    url: String,
    hits: Arc<AtomicUsize>,
}

impl Idp {
    async fn start(jwks: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        let body = jwks.to_string();
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let body = body.clone();
                async move { body }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, hits }
    }

    fn router(&self) -> axum::Router {
        let verifier = JwksVerifier::builder(JwksSource::Url(self.url.clone()))
            .issuer(IDP)
            .audience(API)
            .min_refresh_interval(Duration::from_secs(600))
            .build()
            .unwrap();
        router_with(Security::builder().jwks(verifier).build().unwrap())
    }
}

/// Sends `token` to `/me` of `app` and asserts the refusal.
async fn refused(app: &axum::Router, token: &str, what: &str) {
    assert_refused_everywhere(app, &["/me"], token, what).await;
}

async fn accepted(app: &axum::Router, uri: &str, token: &str, what: &str) {
    let answer = send(app, bearer_get(uri, token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.text);
}

/// RFC 8725 §2.1 and §3.1 (perform algorithm verification), RFC 7518 §3.6
/// (`none` only where the JWS is otherwise secured), ASVS 5.0 V9.1.2 (the
/// `None` algorithm is never on the allowlist), OWASP API2:2023.
///
/// Every spelling of `none`, an empty and a missing `alg`, and non-string
/// values, each with an empty, a stripped, a garbage and a stolen genuine
/// signature, against the single-key showcase and the `kid`-selected
/// rotation router (two code paths: the first skips header parsing).
#[tokio::test]
async fn alg_none_in_every_spelling_is_refused() {
    let showcase = showcase();
    let rotation = rotation_router();
    let genuine = login(&showcase, "guest", "guest-pass").await;
    let stolen_signature = genuine.rsplit('.').next().unwrap().to_owned();
    let payload = admin_claims().to_string();
    let headers = [
        r#"{"alg":"none"}"#,
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"None","typ":"JWT"}"#,
        r#"{"alg":"NONE","typ":"JWT"}"#,
        r#"{"alg":"nOnE","typ":"JWT"}"#,
        r#"{"alg":"none ","typ":"JWT"}"#,
        r#"{"alg":"none\u0000","typ":"JWT"}"#,
        r#"{"alg":"","typ":"JWT"}"#,
        r#"{"typ":"JWT"}"#,
        r#"{}"#,
        r#"{"alg":null,"typ":"JWT"}"#,
        r#"{"alg":0,"typ":"JWT"}"#,
        r#"{"alg":["none"],"typ":"JWT"}"#,
        r#"{"alg":{"name":"none"},"typ":"JWT"}"#,
        r#"{"alg":"none","kid":"2026-11"}"#,
    ];
    for header in headers {
        for signature in ["", "AAAA", stolen_signature.as_str()] {
            let token = unsigned(header, &payload, signature);
            assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, header).await;
            refused(&rotation, &token, header).await;
        }
        // Two segments only, as some libraries emit unsecured JWTs.
        let stripped = format!("{}.{}", b64(header), b64(&payload));
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &stripped, header).await;
    }
}

/// RFC 8725 §3.1 (each key is used with exactly one algorithm), RFC 7515
/// §4.1.1 (`alg` is case-sensitive), ASVS 5.0 V9.1.2.
///
/// Tokens signed with the right secret but naming another member of the
/// HMAC family, a different spelling of `HS256`, or an asymmetric algorithm.
#[tokio::test]
async fn an_algorithm_other_than_the_keys_is_refused() {
    let showcase = showcase();
    let payload = admin_claims().to_string();
    let secret = EncodingKey::from_secret(SHOWCASE_SECRET).unwrap();
    // Right secret, another HMAC algorithm, honestly labelled.
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let header = json!({"alg": format!("{algorithm:?}"), "typ": "JWT"}).to_string();
        let token = forge(&header, &payload, algorithm, &secret);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, &header).await;
    }
    // A genuine HS256 signature under a header that spells or names `alg` otherwise.
    for alg in [
        "hs256",
        "Hs256",
        "HS256 ",
        " HS256",
        "HS-256",
        "HS256\u{0}",
        "RS256",
        "ES256",
        "PS256",
        "EdDSA",
    ] {
        let header = json!({"alg": alg, "typ": "JWT"}).to_string();
        let token = forge(&header, &payload, Algorithm::HS256, &secret);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, alg).await;
    }
    // The control: the same payload, honestly signed, passes.
    let honest = forge(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &payload,
        Algorithm::HS256,
        &secret,
    );
    accepted(&showcase, "/admin/stats", &honest, "control").await;
}

/// RFC 7515 §5.2 (the signature is validated, never skipped), §7.1 (compact
/// serialization is exactly three parts), RFC 8725 §3.1, ASVS 5.0 V9.1.1.
///
/// A genuine token with its signature emptied, stripped, truncated, doubled,
/// or padded out with extra dots, and tokens with empty parts.
#[tokio::test]
async fn empty_and_stripped_signatures_are_refused() {
    let showcase = showcase();
    let genuine = login(&showcase, "guest", "guest-pass").await;
    let (message, signature) = genuine.rsplit_once('.').unwrap();
    let (header, payload) = message.split_once('.').unwrap();
    let escalated = {
        let mut claims = decoded(&genuine, 1);
        claims["roles"] = json!(["admin"]);
        format!("{header}.{}", b64(claims.to_string()))
    };
    let variants = [
        format!("{message}."),
        message.to_owned(),
        format!("{message}.."),
        format!("{message}.{signature}."),
        format!("{message}.{signature}.{signature}"),
        format!(".{message}.{signature}"),
        format!("{message}.{}", &signature[..signature.len() / 2]),
        format!("{message}.{}", &signature[..signature.len() - 1]),
        format!("{message}.{signature}A"),
        format!("{message}.{signature}{signature}"),
        format!("{header}..{signature}"),
        format!(".{payload}.{signature}"),
        format!("{escalated}."),
        escalated.clone(),
        format!("{escalated}.{signature}"),
        "..".to_owned(),
        ".".to_owned(),
        "...".to_owned(),
    ];
    for token in &variants {
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, token, token).await;
    }
    // The genuine token still works: the variants, not the set-up, failed.
    accepted(&showcase, "/users/me", &genuine, "control").await;
}

/// RFC 8725 §2.1 and §3.1 (algorithm confusion: a public key used as an
/// HMAC secret), §3.12 (keys of one family only), ASVS 5.0 V9.1.2.
///
/// HS256/HS384/HS512 tokens keyed with every form of the verifier's public
/// key an attacker could obtain: the PEM as published, without its final
/// newline, with CRLF line ends, the DER bytes, the JWK JSON and the raw
/// key bytes; against RSA, EC and Ed25519 verifiers and a JWKS provider.
#[tokio::test]
async fn public_key_used_as_hmac_secret_is_refused_in_every_form() {
    let claims = admin_claims().to_string();
    let der = |pem: &str| {
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        STANDARD.decode(body).unwrap()
    };
    let forms = |pem: &str, jwk: Option<&Value>| {
        let mut forms: Vec<Vec<u8>> = vec![
            pem.as_bytes().to_vec(),
            pem.trim_end().as_bytes().to_vec(),
            pem.replace('\n', "\r\n").into_bytes(),
            der(pem),
        ];
        if let Some(jwk) = jwk {
            forms.push(jwk.to_string().into_bytes());
            forms.push(serde_json::to_vec_pretty(jwk).unwrap());
            if let Some(x) = jwk["x"].as_str() {
                forms.push(URL_SAFE_NO_PAD.decode(x).unwrap());
                forms.push(x.as_bytes().to_vec());
            }
        }
        forms
    };
    let hmac_tokens = |secrets: &[Vec<u8>], kid: Option<&str>, claims: &str| {
        let mut tokens = Vec::new();
        for secret in secrets {
            let key = EncodingKey::from_secret(secret).unwrap();
            for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
                let mut header = json!({"alg": format!("{algorithm:?}"), "typ": "JWT"});
                if let Some(kid) = kid {
                    header["kid"] = json!(kid);
                }
                tokens.push(forge(&header.to_string(), claims, algorithm, &key));
            }
        }
        tokens
    };

    // RSA (RS256), with its honest control.
    let rs256 = rs256_router();
    let honest = forge(
        r#"{"alg":"RS256","typ":"JWT"}"#,
        &claims,
        Algorithm::RS256,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(),
    );
    accepted(&rs256, "/me", &honest, "RS256 control").await;
    for token in hmac_tokens(&forms(RSA_PUBLIC, None), None, &claims) {
        refused(&rs256, &token, "RSA public key as HMAC secret").await;
    }

    // EC (ES256).
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let ec_public = ec.public_key_pem();
    let es256 =
        router_for_key(VerificationKey::ec_pem(Algorithm::ES256, ec_public.as_bytes()).unwrap());
    for token in hmac_tokens(&forms(&ec_public, None), None, &claims) {
        refused(&es256, &token, "EC public key as HMAC secret").await;
    }

    // Ed25519 (EdDSA), fixed key and through a JWKS provider.
    let ed = EdKey::generate("idp-1");
    let eddsa = router_for_key(VerificationKey::ed_pem(ed.pem.as_bytes()).unwrap());
    let ed_forms = forms(&ed.pem, Some(&ed.jwk));
    for token in hmac_tokens(&ed_forms, None, &claims) {
        refused(&eddsa, &token, "Ed25519 public key as HMAC secret").await;
    }
    let idp = Idp::start(json!({"keys": [ed.jwk]})).await;
    let jwks = idp.router();
    let genuine = ed.sign(
        &json!({"alg": "EdDSA", "typ": "JWT", "kid": "idp-1"}),
        &idp_claims(),
    );
    accepted(&jwks, "/me", &genuine, "JWKS control").await;
    let idp_payload = idp_claims().to_string();
    for token in hmac_tokens(&ed_forms, Some("idp-1"), &idp_payload) {
        refused(&jwks, &token, "JWK as HMAC secret").await;
    }
    assert_eq!(
        idp.hits.load(Ordering::SeqCst),
        1,
        "one fetch, for the control"
    );
}

/// RFC 8725 §3.10 (`kid` is untrusted input: "protect against SQL or LDAP
/// injection" and path traversal), §2.9, RFC 7515 §4.1.4, ASVS 5.0 V9.1.3.
///
/// `kid`s that would open a file (`../../etc/passwd`, `/dev/null` with an
/// empty-key HMAC), inject into a query, smuggle a null byte, prefix or
/// pad a real `kid`, glob, or are huge or not strings; signed with the
/// attacker's secret, the empty key and, for near-miss `kid`s, the right key.
#[tokio::test]
async fn kid_path_traversal_and_injection_are_refused() {
    let rotation = rotation_router();
    let showcase = showcase();
    let claims = admin_claims().to_string();
    let long = "A".repeat(64 * 1024);
    let kids: Vec<Value> = [
        "../../etc/passwd",
        "../../../../../../../../dev/null",
        "/dev/null",
        "/proc/self/environ",
        "..\\..\\windows\\win.ini",
        "file:///etc/passwd",
        "' OR 1=1 --",
        "2026-11' OR '1'='1",
        "2026-11\"; DROP TABLE keys; --",
        "*)(kid=*",
        "2026-11\u{0}",
        "\u{0}2026-11",
        "2026-11\u{0}../../etc/passwd",
        "2026-11 ",
        " 2026-11",
        "2026-1",
        "2026-111",
        "2026-1?",
        "2026-*",
        "*",
        "%",
        "2026%2D11",
        "２０２６-１１",
        "",
        long.as_str(),
    ]
    .into_iter()
    .map(Value::from)
    .chain([
        json!(202_611),
        json!(null),
        json!(true),
        json!([NEW_KID]),
        json!({"kid": NEW_KID}),
    ])
    .collect();
    // HMAC with the empty key equals HMAC with one zero byte (keys are zero-padded).
    let secrets: [&[u8]; 3] = [b"attacker-secret-of-32-bytes-long!", &[0], NEW_SECRET];
    for kid in &kids {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid}).to_string();
        let what = format!("kid {}", &kid.to_string()[..kid.to_string().len().min(60)]);
        for secret in secrets {
            let token = forge_hs256(&header, &claims, secret);
            refused(&rotation, &token, &what).await;
            if secret != NEW_SECRET {
                assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, &what).await;
            }
        }
    }
    // Through a JWKS provider: the same `kid`s, signed with the attacker's
    // Ed25519 key; the provider's set is fetched at most once, from its URL.
    let legit = EdKey::generate("idp-1");
    let attacker = EdKey::generate("idp-1");
    let idp = Idp::start(json!({"keys": [legit.jwk]})).await;
    let jwks = idp.router();
    for kid in &kids {
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
        let what = format!(
            "JWKS kid {}",
            &kid.to_string()[..kid.to_string().len().min(60)]
        );
        refused(&jwks, &attacker.sign(&header, &idp_claims()), &what).await;
    }
    assert!(idp.hits.load(Ordering::SeqCst) <= 1, "one refresh at most");
    // The control: the exact `kid` with its own key passes; with the other key it does not.
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": NEW_KID}).to_string();
    accepted(
        &rotation,
        "/me",
        &forge_hs256(&header, &claims, NEW_SECRET),
        "control",
    )
    .await;
    refused(
        &rotation,
        &forge_hs256(&header, &claims, OLD_SECRET),
        "crossed kid",
    )
    .await;
}

/// A TCP listener on 127.0.0.1 that never accepts: any connection the
/// server makes to it waits in the backlog, where [`Bait::connections`]
/// finds it.
struct Bait(std::net::TcpListener);

impl Bait {
    fn open() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Self(listener)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.0.local_addr().unwrap())
    }

    fn connections(&self) -> usize {
        let mut count = 0;
        loop {
            match self.0.accept() {
                Ok(_) => count += 1,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return count,
                Err(error) => panic!("{error}"),
            }
        }
    }
}

/// RFC 8725 §3.10 ("blindly following a URL in `jku` or `x5u` … leads to
/// SSRF"), RFC 7515 §4.1.2 and §4.1.5, ASVS 5.0 V9.1.3 (key material only
/// from trusted, pre-configured sources), OWASP API7:2023 SSRF.
///
/// Tokens whose `jku`, `x5u` (and `x5c`) point at the attacker's key set
/// on 127.0.0.1, with an unknown `kid` and with the provider's own `kid`,
/// sent to the showcase, the RSA router and the JWKS router: all refused,
/// and no connection ever reaches the attacker's listener. The JWKS router
/// fetches only its configured URL, once.
#[tokio::test]
async fn jku_and_x5u_headers_are_never_fetched() {
    let bait = Bait::open();
    let attacker = EdKey::generate("attacker");
    let legit = EdKey::generate("idp-1");
    let idp = Idp::start(json!({"keys": [legit.jwk]})).await;
    let (showcase, rs256, jwks) = (showcase(), rs256_router(), idp.router());
    let pointers = [
        json!({"jku": bait.url("/jwks.json")}),
        json!({"x5u": bait.url("/cert.pem")}),
        json!({"jku": bait.url("/jwks.json"), "x5u": bait.url("/cert.pem")}),
        json!({"jku": bait.url("/jwks.json"), "x5c": [STANDARD.encode(b"not a certificate")]}),
        json!({"jku": format!("{}#{}", idp.url, bait.url("/"))}),
    ];
    let hmac = EncodingKey::from_secret(b"attacker-secret-of-32-bytes-long!").unwrap();
    for pointer in &pointers {
        for kid in ["attacker", "idp-1"] {
            let mut header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
            header
                .as_object_mut()
                .unwrap()
                .extend(pointer.as_object().unwrap().clone());
            let signed = attacker.sign(&header, &idp_claims());
            refused(&jwks, &signed, &header.to_string()).await;
            refused(&rs256, &signed, &header.to_string()).await;
            header["alg"] = json!("HS256");
            let hs = forge(
                &header.to_string(),
                &admin_claims().to_string(),
                Algorithm::HS256,
                &hmac,
            );
            assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &hs, &header.to_string()).await;
        }
    }
    // Give a background fetch, if any were started, time to connect.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(bait.connections(), 0, "a header URL was fetched");
    assert!(
        idp.hits.load(Ordering::SeqCst) <= 1,
        "only the configured key set, at most once per refresh interval"
    );
}

/// RFC 8725 §3.10 and ASVS 5.0 V9.1.3 (the `jwk` header is a key the token
/// chose for itself), RFC 7515 §4.1.3, OWASP API2:2023.
///
/// The attacker's own public key embedded as `jwk` (Ed25519 with the
/// attacker's and with the provider's `kid`; an `oct` key holding the HMAC
/// secret for the showcase), each token signed with that key.
#[tokio::test]
async fn an_embedded_jwk_is_not_trusted() {
    let attacker = EdKey::generate("idp-1");
    let legit = EdKey::generate("idp-1");
    let idp = Idp::start(json!({"keys": [legit.jwk]})).await;
    let jwks = idp.router();
    let eddsa = router_for_key(VerificationKey::ed_pem(legit.pem.as_bytes()).unwrap());
    for kid in ["idp-1", "attacker"] {
        let mut jwk = attacker.jwk.clone();
        jwk["kid"] = json!(kid);
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid, "jwk": jwk});
        let token = attacker.sign(&header, &idp_claims());
        refused(&jwks, &token, &format!("embedded jwk, kid {kid}")).await;
        refused(&eddsa, &token, &format!("embedded jwk, kid {kid}")).await;
    }
    let secret = b"attacker-secret-of-32-bytes-long!";
    let header = json!({
        "alg": "HS256",
        "typ": "JWT",
        "jwk": {"kty": "oct", "k": b64(secret), "alg": "HS256"},
    })
    .to_string();
    let token = forge_hs256(&header, &admin_claims().to_string(), secret);
    assert_refused_everywhere(&showcase(), SHOWCASE_ROUTES, &token, "embedded oct jwk").await;
    // The control: the provider's own key passes.
    let genuine = legit.sign(
        &json!({"alg": "EdDSA", "typ": "JWT", "kid": "idp-1"}),
        &idp_claims(),
    );
    accepted(&jwks, "/me", &genuine, "control").await;
}

/// RFC 7515 §4.1.11 (a recipient that does not understand a `crit`
/// extension must refuse the JWS; `crit` must not be empty nor name a
/// registered parameter), RFC 7797 §3 (`b64: false` changes what is
/// signed), RFC 8725 §3.1.
///
/// Tokens signed with the trusted key whose only flaw is `crit`: unknown
/// extensions (present or not), registered names, an empty list, a string,
/// and the unencoded-payload option, on the three key paths (one HMAC key,
/// keys by `kid`, JWKS). The same tokens without `crit` pass.
#[tokio::test]
async fn crit_with_an_unknown_extension_is_refused() {
    let showcase = showcase();
    let rotation = rotation_router();
    let legit = EdKey::generate("idp-1");
    let idp = Idp::start(json!({"keys": [legit.jwk]})).await;
    let jwks = idp.router();
    let extras = [
        json!({"crit": ["http://example.com/must-understand"], "http://example.com/must-understand": true}),
        json!({"crit": ["urn:example:unknown"]}),
        json!({"crit": ["exp"], "exp": now() + 600}),
        json!({"crit": ["alg"]}),
        json!({"crit": []}),
        json!({"crit": "urn:example:unknown"}),
        json!({"crit": ["b64"], "b64": false}),
        json!({"crit": ["b64", "b64"], "b64": true}),
        json!({"crit": ["b64", "urn:example:unknown"], "b64": true}),
        json!({"b64": false}),
        json!({"b64": "false"}),
    ];
    let claims = admin_claims().to_string();
    let with = |base: Value, extra: &Value| {
        let mut header = base;
        header
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        header.to_string()
    };
    for extra in &extras {
        let what = extra.to_string();
        let hs = forge_hs256(
            &with(json!({"alg": "HS256", "typ": "JWT"}), extra),
            &claims,
            SHOWCASE_SECRET,
        );
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &hs, &what).await;
        let by_kid = forge_hs256(
            &with(json!({"alg": "HS256", "typ": "JWT", "kid": NEW_KID}), extra),
            &claims,
            NEW_SECRET,
        );
        refused(&rotation, &by_kid, &what).await;
        let header: Value = serde_json::from_str(&with(
            json!({"alg": "EdDSA", "typ": "JWT", "kid": "idp-1"}),
            extra,
        ))
        .unwrap();
        refused(&jwks, &legit.sign(&header, &idp_claims()), &what).await;
    }
    // The controls: the same keys and claims without `crit` pass.
    let hs = forge_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, &claims, SHOWCASE_SECRET);
    accepted(&showcase, "/admin/stats", &hs, "control").await;
    let header = json!({"alg": "HS256", "kid": NEW_KID}).to_string();
    accepted(
        &rotation,
        "/me",
        &forge_hs256(&header, &claims, NEW_SECRET),
        "control",
    )
    .await;
    let header = json!({"alg": "EdDSA", "kid": "idp-1"});
    accepted(&jwks, "/me", &legit.sign(&header, &idp_claims()), "control").await;
}

/// RFC 7515 §4 (Header Parameter names must be unique; a parser either
/// refuses duplicates or reads the lexically last: an issuer and a verifier
/// reading different members is a confusion attack), RFC 8259 §4,
/// ASVS 5.0 V9.1.2.
///
/// Genuinely signed tokens whose header repeats `alg`, `kid` or `typ`.
#[tokio::test]
async fn duplicate_header_parameters_are_refused() {
    let showcase = showcase();
    let rotation = rotation_router();
    let claims = admin_claims().to_string();
    for header in [
        r#"{"alg":"HS256","alg":"none","typ":"JWT"}"#,
        r#"{"alg":"none","alg":"HS256","typ":"JWT"}"#,
        r#"{"alg":"HS256","alg":"HS256","typ":"JWT"}"#,
        r#"{"alg":"HS256","typ":"JWT","typ":"at+jwt"}"#,
    ] {
        let token = forge_hs256(header, &claims, SHOWCASE_SECRET);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, header).await;
    }
    for header in [
        r#"{"alg":"HS256","kid":"2026-10","kid":"2026-11"}"#,
        r#"{"alg":"HS256","kid":"2026-11","kid":"2026-10"}"#,
        r#"{"alg":"HS256","kid":"2026-11","kid":"2026-11"}"#,
    ] {
        refused(&rotation, &forge_hs256(header, &claims, NEW_SECRET), header).await;
        refused(&rotation, &forge_hs256(header, &claims, OLD_SECRET), header).await;
    }
}

/// OWASP API4:2023 Unrestricted Resource Consumption, RFC 8259 §9 (a
/// parser may limit nesting depth): a header whose JSON nests 100 000
/// arrays deep, or a `kid` object nested as deep, is refused with a 401,
/// not a stack overflow or a 500.
#[tokio::test]
async fn deeply_nested_header_json_is_refused() {
    let showcase = showcase();
    let rotation = rotation_router();
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let claims = admin_claims().to_string();
    for deep in [&nested, &objects] {
        let header = format!(r#"{{"alg":"HS256","typ":"JWT","x":{deep}}}"#);
        let token = forge_hs256(&header, &claims, SHOWCASE_SECRET);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, "nested header").await;
        let header = format!(r#"{{"alg":"HS256","kid":{deep}}}"#);
        refused(
            &rotation,
            &forge_hs256(&header, &claims, NEW_SECRET),
            "nested kid",
        )
        .await;
        let payload = format!(r#"{{"sub":"admin","exp":{},"roles":{deep}}}"#, now() + 600);
        let token = forge_hs256(r#"{"alg":"HS256"}"#, &payload, SHOWCASE_SECRET);
        assert_refused_everywhere(&showcase, SHOWCASE_ROUTES, &token, "nested payload").await;
    }
}
