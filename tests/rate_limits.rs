//! Rate limits through the real router: the showcase's `POST /token` limit,
//! client, subject and field keys, trusted proxies, failure limits on
//! password checks, and a store that cannot answer.

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use common::{basic, bearer, send, token, token_form};
use http::{Request, StatusCode};
use portcullis::auth::basic::BasicAuth;
use portcullis::hardening::ForwardedHeaders;
use portcullis::jwt::Algorithm;
use portcullis::oauth::{OAuthError, PasswordGrant, SigningKey, TokenIssuer, TokenResponse};
use portcullis::prelude::*;
use portcullis::rate_limit::{
    Admission, NO_PEER_KEY, Quota, RateLimit, RateLimitKey, RateLimitStore,
};
use portcullis::routing::{get, post};
use portcullis::users::{
    FailureLimits, InMemoryUserStore, StoreError, UserDirectory, UserRecord, UserStore,
};
use portcullis::{BoxFuture, StoreUnavailable};

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

fn from(mut request: Request<Body>, peer: &str) -> Request<Body> {
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

fn alice_form() -> Request<Body> {
    token_form("grant_type=password&username=alice&password=alice-pass")
}

#[tokio::test]
async fn the_showcase_refuses_a_sixth_token_request_a_minute_from_one_client() {
    let app = app::build(SECRET, &["https://example.com".to_owned()]).unwrap();
    let first = send(&app, from(alice_form(), "203.0.113.9")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.header("ratelimit-policy"), Some("\"login\";q=5;w=60"));
    assert_eq!(first.header("ratelimit"), Some("\"login\";r=4;t=12"));
    for _ in 0..3 {
        let granted = send(&app, from(alice_form(), "203.0.113.9")).await;
        assert_eq!(granted.status, StatusCode::OK);
    }
    // a wrong password counts as an attempt like any other
    let wrong = send(
        &app,
        from(
            token_form("grant_type=password&username=alice&password=wrong"),
            "203.0.113.9",
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.header("ratelimit"), Some("\"login\";r=0;t=60"));

    // the sixth: 429, a problem document (not RFC 6749's shape), with the fields
    let limited = send(&app, from(alice_form(), "203.0.113.9")).await;
    let problem = limited.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(problem.get("error").is_none());
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "{retry}");
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"login\";q=5;w=60")
    );
    assert_eq!(
        limited.header("ratelimit"),
        Some(format!("\"login\";r=0;t={retry}").as_str())
    );
    common::assert_contract_headers(&limited);

    // another client is not affected
    let other = send(&app, from(alice_form(), "198.51.100.7")).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_without_a_peer_share_one_bucket() {
    let app = app::build(SECRET, &["https://example.com".to_owned()]).unwrap();
    for _ in 0..5 {
        assert_eq!(send(&app, alice_form()).await.status, StatusCode::OK);
    }
    send(&app, alice_form())
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // a request with a peer has its own bucket
    assert_eq!(
        send(&app, from(alice_form(), "203.0.113.9")).await.status,
        StatusCode::OK
    );
    assert_eq!(NO_PEER_KEY, "no-peer");
}

#[tokio::test]
async fn the_login_limit_is_configured_by_name_and_listed_in_the_route_table() {
    let limits = app::Limits {
        login: "1000/s".parse().unwrap(),
        failures: FailureLimits::default(),
        ..app::Limits::default()
    };
    let app = app::build_with(SECRET, &["https://example.com".to_owned()], &limits).unwrap();
    for _ in 0..7 {
        assert_eq!(send(&app, alice_form()).await.status, StatusCode::OK);
    }

    #[public(rate_limit("login", 5 per minute, key = client))]
    async fn login() -> &'static str {
        "ok"
    }
    let security = Security::builder()
        .rate_limit_quota("login", Quota::per_minute(100).unwrap())
        .build()
        .unwrap();
    let router: SecureRouter = SecureRouter::new(security).route("/login", post(login));
    let route = &router.routes()[0];
    assert_eq!(
        route.rate_limits(),
        &[RateLimit::new("login", 5, 60, RateLimitKey::Client)]
    );
    assert_eq!(
        route.quota_of(&route.rate_limits()[0]),
        Quota::per_minute(100).unwrap()
    );
    assert!(
        route
            .to_string()
            .ends_with("::login) rate_limit(login: 100 per 60s by client)"),
        "{route}"
    );
}

