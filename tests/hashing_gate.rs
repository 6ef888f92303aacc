//! The password hashing gate through the real router: a client over its
//! share is refused with 503, `Retry-After` and a problem document, on HTTP
//! Basic and on `/token` alike, while other clients are served; a request
//! dropped while it waits runs no hash.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use common::*;
use http::{Request, StatusCode};
use jsonwebtoken::Algorithm;
use portcullis::BoxFuture;
use portcullis::auth::basic::BasicAuth;
use portcullis::oauth::{OAuthError, PasswordGrant, SigningKey, TokenIssuer, TokenResponse};
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use portcullis::users::{
    HashingLimits, InMemoryUserStore, StoreError, UserDirectory, UserRecord, UserStore,
};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// A store that holds the lookup of `held` until released, so a check can
/// be kept inside the gate for as long as a test needs.
struct HoldingStore {
    users: InMemoryUserStore,
    entered: Notify,
    release: Notify,
}

/// The store as the directory holds it; the test keeps another handle.
struct Holding(Arc<HoldingStore>);

impl UserStore for Holding {
    fn find<'a>(
        &'a self,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<UserRecord>, StoreError>> {
        Box::pin(async move {
            if username == "held" {
                self.0.entered.notify_one();
                self.0.release.notified().await;
            }
            self.0.users.find(username).await
        })
    }
}

#[requires_role("admin", scheme = basic)]
async fn secure_data(caller: Principal) -> Json<Value> {
    Json(json!({"user": caller.subject()}))
}

#[derive(Clone)]
struct Tokens {
    issuer: TokenIssuer,
    users: UserDirectory,
}

#[public]
async fn token(
    State(tokens): State<Tokens>,
    grant: PasswordGrant,
) -> Result<TokenResponse, OAuthError> {
    tokens.issuer.password_grant(&tokens.users, grant).await
}

fn app(store: &Arc<HoldingStore>) -> (axum::Router, UserDirectory) {
    let users = UserDirectory::new(Holding(Arc::clone(store)))
        .unwrap()
        .hashing(
            HashingLimits::new()
                .permits(1)
                .per_client(1)
                .retry_after(Duration::from_secs(2)),
        )
        .unwrap();
    let security = Security::builder()
        .bearer(verifier())
        .basic(BasicAuth::with_users("secure-data", users.clone()).unwrap())
        .build()
        .unwrap();
    let issuer = TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let router = SecureRouter::new(security)
        .route("/secure-data", get(secure_data))
        .route("/token", post(token))
        .with_state(Tokens {
            issuer,
            users: users.clone(),
        })
        .into_router();
    (router, users)
}

fn holding_store() -> Arc<HoldingStore> {
    Arc::new(HoldingStore {
        users: users(),
        entered: Notify::new(),
        release: Notify::new(),
    })
}

fn from(mut request: Request<Body>, client: [u8; 4]) -> Request<Body> {
    let addr = SocketAddr::from((client, 40000));
    request.extensions_mut().insert(ConnectInfo(addr));
    request
}

const ATTACKER: [u8; 4] = [192, 0, 2, 1];
const OTHER: [u8; 4] = [192, 0, 2, 2];

fn assert_busy(answer: &Answer) {
    answer.problem(StatusCode::SERVICE_UNAVAILABLE, "hashing_busy");
    assert_eq!(answer.header("retry-after"), Some("2"));
    assert_eq!(answer.header("www-authenticate"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_share_gets_503_on_basic_and_token_while_others_pass() {
    let store = holding_store();
    let (app, users) = app(&store);
    // The attacker's first check is held inside the gate.
    let held = tokio::spawn({
        let app = app.clone();
        async move { send(&app, from(basic("/secure-data", "held", "x"), ATTACKER)).await }
    });
    tokio::time::timeout(Duration::from_secs(10), store.entered.notified())
        .await
        .unwrap();

    let basic_busy = send(
        &app,
        from(basic("/secure-data", "admin", "admin-pass"), ATTACKER),
    )
    .await;
    assert_busy(&basic_busy);
    let token_busy = send(
        &app,
        from(
            token_form("grant_type=password&username=admin&password=admin-pass"),
            ATTACKER,
        ),
    )
    .await;
    assert_busy(&token_busy);
    assert_eq!(token_busy.header("cache-control"), Some("no-store"));

    // Another address is served meanwhile, on both.
    let basic_ok = send(
        &app,
        from(basic("/secure-data", "admin", "admin-pass"), OTHER),
    )
    .await;
    assert_eq!(basic_ok.status, StatusCode::OK, "{}", basic_ok.text);
    let token_ok = send(
        &app,
        from(
            token_form("grant_type=password&username=admin&password=admin-pass"),
            OTHER,
        ),
    )
    .await;
    assert_eq!(token_ok.status, StatusCode::OK, "{}", token_ok.text);

    store.release.notify_one();
    let held = held.await.unwrap();
    held.problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    let stats = users.hashing_stats();
    assert_eq!((stats.hashed, stats.refused), (3, 2), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_while_held_runs_no_hash() {
    let store = holding_store();
    let (app, users) = app(&store);
    let held = tokio::spawn({
        let app = app.clone();
        async move { send(&app, from(basic("/secure-data", "held", "x"), ATTACKER)).await }
    });
    tokio::time::timeout(Duration::from_secs(10), store.entered.notified())
        .await
        .unwrap();
    // The client goes away (hyper drops the request's future).
    held.abort();
    assert!(held.await.is_err_and(|error| error.is_cancelled()));
    // Its share is free again, and nothing was hashed for it.
    let answer = send(
        &app,
        from(basic("/secure-data", "admin", "admin-pass"), ATTACKER),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(users.hashing_stats().hashed, 1);
}
