//! Keys from a JWKS: fetched on first use, rotated by `kid`, refreshed at most
//! once per interval, kept when the provider fails, and read from a file;
//! several issuers side by side, chosen by `iss`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use http::StatusCode;
use portcullis::ConfigError;
use portcullis::auth::bearer::{JwksError, JwksSource, JwksVerifier, TrustedIssuers};
use portcullis::jwt::Algorithm;
use portcullis::jwt::TokenError;
use portcullis::oauth::{SigningKey, TokenIssuer};
use portcullis::prelude::*;
use portcullis::routing::get;
use portcullis::testing::TestKeys;
use serde_json::{Value, json};

const IDP: &str = "https://idp.test/";

/// A signing key and the public JWK that verifies it.
struct Key {
    signing: SigningKey,
    issuer: TokenIssuer,
    jwk: Value,
}

impl Key {
    fn ed25519(kid: &str) -> Self {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let signing = SigningKey::ed_pem(pair.serialize_pem().as_bytes())
            .unwrap()
            .with_kid(kid);
        let x = URL_SAFE_NO_PAD.encode(pair.public_key_raw());
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"});
        Self::new(signing, jwk)
    }

    fn p256(kid: &str) -> Self {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let signing = SigningKey::ec_pem(Algorithm::ES256, pair.serialize_pem().as_bytes())
            .unwrap()
            .with_kid(kid);
        let raw = pair.public_key_raw();
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&raw[1..33]),
            URL_SAFE_NO_PAD.encode(&raw[33..65]),
        );
        // No `alg`: the curve implies ES256.
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid});
        Self::new(signing, jwk)
    }

    fn new(signing: SigningKey, jwk: Value) -> Self {
        let issuer = TokenIssuer::builder(signing.clone())
            .issuer(IDP)
            .build()
            .unwrap();
        Self {
            signing,
            issuer,
            jwk,
        }
    }

    fn issuer_with_audience(&self, audience: &str) -> TokenIssuer {
        TokenIssuer::builder(self.signing.clone())
            .issuer(IDP)
            .audience(audience)
            .build()
            .unwrap()
    }

    fn token(&self, sub: &str) -> String {
        self.issuer
            .issue(sub, ["user"], ["items:read"])
            .unwrap()
            .access_token()
            .to_owned()
    }
}

fn set(keys: &[&Key]) -> String {
    json!({"keys": keys.iter().map(|key| key.jwk.clone()).collect::<Vec<_>>()}).to_string()
}

/// An identity provider on 127.0.0.1 that serves whatever the test sets and
/// counts the fetches. It stops with the test's runtime.
#[derive(Clone)]
struct Idp {
    answer: Arc<Mutex<(StatusCode, String)>>,
    hits: Arc<AtomicUsize>,
    url: String,
}

impl Idp {
    async fn start(status: StatusCode, body: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let idp = Self {
            answer: Arc::new(Mutex::new((status, body))),
            hits: Arc::default(),
            url,
        };
        let app = axum::Router::new()
            .route("/jwks.json", axum::routing::get(serve))
            .with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        idp
    }

    fn answer(&self, status: StatusCode, body: String) {
        *self.answer.lock().unwrap() = (status, body);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn verifier(&self, min_refresh: Duration) -> JwksVerifier {
        JwksVerifier::builder(JwksSource::Url(self.url.clone()))
            .issuer(IDP)
            .min_refresh_interval(min_refresh)
            .build()
            .unwrap()
    }
}

async fn serve(State(idp): State<Idp>) -> (StatusCode, String) {
    idp.hits.fetch_add(1, Ordering::SeqCst);
    idp.answer.lock().unwrap().clone()
}

#[tokio::test]
async fn keys_arrive_on_first_use_and_rotate_by_kid() {
    let (a, b) = (Key::ed25519("a"), Key::p256("b"));
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = idp.verifier(Duration::from_millis(100));
    assert!(verifier.kids().is_empty());

    assert_eq!(
        verifier.verify(&a.token("alice")).await.unwrap().subject(),
        "alice"
    );
    assert_eq!(idp.hits(), 1);
    assert_eq!(
        verifier.verify(&a.token("alice")).await.unwrap().subject(),
        "alice"
    );
    assert_eq!(idp.hits(), 1, "a known kid needs no fetch");

    // The provider rotates in a second key; its first token triggers a refresh.
    idp.answer(StatusCode::OK, set(&[&a, &b]));
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        verifier.verify(&b.token("bob")).await.unwrap().subject(),
        "bob"
    );
    assert_eq!(idp.hits(), 2);
    assert_eq!(verifier.kids(), ["a", "b"]);
    // A token signed by `b` but naming `a` is refused: the kid picks the key.
    let mut forged = b.token("mallory");
    let header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "typ": "JWT", "kid": "a"}).to_string());
    forged.replace_range(..forged.find('.').unwrap(), &header);
    assert!(verifier.verify(&forged).await.is_err());
}

