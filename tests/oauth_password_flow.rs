//! The OAuth 2 password flow: `/token` answers, scope narrowing, RFC 6749 errors.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::OnceLock;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use common::*;
use http::{Request, StatusCode};
use jsonwebtoken::Algorithm;
use portcullis::auth::basic::BasicAuth;
use portcullis::oauth::{OAuthError, PasswordGrant, SigningKey, TokenIssuer, TokenResponse};
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use serde_json::{Value, json};

#[derive(Clone)]
struct Tokens {
    issuer: TokenIssuer,
    users: BasicAuth,
}

#[public]
async fn token(
    State(tokens): State<Tokens>,
    grant: PasswordGrant,
) -> Result<TokenResponse, OAuthError> {
    tokens
        .issuer
        .password_grant(tokens.users.users(), grant)
        .await
}

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject(), "roles": caller.roles(), "scopes": caller.scopes()}))
}

#[requires_scope("items:read")]
async fn item(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({"id": id}))
}

#[requires_scope("items:write")]
async fn create_item() -> StatusCode {
    StatusCode::CREATED
}

fn issuer() -> TokenIssuer {
    TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap()
}

/// Built once: Argon2 hashing of the seeded users is deliberately slow.
fn app() -> axum::Router {
    static APP: OnceLock<axum::Router> = OnceLock::new();
    APP.get_or_init(|| {
        let tokens = Tokens {
            issuer: issuer(),
            users: BasicAuth::new("token", users()).unwrap(),
        };
        SecureRouter::new(security())
            .route("/token", post(token))
            .route("/users/me", get(me))
            .route("/items/{id}", get(item))
            .route("/items", post(create_item))
            .with_state(tokens)
            .into_router()
    })
    .clone()
}

fn assert_no_store(answer: &Answer) {
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
}

/// Asserts an RFC 6749 section 5.2 answer and returns its body.
fn oauth_error(answer: &Answer, status: StatusCode, code: &str) -> Value {
    assert_eq!(answer.status, status, "body: {}", answer.text);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_no_store(answer);
    let body = answer.json();
    assert_eq!(body["error"], code, "body: {body}");
    assert!(body["error_description"].is_string());
    assert!(
        body.get("status").is_none() && body.get("type").is_none(),
        "not a problem document: {body}"
    );
    body
}

