//! The route table: every route of a `SecureRouter` listed once, with its
//! policy, through `route`, `merge`, `nest`, fallbacks and public services;
//! and the fallible build that refuses misconfigured routes.

mod common;

use std::convert::Infallible;

use axum::body::Body;
use common::*;
use http::{Method, Request, StatusCode};
use portcullis::auth::basic::BasicAuth;
use portcullis::prelude::*;
use portcullis::routing::{MethodFilter, RouteKind, RouteMethod, any, delete, get, on};
use portcullis::{ConfigError, Requirement, Scheme};

// `User` is named only through `Admin`'s `implies`.
#[allow(dead_code)]
#[derive(Roles)]
enum Role {
    #[portcullis(implies(User))]
    Admin,
    User,
}

#[public]
async fn health() -> &'static str {
    "ok"
}

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

#[requires_role(Role::Admin)]
async fn stats() -> &'static str {
    "{}"
}

#[requires(role = Role::Admin, scope = "users:delete")]
async fn delete_user() -> &'static str {
    "deleted"
}

#[requires_role("admin", scheme = basic)]
async fn secure_data() -> &'static str {
    "secret"
}

#[requires_scope("items:write")]
async fn upsert() -> &'static str {
    "stored"
}

#[authenticated]
async fn anything() -> &'static str {
    "any method"
}

#[public]
async fn not_here() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "custom not found")
}

fn with_roles() -> Security {
    Security::builder()
        .bearer(verifier())
        .basic(BasicAuth::new("secure-data", users()).unwrap())
        .roles::<Role>()
        .build()
        .unwrap()
}

fn listed(router: &SecureRouter) -> Vec<(String, String, &'static str)> {
    router
        .routes()
        .iter()
        .map(|route| {
            (
                route.method().to_string(),
                route.path().to_owned(),
                route.handler(),
            )
        })
        .collect()
}

#[test]
fn every_route_is_listed_once_with_its_policy() {
    let router = SecureRouter::new(with_roles())
        .route("/health", get(health))
        .route("/users/me", get(me))
        .route("/admin/stats", get(stats))
        .route("/users/{id}", delete(delete_user))
        .route("/secure-data", get(secure_data));
    assert_eq!(
        listed(&router),
        [
            ("GET".into(), "/health".into(), "health"),
            ("GET".into(), "/users/me".into(), "me"),
            ("GET".into(), "/admin/stats".into(), "stats"),
            ("DELETE".into(), "/users/{id}".into(), "delete_user"),
            ("GET".into(), "/secure-data".into(), "secure_data"),
        ]
    );
    let routes = router.routes();
    assert_eq!(routes[0].policy_id(), "route_table::health");
    assert_eq!(routes[0].requirement(), &Requirement::Public);
    assert_eq!(routes[1].requirement(), &Requirement::Authenticated);
    assert_eq!(routes[2].requirement().to_string(), "role(admin)");
    assert_eq!(routes[2].role_vocabularies()[0].name, "Role");
    assert_eq!(
        routes[3].requirement().to_string(),
        "all(role(admin), scope(users:delete))"
    );
    assert_eq!(routes[3].scheme(), Scheme::Bearer);
    assert_eq!(routes[4].scheme(), Scheme::Basic);
    assert!(
        routes
            .iter()
            .all(|route| route.kind() == RouteKind::Handler)
    );
}

#[test]
fn chained_methods_on_and_any_are_listed_per_method() {
    let router = SecureRouter::new(security())
        .route("/items", get(me).post(upsert))
        .route(
            "/items/{id}",
            on(MethodFilter::PUT.or(MethodFilter::PATCH), upsert),
        )
        .route("/anything", any(anything));
    assert_eq!(
        listed(&router),
        [
            ("GET".into(), "/items".into(), "me"),
            ("POST".into(), "/items".into(), "upsert"),
            ("PUT".into(), "/items/{id}".into(), "upsert"),
            ("PATCH".into(), "/items/{id}".into(), "upsert"),
            ("*".into(), "/anything".into(), "anything"),
        ]
    );
    assert_eq!(router.routes()[4].method(), &RouteMethod::Any);
}

#[test]
fn merged_and_nested_routes_keep_their_policies() {
    let admin = SecureRouter::new(security()).route("/stats", get(stats));
    let users = SecureRouter::new(security())
        .route("/", get(me))
        .route("/{id}", delete(delete_user));
    let router = SecureRouter::new(security())
        .route("/health", get(health))
        .merge(SecureRouter::new(security()).route("/secure-data", get(secure_data)))
        .nest("/admin", admin)
        .nest("/users/", users);
    assert_eq!(
        listed(&router),
        [
            ("GET".into(), "/health".into(), "health"),
            ("GET".into(), "/secure-data".into(), "secure_data"),
            ("GET".into(), "/admin/stats".into(), "stats"),
            ("GET".into(), "/users".into(), "me"),
            ("DELETE".into(), "/users/{id}".into(), "delete_user"),
        ]
    );
}