#[tokio::test]
async fn unknown_kids_trigger_at_most_one_refresh() {
    let (a, stranger) = (Key::ed25519("a"), Key::ed25519("unknown"));
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = idp.verifier(Duration::from_secs(60));
    let mut tasks = Vec::new();
    for index in 0..20 {
        let (verifier, token) = (verifier.clone(), stranger.token(&format!("user{index}")));
        tasks.push(tokio::spawn(async move { verifier.verify(&token).await }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().err(), Some(TokenError::UnknownKey));
    }
    assert_eq!(idp.hits(), 1, "twenty unknown kids, one fetch");
    for _ in 0..5 {
        assert_eq!(
            verifier.verify(&stranger.token("again")).await.err(),
            Some(TokenError::UnknownKey)
        );
    }
    assert_eq!(idp.hits(), 1, "still inside the minimum interval");
    assert!(verifier.verify(&a.token("alice")).await.is_ok());
    assert_eq!(
        verifier.verify("not-a-token").await.err(),
        Some(TokenError::Malformed)
    );
    assert_eq!(idp.hits(), 1);
}

#[tokio::test]
async fn a_failing_provider_keeps_the_last_good_keys() {
    let a = Key::ed25519("a");
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = idp.verifier(Duration::ZERO);
    assert_eq!(verifier.refresh().await, Ok(1));

    idp.answer(StatusCode::INTERNAL_SERVER_ERROR, String::new());
    assert_eq!(verifier.refresh().await, Err(JwksError::Status(500)));
    assert!(verifier.verify(&a.token("alice")).await.is_ok());

    let huge = format!(
        "{{\"keys\": [], \"padding\": \"{}\"}}",
        "x".repeat(300 * 1024)
    );
    idp.answer(StatusCode::OK, huge);
    assert_eq!(
        verifier.refresh().await,
        Err(JwksError::Malformed),
        "over 256 KiB"
    );
    idp.answer(StatusCode::OK, "<html>maintenance</html>".into());
    assert_eq!(verifier.refresh().await, Err(JwksError::Malformed));
    let symmetric =
        json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"}]});
    idp.answer(StatusCode::OK, symmetric.to_string());
    assert_eq!(
        verifier.refresh().await,
        Err(JwksError::NoUsableKey),
        "symmetric keys are never taken from a JWKS"
    );
    assert!(verifier.verify(&a.token("alice")).await.is_ok());
    assert_eq!(verifier.kids(), ["a"]);
}

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

#[tokio::test]
async fn the_app_starts_while_the_provider_is_down() {
    let a = Key::ed25519("a");
    let idp = Idp::start(StatusCode::SERVICE_UNAVAILABLE, String::new()).await;
    let verifier = idp.verifier(Duration::from_millis(100));
    assert!(verifier.refresh().await.is_err());
    let app = SecureRouter::new(Security::builder().jwks(verifier).build().unwrap())
        .route("/me", get(me))
        .into_router();

    let answer = send(&app, bearer("/me", &a.token("alice"))).await;
    answer.problem(StatusCode::UNAUTHORIZED, "invalid_token");

    idp.answer(StatusCode::OK, set(&[&a]));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let answer = send(&app, bearer("/me", &a.token("alice"))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.text, "alice");
}

#[tokio::test]
async fn scheduled_refreshes_pick_up_new_keys() {
    let (a, b) = (Key::ed25519("a"), Key::p256("b"));
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = JwksVerifier::builder(JwksSource::Url(idp.url.clone()))
        .issuer(IDP)
        .refresh_every(Duration::from_millis(50))
        .min_refresh_interval(Duration::from_secs(60))
        .build()
        .unwrap();
    let task = verifier.spawn_refresh();
    let wait_for = |count: usize| {
        let verifier = verifier.clone();
        async move {
            for _ in 0..100 {
                if verifier.kids().len() == count {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_for(1).await;
    assert_eq!(verifier.kids(), ["a"]);
    idp.answer(StatusCode::OK, set(&[&a, &b]));
    wait_for(2).await;
    assert_eq!(verifier.kids(), ["a", "b"]);
    task.abort();
    assert!(idp.hits() >= 2);
}

#[tokio::test]
async fn keys_from_a_file() {
    let a = Key::p256("a");
    let path = std::env::temp_dir().join(format!("portcullis-jwks-{}.json", std::process::id()));
    std::fs::write(&path, set(&[&a])).unwrap();
    let verifier = JwksVerifier::builder(JwksSource::File(path.clone()))
        .issuer(IDP)
        .build()
        .unwrap();
    let loaded = verifier.refresh().await;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded, Ok(1));
    assert_eq!(
        verifier.verify(&a.token("alice")).await.unwrap().subject(),
        "alice"
    );
    // The file is gone: the refresh fails and the key stays.
    assert!(matches!(
        verifier.refresh().await,
        Err(JwksError::Unreachable(_))
    ));
    assert!(verifier.verify(&a.token("alice")).await.is_ok());
}

#[test]
fn settings_that_cannot_work_are_refused() {
    let source = JwksSource::Url("http://127.0.0.1:9/jwks.json".into());
    let hmac = JwksVerifier::builder(source.clone())
        .algorithms([Algorithm::HS256])
        .build();
    assert!(matches!(hmac, Err(ConfigError::BearerKeys(_))));
    let jwks = JwksVerifier::builder(source).build().unwrap();
    let both = Security::builder().bearer(verifier()).jwks(jwks).build();
    assert!(matches!(both, Err(ConfigError::BearerKeys(_))));
}

#[tokio::test]
async fn a_withdrawn_key_ends_its_cached_tokens() {
    let (a, b) = (Key::ed25519("a"), Key::p256("b"));
    let idp = Idp::start(StatusCode::OK, set(&[&a, &b])).await;
    let verifier = idp.verifier(Duration::from_secs(60));
    assert_eq!(verifier.refresh().await, Ok(2));
    let security = Security::builder()
        .jwks(verifier.clone())
        .verified_token_cache(100)
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/me", get(me))
        .into_router();
    let token = b.token("bob");
    for _ in 0..3 {
        assert_eq!(
            send(&app, bearer("/me", &token)).await.status,
            StatusCode::OK
        );
    }
    // The provider withdraws `b`; once the key set is refreshed, the cached
    // verification of `b`'s token no longer counts.
    idp.answer(StatusCode::OK, set(&[&a]));
    assert_eq!(verifier.refresh().await, Ok(1));
    send(&app, bearer("/me", &token))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(
        send(&app, bearer("/me", &a.token("alice"))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn several_issuers_each_with_their_own_keys_and_audience() {
    // Issuer one: the application's own HS256 tokens.
    let local = TestKeys::hs256().issuer("https://api.test");
    // Issuer two: an identity provider publishing a JWKS, requiring an audience.
    let idp_key = Key::ed25519("idp-1");
    let idp = Idp::start(StatusCode::OK, set(&[&idp_key])).await;
    let remote = JwksVerifier::builder(JwksSource::Url(idp.url.clone()))
        .issuer(IDP)
        .audience("items-api")
        .build()
        .unwrap();
    let issuers = TrustedIssuers::new()
        .issuer("https://api.test", local.verifier())
        .issuer(IDP, remote);
    let app = SecureRouter::new(
        Security::builder()
            .issuers(issuers)
            .verified_token_cache(100)
            .build()
            .unwrap(),
    )
    .route("/me", get(me))
    .into_router();

    let mine = local.user("alice").token();
    assert_eq!(send(&app, bearer("/me", &mine)).await.text, "alice");

    // The provider's tokens need its audience: `Key` issues none, so refused.
    send(&app, bearer("/me", &idp_key.token("bob")))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    let with_aud = idp_key
        .issuer_with_audience("items-api")
        .issue("bob", ["user"], [""; 0])
        .unwrap();
    assert_eq!(
        send(&app, bearer("/me", with_aud.access_token()))
            .await
            .text,
        "bob"
    );

    // A token naming an issuer nobody configured, or none at all.
    let stranger = TestKeys::hs256()
        .issuer("https://evil.test")
        .user("eve")
        .token();
    send(&app, bearer("/me", &stranger))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    let anonymous = TestKeys::hs256().user("eve").token();
    send(&app, bearer("/me", &anonymous))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    // A token naming the provider but signed with the application's key.
    let borrowed = TestKeys::hs256()
        .issuer(IDP)
        .audience("items-api")
        .user("eve")
        .token();
    send(&app, bearer("/me", &borrowed))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[test]
fn issuer_lists_that_cannot_work_are_refused() {
    let keys = TestKeys::hs256();
    let empty = Security::builder().issuers(TrustedIssuers::new()).build();
    assert!(matches!(empty, Err(ConfigError::BearerKeys(_))));
    let twice = TrustedIssuers::new()
        .issuer("https://a", keys.verifier())
        .issuer("https://a", keys.verifier());
    assert!(matches!(
        Security::builder().issuers(twice).build(),
        Err(ConfigError::BearerKeys(_))
    ));
    let mixed = Security::builder()
        .bearer(keys.verifier())
        .issuers(TrustedIssuers::new().issuer("https://a", keys.verifier()))
        .build();
    assert!(matches!(mixed, Err(ConfigError::BearerKeys(_))));
}
