//! Every showcase route called as every sample caller, on a fresh app per
//! call: the answers agree with the policies (`portcullis::testing::RouteMatrix`).

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;

use portcullis::testing::{RouteMatrix, SamplePrincipal, TestKeys};

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

fn showcase() -> axum::Router {
    app::build(SECRET, &["https://example.com".to_owned()]).unwrap()
}

fn principals() -> Vec<SamplePrincipal> {
    vec![
        SamplePrincipal::anonymous(),
        SamplePrincipal::bearer("admin").roles(["admin"]).scopes([
            "items:read",
            "items:write",
            "users:delete",
        ]),
        // An admin token narrowed to reading: refused where a scope is needed.
        SamplePrincipal::bearer("admin")
            .roles(["admin"])
            .scopes(["items:read"]),
        SamplePrincipal::bearer("alice")
            .roles(["user"])
            .scopes(["items:read", "items:write"]),
        SamplePrincipal::bearer("guest")
            .roles(["guest"])
            .scopes(["items:read"]),
        SamplePrincipal::bearer("nobody"),
        SamplePrincipal::basic("admin", "admin-pass").roles(["admin"]),
        SamplePrincipal::basic("guest", "guest-pass").roles(["guest"]),
    ]
}

#[tokio::test]
async fn every_route_answers_every_caller_as_its_policy_says() {
    let router = app::secure_router(SECRET).unwrap();
    let keys = TestKeys::from_secret(SECRET).unwrap();
    let matrix = principals()
        .into_iter()
        .fold(
            RouteMatrix::new(&router, keys, showcase),
            RouteMatrix::principal,
        )
        .path_parameter("file", "index.css");
    matrix.assert_agrees().await;
}

#[tokio::test]
async fn a_route_that_lets_more_callers_in_than_its_policy_says_is_reported() {
    // The matrix compares with the route table of one router and calls
    // another app: here one whose `/admin/stats` admits any token.
    use portcullis::prelude::*;
    use portcullis::routing::get;

    #[requires_role("admin")]
    async fn stats() -> &'static str {
        "{}"
    }
    #[authenticated]
    async fn open_stats() -> &'static str {
        "{}"
    }
    let keys = TestKeys::hs256();
    let declared: SecureRouter =
        SecureRouter::new(keys.security().build().unwrap()).route("/admin/stats", get(stats));
    let security = keys.security().build().unwrap();
    let actual = move || {
        SecureRouter::new(security.clone())
            .route("/admin/stats", get(open_stats))
            .into_router()
    };
    let found = RouteMatrix::new(&declared, keys, actual)
        .principal(SamplePrincipal::anonymous())
        .principal(SamplePrincipal::bearer("eve").roles(["user"]))
        .disagreements()
        .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].principal, "bearer eve");
    assert!(found[0].route.starts_with("GET /admin/stats"));
    assert!(!found[0].expected_allowed);
    assert!(found[0].to_string().contains("refuses the caller"));
}