#[tokio::test]
async fn nested_routes_are_served_and_guarded() {
    let app = SecureRouter::new(security())
        .nest(
            "/admin",
            SecureRouter::new(security()).route("/stats", get(stats)),
        )
        .build()
        .unwrap();
    let user = token("alice", &["user"], "");
    let admin = token("root", &["admin"], "");
    assert_eq!(
        send(&app, bearer("/admin/stats", &admin)).await.status,
        StatusCode::OK
    );
    send(&app, bearer("/admin/stats", &user))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
}

#[tokio::test]
async fn fallback_and_public_services_are_listed_and_served() {
    let probe =
        tower::service_fn(|_request: Request<Body>| async { Ok::<_, Infallible>("probe ok") });
    let router = SecureRouter::new(security())
        .route("/users/me", get(me))
        .public_route_service("/probe", probe)
        .public_nest_service("/static", probe)
        .fallback(not_here);
    let routes = router.routes();
    assert_eq!(routes[1].kind(), RouteKind::PublicService);
    assert_eq!(routes[1].path(), "/probe");
    assert!(routes[1].requirement().is_public());
    assert_eq!(routes[2].path(), "/static");
    assert_eq!(routes[3].kind(), RouteKind::Fallback);
    assert_eq!(routes[3].path(), "*");
    assert_eq!(routes[3].handler(), "not_here");

    let app = router.build().unwrap();
    let probe = send(&app, request("/probe").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (probe.status, probe.text.as_str()),
        (StatusCode::OK, "probe ok")
    );
    let inside = send(
        &app,
        request("/static/app.css").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(inside.status, StatusCode::OK);
    let missing = send(&app, request("/nowhere").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (missing.status, missing.text.as_str()),
        (StatusCode::NOT_FOUND, "custom not found")
    );
}

#[tokio::test]
async fn a_guarded_fallback_is_guarded() {
    let app = SecureRouter::new(security())
        .route("/health", get(health))
        .fallback(anything)
        .build()
        .unwrap();
    let anonymous = send(&app, request("/nowhere").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let signed_in = send(&app, bearer("/nowhere", &token("alice", &["user"], ""))).await;
    assert_eq!(signed_in.text, "any method");
}

#[test]
fn build_refuses_a_route_whose_scheme_has_no_authenticator() {
    let security = Security::builder().bearer(verifier()).build().unwrap();
    let error = SecureRouter::<()>::new(security)
        .route("/health", get(health))
        .route("/secure-data", get(secure_data))
        .build()
        .unwrap_err();
    let ConfigError::Route(message) = &error else {
        panic!("unexpected error: {error}");
    };
    assert!(message.contains("GET /secure-data"), "{message}");
    assert!(message.contains("Basic"), "{message}");
    assert!(message.contains(".basic(..)"), "{message}");
}

#[test]
fn build_refuses_a_vocabulary_whose_hierarchy_was_not_given() {
    // `Role::Admin` implies `Role::User`, but the configuration has no hierarchy.
    let security = Security::builder().bearer(verifier()).build().unwrap();
    let error = SecureRouter::<()>::new(security)
        .route("/admin/stats", get(stats))
        .build()
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("/admin/stats"), "{message}");
    assert!(message.contains(".roles::<Role>()"), "{message}");

    let security = Security::builder()
        .bearer(verifier())
        .roles::<Role>()
        .build()
        .unwrap();
    assert!(
        SecureRouter::<()>::new(security)
            .route("/admin/stats", get(stats))
            .build()
            .is_ok()
    );
}

#[tokio::test]
async fn into_router_keeps_serving_and_fails_closed_on_a_misconfigured_route() {
    let security = Security::builder().bearer(verifier()).build().unwrap();
    let app: axum::Router = SecureRouter::new(security)
        .route("/health", get(health))
        .route("/secure-data", get(secure_data))
        .into_router();
    assert_eq!(
        send(&app, request("/health").body(Body::empty()).unwrap())
            .await
            .status,
        StatusCode::OK
    );
    let refused = send(&app, basic("/secure-data", "admin", "admin-pass")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_route_table_does_not_change_what_is_served() {
    let security = Security::builder()
        .bearer(verifier())
        .basic(BasicAuth::new("secure-data", users()).unwrap())
        .build()
        .unwrap();
    let app = SecureRouter::new(security)
        .route("/items", get(me).post(upsert))
        .build()
        .unwrap();
    let writer = token("alice", &["user"], "items:write");
    let mut post = bearer("/items", &writer);
    *post.method_mut() = Method::POST;
    assert_eq!(send(&app, post).await.text, "stored");
    let mut put = bearer("/items", &writer);
    *put.method_mut() = Method::PUT;
    send(&app, put)
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}
