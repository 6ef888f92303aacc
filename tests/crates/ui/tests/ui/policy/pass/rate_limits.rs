use portcullis::prelude::*;
use portcullis::rate_limit::{RateLimit, RateLimitKey};
use portcullis::routing::{get, post};

#[public(rate_limit("login", 5 per minute))]
async fn token() {}

#[authenticated(
    scheme = basic,
    rate_limit("basic-user", 10 per 30 seconds, key = field("username")),
    rate_limit("basic-client", 100 per hour, key = client),
)]
async fn basic_me() {}

#[requires_role("admin", rate_limit("admin", 1000 per day, key = subject))]
async fn stats() {}

#[requires(role = "user", rate_limit("items", 2 per second, key = subject))]
async fn items() {}

fn main() {
    let router: SecureRouter = SecureRouter::new(Security::builder().build().unwrap())
        .route("/token", post(token))
        .route("/basic", get(basic_me))
        .route("/stats", get(stats))
        .route("/items", get(items));
    let limits: Vec<_> = router.routes().iter().map(|route| route.rate_limits()).collect();
    assert_eq!(limits[0], &[RateLimit::new("login", 5, 60, RateLimitKey::Client)]);
    assert_eq!(
        limits[1],
        &[
            RateLimit::new("basic-user", 10, 30, RateLimitKey::Field("username")),
            RateLimit::new("basic-client", 100, 3600, RateLimitKey::Client),
        ]
    );
    assert_eq!(limits[2][0].key, RateLimitKey::Subject);
    assert_eq!(limits[3][0].quota.period.as_secs(), 1);
}
