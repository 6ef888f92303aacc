//! Keys from a JWKS: fetched on first use, rotated by `kid`, refreshed at most
//! once per interval (and only for plausible tokens), kept when the provider
//! fails up to a maximum age, and read from a file; audience, `typ` and URL
//! checks; several issuers side by side, chosen by `iss`.
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
use jsonwebtoken::{EncodingKey, Header};
use portcullis::ConfigError;
use portcullis::auth::bearer::{JwksError, JwksSource, JwksVerifier, TrustedIssuers};
use portcullis::jwt::{Algorithm, JwtVerifier, TokenError, VerificationKey};
use portcullis::oauth::{SigningKey, TokenIssuer};
use portcullis::prelude::*;
use portcullis::routing::get;
use portcullis::testing::TestKeys;
use serde_json::{Value, json};

const IDP: &str = "https://idp.test/";
/// The audience the identity provider's tokens carry for this API.
const API: &str = "items-api";

/// A signing key and the public JWK that verifies it.
struct Key {
    signing: SigningKey,
    issuer: TokenIssuer,
    jwk: Value,
    /// The same private key, for tokens with hand-made headers.
    encoding: EncodingKey,
}

impl Key {
    fn ed25519(kid: &str) -> Self {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let pem = pair.serialize_pem();
        let signing = SigningKey::ed_pem(pem.as_bytes()).unwrap().with_kid(kid);
        let x = URL_SAFE_NO_PAD.encode(pair.public_key_raw());
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"});
        let encoding = EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
        Self::new(signing, jwk, encoding)
    }

