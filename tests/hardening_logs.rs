//! A scenario with real passwords, tokens, a session cookie and the HMAC
//! secret, logged through the JSON pipeline at `trace`; then no secret may
//! appear anywhere in the captured lines, while the request log and the
//! audit events are all there.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use portcullis::auth::basic::BasicAuth;
use portcullis::hardening::{CookiePolicy, Hardening, JsonLogs};
use portcullis::jwt::{Algorithm, Claims, JwtVerifier, VerificationKey};
use portcullis::routing as secure;
use portcullis::users::InMemoryUserStore;
use portcullis::{
    AUDIT_TARGET, Guard, Policy, Principal, Requirement, Scheme, SecureRouter, Security,
};
use tower::ServiceExt;

const HMAC_SECRET: &str = "hmac-secret-7b1f2c9d4e5a6f708192a3b4c5d6e7f8";
const ADMIN_PASSWORD: &str = "admin-pass-Q7v!x2";
const WRONG_PASSWORD: &str = "not-the-password-Z9k";
const ALICE_PASSWORD: &str = "alice-pass-M3n#p8";
const SESSION_ID: &str = "sess-4f9a1c7e2b8d6a3f";

/// An in-memory log sink shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Authenticated;
impl Policy for Authenticated {
    const ID: &'static str = "hardening_logs::me";
    const REQUIREMENT: Requirement = Requirement::Authenticated;
}

struct ItemsRead;
impl Policy for ItemsRead {
    const ID: &'static str = "hardening_logs::item";
    const REQUIREMENT: Requirement = Requirement::Scopes(&["items:read"]);
}

struct BasicAdmin;
impl Policy for BasicAdmin {
    const ID: &'static str = "hardening_logs::secure_data";
    const REQUIREMENT: Requirement = Requirement::Role("admin");
    const SCHEME: Scheme = Scheme::Basic;
}

async fn me(_guard: Guard<Authenticated>, principal: Principal, headers: HeaderMap) -> String {
    // a careless handler that logs every header it got
    tracing::info!(?headers, "handler saw headers");
    principal.subject().to_owned()
}

async fn item(_guard: Guard<ItemsRead>) -> &'static str {
    "{}"
}

async fn secure_data(_guard: Guard<BasicAdmin>) -> &'static str {
    "secure"
}

#[derive(serde::Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(
    Extension(security): Extension<Security>,
    Form(login): Form<Login>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let basic = security.basic().unwrap();
    match basic.users().verify(&login.username, &login.password).await {
        Ok(_) => {
            tracing::info!(username = %login.username, "session opened");
            let cookie = CookiePolicy::session("sid").set_cookie(SESSION_ID).unwrap();
            ([(header::SET_COOKIE, cookie)], "welcome").into_response()
        }
        Err(error) => {
            tracing::info!(username = %login.username, ?error, "login refused");
            StatusCode::UNAUTHORIZED.into_response()
        }
    }
}

async fn crash(headers: HeaderMap) -> &'static str {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    panic!("could not handle {token}")
}

fn token(subject: &str, scope: &str) -> String {
    signed(subject, scope, HMAC_SECRET)
}

