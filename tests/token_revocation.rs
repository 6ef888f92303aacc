//! Revocation: logged-out tokens are refused, "logout everywhere" refuses older
//! tokens of that subject at that issuer only, and a failing store refuses
//! everything with 503 and `Retry-After`, unless the application opted to
//! fail open.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use jsonwebtoken::Algorithm;
use portcullis::BoxFuture;
use portcullis::auth::basic::BasicAuth;
use portcullis::auth::bearer::{
    InMemoryRevocationStore, RevocationError, RevocationStore, SubjectId, TrustedIssuers,
};
use portcullis::jwt::{JwtVerifier, VerificationKey};
use portcullis::oauth::{LoggedOut, LogoutError, SigningKey, TokenIssuer, TokenRevoker};
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use serde_json::{Value, json};

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject()}))
}

#[public]
async fn greeting(caller: Option<Principal>) -> String {
    caller.map_or_else(
        || "hello stranger".to_owned(),
        |caller| format!("hello {}", caller.subject()),
    )
}

#[authenticated]
async fn logout(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
    revoker.logout(&caller).await
}

#[authenticated]
async fn logout_everywhere(
    caller: Principal,
    revoker: TokenRevoker,
) -> Result<LoggedOut, LogoutError> {
    revoker.logout_everywhere(&caller).await
}

#[requires_role("admin", scheme = basic)]
async fn basic_logout(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
    revoker.logout(&caller).await
}

#[requires_role("admin", scheme = basic)]
async fn basic_logout_everywhere(
    caller: Principal,
    revoker: TokenRevoker,
) -> Result<LoggedOut, LogoutError> {
    revoker.logout_everywhere(&caller).await
}

fn issuer() -> TokenIssuer {
    TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap()
}

fn routes(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/users/me", get(me))
        .route("/greeting", get(greeting))
        .route("/logout", post(logout))
        .route("/logout/all", post(logout_everywhere))
        .into_router()
}

fn app(store: &InMemoryRevocationStore) -> axum::Router {
    routes(
        Security::builder()
            .bearer(verifier())
            .revocation(store.clone())
            .build()
            .unwrap(),
    )
}