async fn grant(app: &axum::Router, body: &str) -> Value {
    let answer = send(app, token_form(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "body: {}", answer.text);
    assert_no_store(&answer);
    answer.json()
}

#[tokio::test]
async fn password_flow_issues_a_token_that_opens_guarded_routes() {
    let app = app();
    let body = grant(
        &app,
        "grant_type=password&username=alice&password=alice-pass",
    )
    .await;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "items:read items:write");
    let access = body["access_token"].as_str().unwrap();

    let claims = verifier().verify_claims(access).unwrap();
    assert_eq!(claims.sub, "alice");
    assert_eq!(claims.roles, ["user"]);
    assert_eq!(claims.exp - claims.iat.unwrap(), 3600);
    assert!(claims.iat.unwrap().abs_diff(now()) <= 5);
    let jti = claims.jti.unwrap();
    assert_eq!(jti.len(), 36, "a hyphenated UUID: {jti}");
    assert_eq!(&jti[14..15], "4", "a version 4 UUID: {jti}");

    let me = send(&app, bearer("/users/me", access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(
        me.json(),
        json!({"username": "alice", "roles": ["user"], "scopes": ["items:read", "items:write"]})
    );
    assert_eq!(
        send(&app, bearer("/items/7", access)).await.json(),
        json!({"id": 7})
    );
}

#[tokio::test]
async fn every_token_gets_its_own_jti() {
    let app = app();
    let first = grant(
        &app,
        "grant_type=password&username=alice&password=alice-pass",
    )
    .await;
    let second = grant(
        &app,
        "grant_type=password&username=alice&password=alice-pass",
    )
    .await;
    let jti = |body: &Value| {
        verifier()
            .verify_claims(body["access_token"].as_str().unwrap())
            .unwrap()
            .jti
    };
    assert_ne!(jti(&first), jti(&second));
}

#[tokio::test]
async fn requested_scope_narrows_the_token() {
    let app = app();
    let body = grant(
        &app,
        "grant_type=password&username=alice&password=alice-pass&scope=items%3Aread",
    )
    .await;
    assert_eq!(body["scope"], "items:read");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(
        send(&app, bearer("/items/1", access)).await.status,
        StatusCode::OK
    );
    let post = Request::builder()
        .method("POST")
        .uri("/items")
        .header("authorization", format!("Bearer {access}"))
        .body(Body::empty())
        .unwrap();
    send(&app, post)
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_scope");

    let empty = grant(
        &app,
        "grant_type=password&username=alice&password=alice-pass&scope=",
    )
    .await;
    assert_eq!(
        empty["scope"], "items:read items:write",
        "an empty scope counts as omitted"
    );
}

#[tokio::test]
async fn a_scope_the_user_does_not_hold_is_invalid_scope() {
    let app = app();
    let answer = send(
        &app,
        token_form(
            "grant_type=password&username=alice&password=alice-pass&scope=items:read+users:delete",
        ),
    )
    .await;
    oauth_error(&answer, StatusCode::BAD_REQUEST, "invalid_scope");
    let answer = send(
        &app,
        token_form("grant_type=password&username=admin&password=admin-pass&scope=users:delete"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["scope"], "users:delete");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_invalid_grant() {
    let app = app();
    let wrong_password = send(
        &app,
        token_form("grant_type=password&username=alice&password=nope"),
    )
    .await;
    let unknown_user = send(
        &app,
        token_form("grant_type=password&username=mallory&password=alice-pass"),
    )
    .await;
    let wrong_password = oauth_error(&wrong_password, StatusCode::BAD_REQUEST, "invalid_grant");
    let unknown_user = oauth_error(&unknown_user, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(wrong_password, unknown_user);
    // A bad password is checked before the scope, so it tells nothing about scopes.
    let answer = send(
        &app,
        token_form("grant_type=password&username=alice&password=nope&scope=users:delete"),
    )
    .await;
    oauth_error(&answer, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn unsupported_grant_types_are_refused() {
    let app = app();
    for grant_type in [
        "client_credentials",
        "authorization_code",
        "PASSWORD",
        "refresh_token",
    ] {
        let answer = send(
            &app,
            token_form(&format!(
                "grant_type={grant_type}&username=alice&password=alice-pass"
            )),
        )
        .await;
        oauth_error(&answer, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
}

#[tokio::test]
async fn malformed_requests_are_invalid_request() {
    let app = app();
    let bodies = [
        "username=alice&password=alice-pass",
        "grant_type=&username=alice&password=alice-pass",
        "grant_type=password&password=alice-pass",
        "grant_type=password&username=alice",
        "grant_type=password&username=alice&password=",
        "grant_type=password&username=alice&username=admin&password=alice-pass",
        "grant_type=password&grant_type=password&username=alice&password=alice-pass",
        "grant_type=password&username=alice&password=%E9",
        "grant_type=password&username=alice&password=%4",
        "",
    ];
    for body in bodies {
        let answer = send(&app, token_form(body)).await;
        let error = oauth_error(&answer, StatusCode::BAD_REQUEST, "invalid_request");
        assert!(!answer.text.contains("alice-pass"), "{body}: {error}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_form_is_invalid_request() {
    let app = app();
    let json_body = Request::builder()
        .method("POST")
        .uri("/token")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"grant_type":"password","username":"alice","password":"alice-pass"}"#,
        ))
        .unwrap();
    oauth_error(
        &send(&app, json_body).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    let no_type = Request::builder()
        .method("POST")
        .uri("/token")
        .body(Body::from(
            "grant_type=password&username=alice&password=alice-pass",
        ))
        .unwrap();
    oauth_error(
        &send(&app, no_type).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    let with_charset = Request::builder()
        .method("POST")
        .uri("/token")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(Body::from(
            "grant_type=password&username=alice&password=alice-pass",
        ))
        .unwrap();
    assert_eq!(send(&app, with_charset).await.status, StatusCode::OK);
}

#[test]
fn invalid_client_is_the_only_401() {
    use axum::response::IntoResponse;
    let all = [
        OAuthError::InvalidRequest,
        OAuthError::InvalidClient,
        OAuthError::InvalidGrant,
        OAuthError::UnauthorizedClient,
        OAuthError::UnsupportedGrantType,
        OAuthError::InvalidScope,
    ];
    for error in all {
        let response = error.into_response();
        let expected = if error == OAuthError::InvalidClient {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(response.status(), expected, "{error}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(
            response.headers().contains_key("www-authenticate"),
            error == OAuthError::InvalidClient
        );
    }
}

#[test]
fn issuer_refuses_weak_secrets_and_zero_lifetimes() {
    use portcullis::ConfigError;
    use portcullis::jwt::KeyError;
    let weak =
        SigningKey::hmac(Algorithm::HS256, &[1; 31]).map(|key| TokenIssuer::builder(key).build());
    assert_eq!(weak.err(), Some(KeyError::WeakSecret { len: 31 }));
    let as_config: Result<SigningKey, ConfigError> =
        SigningKey::hmac(Algorithm::HS256, b"short").map_err(Into::into);
    assert!(matches!(
        as_config,
        Err(ConfigError::Key(KeyError::WeakSecret { len: 5 }))
    ));
    let zero = TokenIssuer::builder(SigningKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .lifetime(std::time::Duration::ZERO)
        .build();
    assert_eq!(zero.err(), Some(ConfigError::TokenLifetime));
    let mismatched = SigningKey::from_encoding_key(
        Algorithm::RS256,
        jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap(),
    );
    assert!(matches!(mismatched, Err(KeyError::WrongAlgorithm { .. })));
}