fn signed(subject: &str, scope: &str, secret: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = Claims {
        sub: subject.to_owned(),
        exp: now + 3600,
        iat: Some(now),
        nbf: None,
        jti: None,
        iss: None,
        aud: None,
        roles: vec!["user".to_owned()],
        scope: Some(scope.to_owned()),
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn security() -> Security {
    let users = InMemoryUserStore::new()
        .with_user("admin", ADMIN_PASSWORD, ["admin"], [""; 0])
        .unwrap()
        .with_user("alice", ALICE_PASSWORD, ["user"], ["items:read"])
        .unwrap();
    Security::builder()
        .bearer(
            JwtVerifier::builder()
                .key(VerificationKey::hmac(Algorithm::HS256, HMAC_SECRET.as_bytes()).unwrap())
                .build()
                .unwrap(),
        )
        .basic(BasicAuth::new("secure-data", users).unwrap())
        .build()
        .unwrap()
}

fn app(security: &Security) -> Router {
    // Guarded handlers go through the secure router; the hand-written login
    // and the crashing route are plain axum routes beside it.
    let guarded: Router = SecureRouter::new(security.clone())
        .route("/users/me", secure::get(me))
        .route("/items/{id}", secure::get(item))
        .route("/secure-data", secure::get(secure_data))
        .into_router();
    let plain = Router::new()
        .route("/session/login", post(login))
        .route("/crash", get(crash))
        .layer(Extension(security.clone()));
    let router = guarded.merge(plain);
    Hardening::new().security(security).apply(router).unwrap()
}

/// Standard base64 with padding (RFC 4648 section 4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn basic(user: &str, password: &str) -> String {
    base64(format!("{user}:{password}").as_bytes())
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap) {
    let response = app.clone().oneshot(request).await.unwrap();
    (response.status(), response.headers().clone())
}

fn get_with(uri: &str, name: header::HeaderName, value: &str) -> Request<Body> {
    Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    let captured = Captured::default();
    let (dispatch, guard) = JsonLogs::to_writer(captured.clone())
        .filter("trace")
        .build()
        .unwrap();
    tracing::dispatcher::set_global_default(dispatch).unwrap();

    let security = security();
    tracing::info!(?security, "security configured");
    let app = app(&security);

    let good = token("alice", "items:read items:write");
    let no_scope = token("bob", "profile");
    let forged = signed(
        "alice",
        "items:read",
        "a-guessed-secret-that-is-long-enough-0000",
    );
    let good_basic = basic("admin", ADMIN_PASSWORD);
    let bad_basic = basic("admin", WRONG_PASSWORD);
    let cookie = format!("sid={SESSION_ID}; theme=dark");

    let bearer = |t: &str| format!("Bearer {t}");
    let (status, headers) = send(
        &app,
        get_with("/users/me", header::AUTHORIZATION, &bearer(&good)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let me_request_id = headers["x-request-id"].to_str().unwrap().to_owned();

    let mut request = get_with("/users/me", header::AUTHORIZATION, &bearer(&good));
    request
        .headers_mut()
        .insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
    assert_eq!(send(&app, request).await.0, StatusCode::OK);
    assert_eq!(
        send(
            &app,
            get_with("/users/me", header::AUTHORIZATION, &bearer(&forged))
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(
            &app,
            get_with("/items/42", header::AUTHORIZATION, &bearer(&no_scope))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(
            &app,
            get_with("/items/42", header::AUTHORIZATION, &bearer(&good))
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        send(
            &app,
            get_with(
                "/secure-data",
                header::AUTHORIZATION,
                &format!("Basic {good_basic}")
            )
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        send(
            &app,
            get_with(
                "/secure-data",
                header::AUTHORIZATION,
                &format!("Basic {bad_basic}")
            )
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(
            &app,
            Request::get(format!("/nowhere?access_token={good}"))
                .body(Body::empty())
                .unwrap()
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            &app,
            get_with("/crash", header::AUTHORIZATION, &bearer(&good))
        )
        .await
        .0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    for (user, password, expected) in [
        ("alice", ALICE_PASSWORD, StatusCode::OK),
        ("alice", WRONG_PASSWORD, StatusCode::UNAUTHORIZED),
    ] {
        let form = format!(
            "username={user}&password={}",
            password.replace('!', "%21").replace('#', "%23")
        );
        let request = Request::post("/session/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let (status, headers) = send(&app, request).await;
        assert_eq!(status, expected);
        if status == StatusCode::OK {
            assert!(
                headers[header::SET_COOKIE]
                    .to_str()
                    .unwrap()
                    .contains(SESSION_ID)
            );
        }
    }

    drop(guard); // flushes the background writer
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();

    // every secret of the scenario, in every form it travelled in
    let signature = |t: &str| t.rsplit('.').next().unwrap().to_owned();
    let secrets = [
        HMAC_SECRET.to_owned(),
        ADMIN_PASSWORD.to_owned(),
        WRONG_PASSWORD.to_owned(),
        ALICE_PASSWORD.to_owned(),
        SESSION_ID.to_owned(),
        good.clone(),
        signature(&good),
        no_scope.clone(),
        signature(&no_scope),
        forged.clone(),
        good_basic,
        bad_basic,
        base64(HMAC_SECRET.as_bytes()),
    ];
    assert_eq!(
        basic("Aladdin", "open sesame"),
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "secret {secret:?} found in the logs:\n{logs}"
        );
    }

    // ... while the logs themselves are all there, one JSON object per line
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let access: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == "portcullis::access")
        .collect();
    assert_eq!(access.len(), 11, "{logs}");
    for line in &access {
        for field in [
            "timestamp",
            "level",
            "request_id",
            "method",
            "path",
            "status",
            "latency_us",
        ] {
            assert!(!line[field].is_null(), "{field} missing in {line}");
        }
    }
    let statuses: Vec<_> = access
        .iter()
        .map(|l| l["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [200, 200, 401, 403, 200, 200, 401, 404, 500, 200, 401]
    );
    assert!(
        access.iter().any(|l| l["path"] == "/items/{id}"),
        "matched path logged"
    );
    assert!(
        access.iter().any(|l| l["path"] == "/nowhere"),
        "unmatched path logged without query"
    );

    let audit: Vec<_> = lines
        .iter()
        .filter(|l| l["target"] == AUDIT_TARGET)
        .collect();
    let decisions: Vec<_> = audit
        .iter()
        .map(|l| {
            (
                l["subject"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
                l["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        decisions.contains(&("alice", "allow", "granted")),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&("-", "deny", "bad_signature")),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&("-", "deny", "bad_credentials")),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&("bob", "deny", "insufficient_scope")),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&("admin", "allow", "granted")),
        "{decisions:?}"
    );
    assert!(audit.iter().all(|l| !l["policy"].is_null()));
    // every decision names the route's policy by its id
    let policies: Vec<_> = audit
        .iter()
        .map(|l| {
            (
                l["policy_id"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        policies.contains(&("hardening_logs::me", "allow")),
        "{policies:?}"
    );
    assert!(
        policies.contains(&("hardening_logs::item", "deny")),
        "{policies:?}"
    );
    assert!(
        policies.contains(&("hardening_logs::secure_data", "allow")),
        "{policies:?}"
    );
    // the first audit event belongs to the first request, by its id
    assert_eq!(
        audit[0]["span"]["request_id"],
        me_request_id.as_str(),
        "{}",
        audit[0]
    );

    // the careless handler's header dumps show the credentials as Sensitive
    let dumps: Vec<_> = lines
        .iter()
        .filter(|l| l["message"] == "handler saw headers")
        .map(|l| l["headers"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(dumps.len(), 2, "{dumps:?}");
    assert!(
        dumps
            .iter()
            .all(|d| d.contains("\"authorization\": Sensitive")),
        "{dumps:?}"
    );
    assert!(
        dumps.iter().any(|d| d.contains("\"cookie\": Sensitive")),
        "{dumps:?}"
    );
    // the panic is logged, its message is not
    assert!(lines.iter().any(|l| l["target"] == "portcullis::panic"));
    assert!(!logs.contains("could not handle"));
}

#[test]
fn audit_events_can_be_routed_to_their_own_writer() {
    let main = Captured::default();
    let audit = Captured::default();
    let (dispatch, guard) = JsonLogs::to_writer(main.clone())
        .filter("warn")
        .audit_to(audit.clone())
        .build()
        .unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!(target: AUDIT_TARGET, subject = "alice", policy = "role admin", outcome = "allow", reason = "granted", "authorization decision");
        tracing::warn!(target: "app", "disk almost full");
        tracing::info!(target: "app", "filtered out");
    });
    drop(guard);
    let main = String::from_utf8(main.0.lock().unwrap().clone()).unwrap();
    let audit = String::from_utf8(audit.0.lock().unwrap().clone()).unwrap();
    assert_eq!(main.lines().count(), 1, "{main}");
    assert!(main.contains("disk almost full"));
    assert_eq!(audit.lines().count(), 1, "{audit}");
    let event: serde_json::Value = serde_json::from_str(audit.trim()).unwrap();
    assert_eq!(
        (event["subject"].as_str(), event["outcome"].as_str()),
        (Some("alice"), Some("allow"))
    );
}