    fn p256(kid: &str) -> Self {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let pem = pair.serialize_pem();
        let signing = SigningKey::ec_pem(Algorithm::ES256, pem.as_bytes())
            .unwrap()
            .with_kid(kid);
        let raw = pair.public_key_raw();
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&raw[1..33]),
            URL_SAFE_NO_PAD.encode(&raw[33..65]),
        );
        // No `alg`: the curve implies ES256.
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid});
        let encoding = EncodingKey::from_ec_pem(pem.as_bytes()).unwrap();
        Self::new(signing, jwk, encoding)
    }

    fn new(signing: SigningKey, jwk: Value, encoding: EncodingKey) -> Self {
        let issuer = TokenIssuer::builder(signing.clone())
            .issuer(IDP)
            .audience(API)
            .build()
            .unwrap();
        Self {
            signing,
            issuer,
            jwk,
            encoding,
        }
    }

    /// A token for `claims` whose header carries this key's `kid` and `typ`.
    fn signed(&self, typ: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(self.signing.algorithm());
        header.kid = self.signing.kid().map(str::to_owned);
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
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
        self.builder()
            .min_refresh_interval(min_refresh)
            .build()
            .unwrap()
    }

    /// A verifier of this provider's tokens for this API, still to configure.
    fn builder(&self) -> portcullis::auth::bearer::JwksVerifierBuilder {
        JwksVerifier::builder(JwksSource::Url(self.url.clone()))
            .issuer(IDP)
            .audience(API)
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
    let verifier = idp
        .builder()
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
        .audience(API)
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
        .audience(API)
        .algorithms([Algorithm::HS256])
        .build();
    assert!(matches!(hmac, Err(ConfigError::BearerKeys(_))));
    let never = JwksVerifier::builder(source.clone())
        .audience(API)
        .refresh_every(Duration::ZERO)
        .build();
    assert!(matches!(never, Err(ConfigError::BearerKeys(_))));
    let shorter = JwksVerifier::builder(source.clone())
        .audience(API)
        .refresh_every(Duration::from_secs(3600))
        .max_key_set_age(Duration::from_secs(600))
        .build()
        .unwrap_err();
    assert!(
        shorter.to_string().contains("`.max_key_set_age(..)`"),
        "{shorter}"
    );
    let typ = JwksVerifier::builder(source.clone())
        .audience(API)
        .require_type(" ")
        .build();
    assert!(matches!(typ, Err(ConfigError::BearerKeys(_))));
    let jwks = JwksVerifier::builder(source).audience(API).build().unwrap();
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
    // Issuer one: the application's own HS256 tokens, for this API.
    let local = TestKeys::hs256().issuer("https://api.test").audience(API);
    // Issuer two: an identity provider publishing a JWKS, requiring an audience.
    let idp_key = Key::ed25519("idp-1");
    let idp = Idp::start(StatusCode::OK, set(&[&idp_key])).await;
    let remote = idp.builder().build().unwrap();
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

    // The provider's tokens need this API's audience: one minted for
    // another API is refused.
    let for_another_api = idp_key
        .issuer_with_audience("billing-api")
        .issue("bob", ["user"], [""; 0])
        .unwrap();
    send(&app, bearer("/me", for_another_api.access_token()))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(
        send(&app, bearer("/me", &idp_key.token("bob"))).await.text,
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
        .audience(API)
        .user("eve")
        .token();
    send(&app, bearer("/me", &borrowed))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[test]
fn issuer_lists_that_cannot_work_are_refused() {
    let keys = TestKeys::hs256().audience(API);
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

/// Claims the identity provider's tokens for this API carry.
fn idp_claims(sub: &str) -> Value {
    json!({"sub": sub, "iss": IDP, "aud": API, "iat": now(), "exp": now() + 600, "roles": ["user"]})
}

#[tokio::test]
async fn a_jwks_verifier_needs_an_audience_decision() {
    let a = Key::ed25519("a");
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let source = JwksSource::Url(idp.url.clone());
    let error = JwksVerifier::builder(source.clone())
        .issuer(IDP)
        .build()
        .unwrap_err();
    assert!(matches!(error, ConfigError::BearerKeys(_)));
    assert!(
        error.to_string().contains(
            "set `.audience(..)`, or call `.any_audience()` if this API accepts tokens minted for any audience"
        ),
        "{error}"
    );
    let both = JwksVerifier::builder(source.clone())
        .audience(API)
        .any_audience()
        .build();
    assert!(matches!(both, Err(ConfigError::BearerKeys(_))));

    let for_billing = a
        .issuer_with_audience("billing-api")
        .issue("bob", ["user"], [""; 0])
        .unwrap();
    let bound = idp.verifier(Duration::ZERO);
    assert!(bound.verify(&a.token("alice")).await.is_ok());
    assert_eq!(
        bound.verify(for_billing.access_token()).await.err(),
        Some(TokenError::Audience),
        "a token minted for another API"
    );
    let any = JwksVerifier::builder(source)
        .issuer(IDP)
        .any_audience()
        .build()
        .unwrap();
    assert_eq!(
        any.verify(for_billing.access_token())
            .await
            .unwrap()
            .subject(),
        "bob"
    );
}

#[tokio::test]
async fn a_trusted_issuer_needs_an_audience_decision() {
    const LOCAL: &str = "https://api.test";
    let keys = TestKeys::from_secret(SECRET).unwrap().issuer(LOCAL);
    let unbound = TrustedIssuers::new().issuer(LOCAL, keys.verifier());
    let error = Security::builder().issuers(unbound).build().unwrap_err();
    assert_eq!(error, ConfigError::IssuerWithoutAudience(LOCAL.into()));
    assert!(
        error.to_string().contains(
            "set `.audience(..)` on its verifier, or call `.any_audience()` if this API accepts tokens minted for any audience"
        ),
        "{error}"
    );
    // On its own, the application's verifier of its own tokens may go without.
    assert!(Security::builder().bearer(keys.verifier()).build().is_ok());

    // Opted out explicitly: tokens for any audience pass.
    let any = JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(LOCAL)
        .any_audience()
        .build()
        .unwrap();
    let security = Security::builder()
        .issuers(TrustedIssuers::new().issuer(LOCAL, any))
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/me", get(me))
        .into_router();
    let token =
        sign(&json!({"sub": "alice", "iss": LOCAL, "aud": "billing-api", "exp": now() + 600}));
    assert_eq!(send(&app, bearer("/me", &token)).await.text, "alice");
}

#[test]
fn jwks_urls_are_parsed_not_prefix_matched() {
    let build = |url: &str| {
        JwksVerifier::builder(JwksSource::Url(url.into()))
            .audience(API)
            .build()
    };
    for accepted in [
        "https://idp.example.com/.well-known/jwks.json",
        "https://idp.example.com:8443/keys",
        "http://127.0.0.1:8080/jwks.json",
        "http://127.0.0.2/jwks.json",
        "http://[::1]:8080/jwks.json",
        "http://localhost:8080/jwks.json",
        "http://LOCALHOST/jwks.json",
    ] {
        assert!(build(accepted).is_ok(), "{accepted}");
    }
    for (refused, advice) in [
        // Passed the old prefix test, yet fetches from elsewhere.example.
        ("http://127.0.0.1:80@elsewhere.example/jwks", "user info"),
        (
            "https://reader:s3cr3t@idp.example.com/jwks.json",
            "user info",
        ),
        ("http://idp.example.com/jwks.json", "use `https://`"),
        (
            "http://127.0.0.1.elsewhere.example/jwks.json",
            "use `https://`",
        ),
        (
            "http://localhost.elsewhere.example/jwks.json",
            "use `https://`",
        ),
        ("http://10.0.0.1/jwks.json", "use `https://`"),
        ("ftp://127.0.0.1/jwks.json", "`JwksSource::File`"),
        ("file:///etc/jwks.json", "`JwksSource::File`"),
        ("idp.example.com/jwks.json", "does not parse"),
    ] {
        let error = build(refused).unwrap_err();
        assert!(matches!(error, ConfigError::BearerKeys(_)), "{refused}");
        let text = error.to_string();
        assert!(text.contains(advice), "{refused}: {text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}

#[tokio::test]
async fn the_typ_header_is_checked_when_required() {
    let a = Key::ed25519("a");
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = idp.builder().require_type("at+jwt").build().unwrap();
    let app = SecureRouter::new(Security::builder().jwks(verifier.clone()).build().unwrap())
        .route("/me", get(me))
        .into_router();
    let claims = idp_claims("alice");
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let answer = send(&app, bearer("/me", &a.signed(Some(typ), &claims))).await;
        assert_eq!(answer.text, "alice", "typ {typ}");
    }
    for typ in [Some("JWT"), Some("id+jwt"), None] {
        let token = a.signed(typ, &claims);
        assert_eq!(
            verifier.verify(&token).await.err(),
            Some(TokenError::TokenType)
        );
        send(&app, bearer("/me", &token))
            .await
            .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    }
}

#[tokio::test]
async fn keys_past_their_maximum_age_are_refused_until_a_fetch_succeeds() {
    let a = Key::ed25519("a");
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let max_age = Duration::from_millis(500);
    let verifier = idp
        .builder()
        .refresh_every(Duration::from_millis(100))
        .max_key_set_age(max_age)
        .min_refresh_interval(Duration::ZERO)
        .build()
        .unwrap();
    assert_eq!(verifier.refresh().await, Ok(1));
    let security = Security::builder()
        .jwks(verifier.clone())
        .verified_token_cache(100)
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/me", get(me))
        .into_router();
    let token = a.token("alice");
    for _ in 0..2 {
        assert_eq!(send(&app, bearer("/me", &token)).await.text, "alice");
    }

    // The provider fails for longer than the maximum age.
    idp.answer(StatusCode::INTERNAL_SERVER_ERROR, String::new());
    tokio::time::sleep(max_age + Duration::from_millis(50)).await;
    assert_eq!(
        verifier.verify(&token).await.err(),
        Some(TokenError::StaleKeys)
    );
    // The cached verdict ended with the keys' freshness, too.
    send(&app, bearer("/me", &token))
        .await
        .problem(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(idp.hits(), 3, "each refusal tried a fetch first");
    assert_eq!(verifier.kids(), ["a"]);

    // The provider is back: the next request's fetch restores the keys.
    idp.answer(StatusCode::OK, set(&[&a]));
    assert_eq!(send(&app, bearer("/me", &token)).await.text, "alice");
    assert_eq!(idp.hits(), 4);
}

#[tokio::test]
async fn scheduled_refreshes_are_not_held_back_by_the_rate_limit() {
    let (a, b, stranger) = (Key::ed25519("a"), Key::p256("b"), Key::ed25519("stranger"));
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = idp
        .builder()
        .refresh_every(Duration::from_millis(200))
        .min_refresh_interval(Duration::from_secs(600))
        .build()
        .unwrap();
    // An unknown kid spends the on-demand budget for ten minutes.
    assert_eq!(
        verifier.verify(&stranger.token("eve")).await.err(),
        Some(TokenError::UnknownKey)
    );
    assert_eq!((idp.hits(), verifier.kids()), (1, vec!["a".to_owned()]));
    idp.answer(StatusCode::OK, set(&[&a, &b]));
    assert_eq!(
        verifier.verify(&b.token("bob")).await.err(),
        Some(TokenError::UnknownKey),
        "on-demand fetches wait for the interval"
    );
    assert_eq!(idp.hits(), 1);

    let task = verifier.spawn_refresh();
    for _ in 0..100 {
        if verifier.kids().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    assert_eq!(verifier.kids(), ["a", "b"]);
    assert_eq!(
        verifier.verify(&b.token("bob")).await.unwrap().subject(),
        "bob"
    );
}

#[tokio::test]
async fn only_plausible_tokens_with_an_unknown_kid_trigger_a_fetch() {
    let a = Key::ed25519("a");
    let idp = Idp::start(StatusCode::OK, set(&[&a])).await;
    let verifier = idp
        .builder()
        .require_type("at+jwt")
        .min_refresh_interval(Duration::ZERO)
        .build()
        .unwrap();
    let header = |alg: &str, typ: &str| {
        URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": typ, "kid": "unknown"}).to_string())
    };
    let good = idp_claims("eve");
    let with = |field: &str, value: Value| {
        let mut claims = good.clone();
        claims[field] = value;
        URL_SAFE_NO_PAD.encode(claims.to_string())
    };
    let plain = |text: &str| URL_SAFE_NO_PAD.encode(text);
    let at = header("EdDSA", "at+jwt");
    let cases = [
        (format!("{at}.!!!.c2ln"), TokenError::Malformed),
        (
            format!("{at}.{}.c2ln", plain("not json")),
            TokenError::Malformed,
        ),
        (
            format!("{at}.{}", with("sub", json!("eve"))),
            TokenError::Malformed,
        ),
        (format!("{at}.{}.c2ln", plain("[1, 2]")), TokenError::Claims),
        (
            format!("{at}.{}.c2ln", with("sub", json!(42))),
            TokenError::Claims,
        ),
        (
            format!("{at}.{}.c2ln", with("exp", json!("tomorrow"))),
            TokenError::Claims,
        ),
        (
            format!("{at}.{}.c2ln", with("roles", json!("admin"))),
            TokenError::Claims,
        ),
        (
            format!("{at}.{}.c2ln", with("iss", json!("https://evil.test/"))),
            TokenError::Issuer,
        ),
        (
            format!("{at}.{}.c2ln", with("aud", json!(["billing-api"]))),
            TokenError::Audience,
        ),
        (
            format!("{at}.{}.c2ln", with("exp", json!(now() - 3600))),
            TokenError::Expired,
        ),
        (
            format!(
                "{}.{}.c2ln",
                header("HS256", "at+jwt"),
                with("sub", json!("eve"))
            ),
            TokenError::Algorithm,
        ),
        (
            format!(
                "{}.{}.c2ln",
                header("EdDSA", "JWT"),
                with("sub", json!("eve"))
            ),
            TokenError::TokenType,
        ),
    ];
    for (token, reason) in &cases {
        assert_eq!(verifier.verify(token).await.err(), Some(*reason), "{token}");
    }
    assert_eq!(
        idp.hits(),
        0,
        "no malformed or foreign token reaches the provider"
    );

    // A token that could pass, signed with a key the provider might publish next.
    let stranger = Key::ed25519("unknown");
    assert_eq!(
        verifier
            .verify(&stranger.signed(Some("at+jwt"), &good))
            .await
            .err(),
        Some(TokenError::UnknownKey)
    );
    assert_eq!(idp.hits(), 1);
}