#[authenticated(rate_limit("per-user", 2 per minute, key = subject))]
async fn per_user(caller: Principal) -> String {
    caller.subject().to_owned()
}

#[tokio::test]
async fn subject_limits_count_each_authenticated_caller_after_authentication() {
    let app = SecureRouter::new(common::security())
        .route("/per-user", get(per_user))
        .into_router();
    let alice = token("alice", &["user"], "");
    // refused callers are not counted against anyone
    let anonymous = send(
        &app,
        common::request("/per-user").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        let answer = send(&app, bearer("/per-user", &alice)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.text, "alice");
    }
    let limited = send(&app, bearer("/per-user", &alice)).await;
    limited.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        limited
            .header("ratelimit")
            .unwrap()
            .starts_with("\"per-user\";r=0;t=")
    );
    let admin = token("admin", &["admin"], "");
    assert_eq!(
        send(&app, bearer("/per-user", &admin)).await.status,
        StatusCode::OK
    );
}

#[public(rate_limit("ping", 1 per minute))]
async fn ping() -> &'static str {
    "pong"
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let security = Security::builder()
        .forwarded_headers(ForwardedHeaders::trust_from(["10.0.0.2"
            .parse::<std::net::IpAddr>()
            .unwrap()]))
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/ping", get(ping))
        .into_router();
    let via_proxy = |client: &str| {
        let request = common::request("/ping")
            .header("x-forwarded-for", client)
            .body(Body::empty())
            .unwrap();
        from(request, "10.0.0.2")
    };
    assert_eq!(
        send(&app, via_proxy("203.0.113.9")).await.status,
        StatusCode::OK
    );
    // another client behind the same proxy has its own bucket
    assert_eq!(
        send(&app, via_proxy("198.51.100.7")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, via_proxy("203.0.113.9")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // a client talking directly cannot choose its address
    let direct = |claimed: &str| {
        let request = common::request("/ping")
            .header("x-forwarded-for", claimed)
            .body(Body::empty())
            .unwrap();
        from(request, "192.0.2.1")
    };
    assert_eq!(
        send(&app, direct("192.0.2.50")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, direct("192.0.2.51")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// The in-memory user store, counting lookups: a check refused by the
/// failure limits never reaches the store or the hash.
#[derive(Clone)]
struct Counted {
    users: Arc<InMemoryUserStore>,
    lookups: Arc<AtomicUsize>,
}

impl UserStore for Counted {
    fn find<'a>(
        &'a self,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<UserRecord>, StoreError>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.users.find(username)
    }
}

fn counted_users() -> Counted {
    Counted {
        users: Arc::new(common::users()),
        lookups: Arc::default(),
    }
}

#[requires_role("admin", scheme = basic)]
async fn secure_data() -> &'static str {
    "secret"
}

#[tokio::test]
async fn one_address_flooding_a_basic_route_gets_429_without_a_hash() {
    let users = counted_users();
    let lookups = Arc::clone(&users.lookups);
    let security = Security::builder()
        .basic(BasicAuth::new("secure-data", users).unwrap())
        .failure_limits(
            FailureLimits::default()
                .per_address(Quota::per_minute(3).unwrap())
                .per_username(Quota::per_minute(100).unwrap()),
        )
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/secure-data", get(secure_data))
        .into_router();
    let attacker = "203.0.113.9";
    for _ in 0..3 {
        let refused = send(
            &app,
            from(basic("/secure-data", "admin", "guess"), attacker),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
    // the failure over the limit is answered 429, and so is everything after
    let limited = send(
        &app,
        from(basic("/secure-data", "admin", "guess"), attacker),
    )
    .await;
    limited.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"login-failures\";q=3;w=60")
    );
    let hashed = lookups.load(Ordering::SeqCst);
    for password in ["guess", "admin-pass"] {
        let refused = send(
            &app,
            from(basic("/secure-data", "admin", password), attacker),
        )
        .await;
        refused.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    }
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        hashed,
        "no hash while limited"
    );
    // the owner, elsewhere, is not locked out
    let owner = send(
        &app,
        from(basic("/secure-data", "admin", "admin-pass"), "198.51.100.7"),
    )
    .await;
    assert_eq!(owner.status, StatusCode::OK);
}

#[tokio::test]
async fn failures_for_one_username_slow_it_down_but_never_lock_it_out() {
    let security = Security::builder()
        .basic(BasicAuth::new("secure-data", common::users()).unwrap())
        .failure_limits(
            FailureLimits::default()
                .per_address(Quota::per_minute(100).unwrap())
                .per_username(Quota::per_minute(2).unwrap())
                .slowdown(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/secure-data", get(secure_data))
        .into_router();
    for attempt in 0..5 {
        let refused = send(
            &app,
            from(
                basic("/secure-data", "admin", "guess"),
                &format!("203.0.113.{attempt}"),
            ),
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
    // slowed, still answered: the right password gets through, from an
    // attacking address as from any other
    for client in ["203.0.113.0", "198.51.100.7"] {
        let owner = send(
            &app,
            from(basic("/secure-data", "admin", "admin-pass"), client),
        )
        .await;
        assert_eq!(owner.status, StatusCode::OK);
    }
}

#[derive(Clone)]
struct Tokens {
    issuer: TokenIssuer,
    users: UserDirectory,
}

#[public(rate_limit("per-username", 2 per minute, key = field("username")))]
async fn limited_token(
    State(tokens): State<Tokens>,
    grant: PasswordGrant,
) -> Result<TokenResponse, OAuthError> {
    tokens.issuer.password_grant(&tokens.users, grant).await
}

#[tokio::test]
async fn a_username_limit_on_token_is_checked_before_the_hash() {
    let users = counted_users();
    let lookups = Arc::clone(&users.lookups);
    let tokens = Tokens {
        issuer: TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
            .build()
            .unwrap(),
        users: UserDirectory::new(users).unwrap(),
    };
    let app = SecureRouter::new(Security::builder().build().unwrap())
        .route("/token", post(limited_token))
        .with_state(tokens)
        .into_router();
    for _ in 0..2 {
        assert_eq!(send(&app, alice_form()).await.status, StatusCode::OK);
    }
    let limited = send(&app, alice_form()).await;
    limited.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(
        limited.header("ratelimit-policy"),
        Some("\"per-username\";q=2;w=60")
    );
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        2,
        "the third was refused before the hash"
    );
    let admin = send(
        &app,
        token_form("grant_type=password&username=admin&password=admin-pass"),
    )
    .await;
    assert_eq!(admin.status, StatusCode::OK);
}

/// A store that cannot answer, as a shared store does when it is down.
struct Down;

impl RateLimitStore for Down {
    fn check<'a>(
        &'a self,
        _limit: &'a str,
        _key: &'a str,
        _quota: Quota,
    ) -> BoxFuture<'a, Result<Admission, StoreUnavailable>> {
        Box::pin(async {
            Err(StoreUnavailable {
                store: "rate limits",
                detail: "connection refused".to_owned(),
                retry_after: Duration::from_secs(5),
            })
        })
    }
}

#[tokio::test]
async fn a_store_that_cannot_answer_refuses_with_503() {
    let security = Security::builder().rate_limit_store(Down).build().unwrap();
    let app = SecureRouter::new(security)
        .route("/ping", get(ping))
        .into_router();
    let refused = send(
        &app,
        from(
            common::request("/ping").body(Body::empty()).unwrap(),
            "203.0.113.9",
        ),
    )
    .await;
    let problem = refused.problem(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
    assert!(!problem.to_string().contains("connection refused"));
    assert_eq!(refused.header("retry-after"), Some("5"));
}