fn post_with(uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

async fn accepted(app: &axum::Router, token: &str) -> bool {
    let answer = send(app, bearer("/users/me", token)).await;
    match answer.status {
        StatusCode::OK => true,
        _ => {
            answer.problem(StatusCode::UNAUTHORIZED, "invalid_token");
            assert_eq!(
                answer.header("www-authenticate"),
                Some("Bearer error=\"invalid_token\"")
            );
            false
        }
    }
}

#[tokio::test]
async fn a_logged_out_token_is_refused_until_it_expires() {
    let store = InMemoryRevocationStore::new();
    let app = app(&store);
    let issuer = issuer();
    let token = issuer.issue("alice", ["user"], ["items:read"]).unwrap();
    let other = issuer.issue("alice", ["user"], ["items:read"]).unwrap();
    assert!(accepted(&app, token.access_token()).await);

    let answer = send(&app, post_with("/logout", token.access_token())).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({"status": "logged_out"}));
    assert_eq!(answer.header("cache-control"), Some("no-store"));

    assert!(!accepted(&app, token.access_token()).await);
    // The same token on a public route with an optional caller: still a 401.
    let greeting = send(&app, bearer("/greeting", token.access_token())).await;
    greeting.problem(StatusCode::UNAUTHORIZED, "invalid_token");
    // Logging out twice is refused by the guard, before the handler runs.
    let again = send(&app, post_with("/logout", token.access_token())).await;
    again.problem(StatusCode::UNAUTHORIZED, "invalid_token");
    // Another token of the same user is untouched.
    assert!(accepted(&app, other.access_token()).await);
    assert!(
        store
            .is_revoked(token.claims().jti.as_deref().unwrap())
            .await
            .unwrap()
    );
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn logout_everywhere_refuses_older_tokens_and_accepts_newer_ones() {
    let store = InMemoryRevocationStore::new();
    let app = app(&store);
    let issuer = issuer();
    let first = issuer.issue("alice", ["user"], [""; 0]).unwrap();
    let second = issuer.issue("alice", ["user"], [""; 0]).unwrap();
    let bob = issuer.issue("bob", ["user"], [""; 0]).unwrap();
    // A token without `jti`, signed elsewhere with the same key.
    let foreign = token("alice", &["user"], "");

    let answer = send(&app, post_with("/logout/all", first.access_token())).await;
    assert_eq!(answer.status, StatusCode::OK);
    for old in [
        first.access_token(),
        second.access_token(),
        foreign.as_str(),
    ] {
        assert!(!accepted(&app, old).await);
    }
    assert!(
        accepted(&app, bob.access_token()).await,
        "other subjects are untouched"
    );

    // `iat` counts whole seconds: tokens issued in the logout's second are
    // refused too, so wait for the next second (at most 2 s).
    let cutoff = store
        .revoked_before(SubjectId::new(Some(ISSUER), "alice"))
        .await
        .unwrap()
        .unwrap();
    while now() < cutoff {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let newer = issuer.issue("alice", ["user"], [""; 0]).unwrap();
    assert!(accepted(&app, newer.access_token()).await);
    assert!(!accepted(&app, second.access_token()).await);
}

/// A store whose backend is down: every call fails.
struct Unreachable;

fn down<T>() -> BoxFuture<'static, Result<T, RevocationError>> {
    Box::pin(async { Err(RevocationError("connection refused".into())) })
}

impl RevocationStore for Unreachable {
    fn revoke<'a>(&'a self, _: &'a str, _: u64) -> BoxFuture<'a, Result<(), RevocationError>> {
        down()
    }
    fn is_revoked<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<bool, RevocationError>> {
        down()
    }
    fn revoke_all_before<'a>(
        &'a self,
        _: SubjectId<'a>,
        _: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>> {
        down()
    }
    fn revoked_before<'a>(
        &'a self,
        _: SubjectId<'a>,
    ) -> BoxFuture<'a, Result<Option<u64>, RevocationError>> {
        down()
    }
}

#[tokio::test]
async fn a_failing_store_refuses_every_token() {
    let app = routes(
        Security::builder()
            .bearer(verifier())
            .revocation(Unreachable)
            .build()
            .unwrap(),
    );
    let token = issuer().issue("alice", ["user"], [""; 0]).unwrap();
    let answer = send(&app, bearer("/users/me", token.access_token())).await;
    let body = answer.problem(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
    assert_eq!(answer.header("retry-after"), Some("2"));
    assert!(
        !body.to_string().contains("connection refused"),
        "store errors stay in the log: {body}"
    );
    // A logout cannot be recorded: 503, never 200.
    let answer = send(&app, post_with("/logout", token.access_token())).await;
    answer.problem(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
}

#[tokio::test]
async fn a_failing_store_lets_tokens_through_when_configured_to_fail_open() {
    let app = routes(
        Security::builder()
            .bearer(verifier())
            .revocation(Unreachable)
            .revocation_fail_open()
            .build()
            .unwrap(),
    );
    let token = issuer().issue("alice", ["user"], [""; 0]).unwrap();
    assert!(accepted(&app, token.access_token()).await);
    // The logout itself still fails: nothing was recorded.
    let answer = send(&app, post_with("/logout", token.access_token())).await;
    answer.problem(StatusCode::SERVICE_UNAVAILABLE, "revocation_unavailable");
    assert_eq!(answer.header("retry-after"), Some("2"));
}

#[tokio::test]
async fn logout_without_a_store_is_a_configuration_error() {
    let app = routes(Security::builder().bearer(verifier()).build().unwrap());
    let token = issuer().issue("alice", ["user"], [""; 0]).unwrap();
    // Without a store, tokens pass...
    assert!(accepted(&app, token.access_token()).await);
    // ...but a logout that would revoke nothing fails closed.
    let answer = send(&app, post_with("/logout", token.access_token())).await;
    answer.problem(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(accepted(&app, token.access_token()).await);
}

#[tokio::test]
async fn basic_credentials_cannot_be_revoked() {
    let store = InMemoryRevocationStore::new();
    let security = Security::builder()
        .basic(
            BasicAuth::new(
                "secure-data",
                portcullis::users::InMemoryUserStore::new()
                    .with_user("admin", "admin-pass", ["admin"], [""; 0])
                    .unwrap(),
            )
            .unwrap(),
        )
        .revocation(store.clone())
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/logout", post(basic_logout))
        .route("/logout/all", post(basic_logout_everywhere))
        .into_router();
    for uri in ["/logout", "/logout/all"] {
        let mut request = basic(uri, "admin", "admin-pass");
        *request.method_mut() = http::Method::POST;
        send(&app, request)
            .await
            .problem(StatusCode::BAD_REQUEST, "not_revocable");
    }
    assert!(store.is_empty());
}

#[tokio::test]
async fn revocation_wins_over_the_verified_token_cache() {
    let store = InMemoryRevocationStore::new();
    let security = Security::builder()
        .bearer(verifier())
        .verified_token_cache(100)
        .revocation(store.clone())
        .build()
        .unwrap();
    let app = routes(security);
    let issuer = issuer();
    let token = issuer.issue("alice", ["user"], [""; 0]).unwrap();
    // Verified once, then served from the cache.
    assert!(accepted(&app, token.access_token()).await);
    assert!(accepted(&app, token.access_token()).await);
    assert_eq!(
        send(&app, post_with("/logout", token.access_token()))
            .await
            .status,
        StatusCode::OK
    );
    assert!(!accepted(&app, token.access_token()).await);

    let other = issuer.issue("alice", ["user"], [""; 0]).unwrap();
    assert!(accepted(&app, other.access_token()).await);
    assert_eq!(
        send(&app, post_with("/logout/all", other.access_token()))
            .await
            .status,
        StatusCode::OK
    );
    assert!(!accepted(&app, other.access_token()).await);
    // A forged token is still refused: only the very same token hits the cache.
    let forged = format!("{}x", other.access_token());
    assert!(!accepted(&app, &forged).await);
}

#[tokio::test]
async fn logout_everywhere_at_one_issuer_leaves_the_same_subject_at_another_alone() {
    const SSO: &str = "https://sso.test";
    const PARTNER: &str = "https://partner.test";
    let secret = |byte: u8| [byte; 32];
    let minting = |iss: &str, byte: u8| {
        TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, &secret(byte)).unwrap())
            .issuer(iss)
            .audience(AUDIENCE)
            .build()
            .unwrap()
    };
    let checking = |iss: &str, byte: u8| {
        JwtVerifier::builder()
            .key(VerificationKey::hmac(Algorithm::HS256, &secret(byte)).unwrap())
            .issuer(iss)
            .audience(AUDIENCE)
            .build()
            .unwrap()
    };
    let store = InMemoryRevocationStore::new();
    let app = routes(
        Security::builder()
            .issuers(
                TrustedIssuers::new()
                    .issuer(SSO, checking(SSO, 1))
                    .issuer(PARTNER, checking(PARTNER, 2)),
            )
            .verified_token_cache(100)
            .revocation(store.clone())
            .build()
            .unwrap(),
    );
    // Two people who happen to share the subject "alice".
    let at_sso = minting(SSO, 1).issue("alice", ["user"], [""; 0]).unwrap();
    let at_partner = minting(PARTNER, 2)
        .issue("alice", ["user"], [""; 0])
        .unwrap();
    assert!(accepted(&app, at_sso.access_token()).await);
    assert!(accepted(&app, at_partner.access_token()).await);

    let answer = send(&app, post_with("/logout/all", at_sso.access_token())).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!accepted(&app, at_sso.access_token()).await);
    assert!(
        accepted(&app, at_partner.access_token()).await,
        "the partner's alice is someone else"
    );
    assert!(
        store
            .revoked_before(SubjectId::new(Some(SSO), "alice"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .revoked_before(SubjectId::new(Some(PARTNER), "alice"))
            .await
            .unwrap(),
        None
    );
}
