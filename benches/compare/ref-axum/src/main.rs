//! ref-axum: the hand-written axum 0.8 + jsonwebtoken reference for the
//! `secure_api` benchmark. No macro toolkit: a `FromRequestParts` extractor for
//! the bearer claims, explicit role/scope checks in the handlers, hand-written
//! body validation. It implements the benchmark subset of
//! `examples/secure_api/README.md`:
//!
//!   GET /health, POST /token, GET /users/me, GET /admin/stats,
//!   GET /items/{id}, POST /items, and POST /logout (revocation, so that every
//!   bearer check pays the revocation lookup the contract requires).
//!
//! Environment:
//!   SECURE_API_ADDR     listen address (default 127.0.0.1:8080)
//!   JWT_SECRET          HS256 secret, >= 32 bytes (default: random, with a warning)
//!   REF_AXUM_PROFILE    `full` (default): + the contract's "on every response"
//!                       work: security headers, X-Request-Id, one JSON access-log
//!                       line per request and one per authorization decision on
//!                       stdout, panic -> JSON 500.
//!                       `minimal`: routes + auth only, no middleware, no logging.
//!   REF_AXUM_RUNTIME    `multi_thread` (default) or `current_thread`
//!   REF_AXUM_WORKERS    worker threads for multi_thread (default: tokio's own
//!                       default, which honours TOKIO_WORKER_THREADS and the CPU
//!                       affinity mask, so `taskset -c 0` alone gives 1)
//!
//! Passwords: salted SHA-256 computed at start (a deliberately FAST hash so
//! that /token is cheap to call from the harness; a product must use argon2id).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, FromRef, FromRequestParts, Path, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracing::Instrument;

const TOKEN_TTL_SECS: u64 = 3600;
const BODY_LIMIT: usize = 64 * 1024;

// ---------------------------------------------------------------- errors

/// Every failure, in the contract's one shape:
/// `{"error": CODE, "message": TEXT}` (+ `"fields"` for validation).
#[derive(Debug)]
enum ApiError {
    /// no credentials at all
    MissingToken,
    /// a token was sent but is malformed, expired, forged or revoked
    InvalidToken,
    BadCredentials,
    Forbidden(&'static str),
    Validation(Vec<FieldError>),
    BadRequest(&'static str),
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound(&'static str),
    MethodNotAllowed,
    Internal,
}

#[derive(Debug, Serialize)]
struct FieldError {
    field: &'static str,
    message: &'static str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let bearer = HeaderValue::from_static("Bearer");
        let (status, code, message, www, fields) = match self {
            ApiError::MissingToken => {
                (StatusCode::UNAUTHORIZED, "unauthorized", "missing bearer token", Some(bearer), None)
            }
            ApiError::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the bearer token is invalid, expired or revoked",
                Some(HeaderValue::from_static("Bearer error=\"invalid_token\"")),
                None,
            ),
            ApiError::BadCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "incorrect username or password",
                Some(bearer),
                None,
            ),
            ApiError::Forbidden(msg) => (StatusCode::FORBIDDEN, "forbidden", msg, None, None),
            ApiError::Validation(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request failed validation",
                None,
                Some(f),
            ),
            ApiError::BadRequest(msg) => (StatusCode::BAD_REQUEST, "bad_request", msg, None, None),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
                None,
                None,
            ),
            ApiError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "body larger than 64 KiB", None, None)
            }
            ApiError::NotFound(msg) => (StatusCode::NOT_FOUND, "not_found", msg, None, None),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed", None, None)
            }
            ApiError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error", None, None)
            }
        };
        let body = match fields {
            Some(f) => json!({"error": code, "message": message, "fields": f}),
            None => json!({"error": code, "message": message}),
        };
        let mut res = (status, Json(body)).into_response();
        if let Some(v) = www {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}

// ---------------------------------------------------------------- state

struct User {
    salt: [u8; 16],
    password_hash: [u8; 32],
    roles: &'static [&'static str],
    scopes: &'static [&'static str],
}

#[derive(Clone, Serialize)]
struct Item {
    id: u64,
    name: String,
    email: String,
    tags: Vec<String>,
    owner: String,
}

struct Inner {
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    validation: Validation,
    users: HashMap<&'static str, User>,
    /// BTreeMap, not HashMap: no stop-the-world rehash while POST /items grows it
    items: Mutex<BTreeMap<u64, Item>>,
    next_item_id: AtomicU64,
    /// signature segments of revoked tokens -> their exp
    revoked: RwLock<HashMap<String, u64>>,
}

#[derive(Clone)]
struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn hash_password(salt: &[u8; 16], password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(password.as_bytes());
    h.finalize().into()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("OS randomness");
    b
}

fn seed_user(roles: &'static [&'static str], scopes: &'static [&'static str], password: &str) -> User {
    let salt = random_bytes::<16>();
    User { password_hash: hash_password(&salt, password), salt, roles, scopes }
}

// ---------------------------------------------------------------- auth

/// The bearer token's claims. Extracting it authenticates the request:
/// signature, `alg` (exactly HS256), `exp`, `nbf` when present, and the
/// revocation list are all checked here.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    iat: u64,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    scope: String,
}

impl Claims {
    fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
    fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }
}

/// The raw bearer token, for handlers that need it (POST /logout).
struct BearerToken(String);

fn bearer_from_parts(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts.headers.get(header::AUTHORIZATION).ok_or(ApiError::MissingToken)?;
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        // another scheme (Basic ...) means no bearer credentials were sent
        Some((scheme, _)) if !scheme.eq_ignore_ascii_case("bearer") => Err(ApiError::MissingToken),
        _ => Err(ApiError::InvalidToken),
    }
}

fn signature_segment(token: &str) -> &str {
    token.rsplit_once('.').map(|(_, s)| s).unwrap_or(token)
}

impl<S> FromRequestParts<S> for Claims
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = bearer_from_parts(parts)?;
        let data = jsonwebtoken::decode::<Claims>(token, &state.decoding_key, &state.validation)
            .map_err(|_| ApiError::InvalidToken)?;
        if state.revoked.read().unwrap().contains_key(signature_segment(token)) {
            return Err(ApiError::InvalidToken);
        }
        Ok(data.claims)
    }
}

impl<S> FromRequestParts<S> for BearerToken
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(BearerToken(bearer_from_parts(parts)?.to_owned()))
    }
}

/// One log line per authorization decision (a no-op in the minimal profile,
/// where no subscriber is installed).
fn authz(claims: &Claims, policy: &'static str, allowed: bool) {
    tracing::info!(subject = %claims.sub, policy, outcome = if allowed { "allow" } else { "deny" }, "authz");
}

fn require_role(claims: &Claims, roles: &[&str], policy: &'static str) -> Result<(), ApiError> {
    let ok = roles.iter().any(|r| claims.has_role(r));
    authz(claims, policy, ok);
    if ok { Ok(()) } else { Err(ApiError::Forbidden("missing required role")) }
}

fn require_scope(claims: &Claims, scope: &str, policy: &'static str) -> Result<(), ApiError> {
    let ok = claims.has_scope(scope);
    authz(claims, policy, ok);
    if ok { Ok(()) } else { Err(ApiError::Forbidden("missing required scope")) }
}

// ---------------------------------------------------------------- handlers

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

#[derive(Deserialize)]
struct TokenForm {
    username: String,
    password: String,
    #[serde(default)]
    scope: Option<String>,
    #[allow(dead_code)]
    #[serde(default)]
    grant_type: Option<String>,
}

async fn token(
    State(state): State<AppState>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Form(form) = form.map_err(|rej| match rej {
        FormRejection::InvalidFormContentType(_) => ApiError::UnsupportedMediaType,
        FormRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge
        }
        _ => ApiError::Validation(vec![FieldError {
            field: "username/password",
            message: "form fields username and password are required",
        }]),
    })?;

    // Compare against a dummy when the user is unknown, so timing does not
    // say which usernames exist.
    static DUMMY: std::sync::OnceLock<User> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| seed_user(&[], &[], "dummy-password"));
    let found = state.users.get_key_value(form.username.as_str());
    let user = found.map(|(_, u)| u).unwrap_or(dummy);
    let candidate = hash_password(&user.salt, &form.password);
    let matches: bool = candidate.ct_eq(&user.password_hash).into();
    let Some((username, user)) = found.filter(|_| matches) else {
        return Err(ApiError::BadCredentials);
    };

    // `scope` narrows what the account is granted; it never widens it.
    let scopes: Vec<&str> = match form.scope.as_deref().map(str::trim) {
        Some(req) if !req.is_empty() => {
            let wanted: HashSet<&str> = req.split_whitespace().collect();
            user.scopes.iter().copied().filter(|s| wanted.contains(s)).collect()
        }
        _ => user.scopes.to_vec(),
    };
    let iat = now_secs();
    let claims = Claims {
        sub: (*username).to_owned(),
        exp: iat + TOKEN_TTL_SECS,
        iat,
        roles: user.roles.iter().map(|r| (*r).to_owned()).collect(),
        scope: scopes.join(" "),
    };
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &state.encoding_key)
        .map_err(|_| ApiError::Internal)?;
    Ok(Json(json!({"access_token": token, "token_type": "bearer", "expires_in": TOKEN_TTL_SECS})))
}

#[derive(Serialize)]
struct Me<'a> {
    username: &'a str,
    roles: &'a [String],
    scopes: Vec<&'a str>,
}

async fn users_me(claims: Claims) -> Response {
    authz(&claims, "authenticated", true);
    let scopes = claims.scope.split(' ').filter(|s| !s.is_empty()).collect();
    Json(Me { username: &claims.sub, roles: &claims.roles, scopes }).into_response()
}

async fn admin_stats(State(state): State<AppState>, claims: Claims) -> Result<Response, ApiError> {
    require_role(&claims, &["admin"], "role:admin")?;
    let items = state.items.lock().unwrap().len();
    Ok(Json(json!({"users": state.users.len(), "items": items})).into_response())
}

async fn get_item(
    State(state): State<AppState>,
    claims: Claims,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Response, ApiError> {
    require_scope(&claims, "items:read", "scope:items:read")?;
    let Path(id) = id.map_err(|_| {
        ApiError::Validation(vec![FieldError { field: "id", message: "must be a non-negative integer" }])
    })?;
    let item = state.items.lock().unwrap().get(&id).cloned();
    match item {
        Some(item) => Ok(Json(item).into_response()),
        None => Err(ApiError::NotFound("no such item")),
    }
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
    email: String,
    #[serde(default)]
    tags: Vec<String>,
}

impl NewItem {
    /// Hand-written validation: one entry per failing field.
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let n = self.name.chars().count();
        if !(3..=50).contains(&n) {
            errors.push(FieldError { field: "name", message: "must be 3 to 50 characters" });
        }
        if !is_valid_email(&self.email) {
            errors.push(FieldError { field: "email", message: "must be a valid email address" });
        }
        if self.tags.len() > 10 || self.tags.iter().any(|t| !(1..=30).contains(&t.chars().count())) {
            errors.push(FieldError { field: "tags", message: "at most 10 tags of 1 to 30 characters" });
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A practical syntax check (RFC 5321 lengths, dot-atom local part, LDH
/// domain labels, at least two labels, non-numeric TLD). No DNS.
fn is_valid_email(s: &str) -> bool {
    if s.len() > 254 {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    if local.is_empty() || local.len() > 64 || local.starts_with('.') || local.ends_with('.') || local.contains("..")
    {
        return false;
    }
    if !local.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b)) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    labels.iter().all(label_ok) && !labels.last().unwrap().bytes().all(|b| b.is_ascii_digit())
}

async fn create_item(
    State(state): State<AppState>,
    claims: Claims,
    body: Result<Json<NewItem>, JsonRejection>,
) -> Result<Response, ApiError> {
    // authorization before the body is looked at (scope, then role: the same
    // order in which the FastAPI reference's nested dependencies check them)
    require_scope(&claims, "items:write", "scope:items:write")?;
    require_role(&claims, &["user", "admin"], "role:user|admin")?;
    let Json(new) = body.map_err(|rej| match rej {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest("body is not valid JSON"),
        JsonRejection::JsonDataError(_) => ApiError::Validation(vec![FieldError {
            field: "body",
            message: "expected an object with string name, string email and optional list of string tags",
        }]),
        r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest("could not read the body"),
    })?;
    new.validate().map_err(ApiError::Validation)?;
    let id = state.next_item_id.fetch_add(1, Ordering::Relaxed);
    let item = Item { id, name: new.name, email: new.email, tags: new.tags, owner: claims.sub };
    state.items.lock().unwrap().insert(id, item.clone());
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

async fn logout(State(state): State<AppState>, claims: Claims, BearerToken(token): BearerToken) -> Response {
    let mut revoked = state.revoked.write().unwrap();
    let now = now_secs();
    revoked.retain(|_, exp| *exp > now); // forget tokens that expired anyway
    revoked.insert(signature_segment(&token).to_owned(), claims.exp);
    Json(json!({"status": "logged out"})).into_response()
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

// ---------------------------------------------------------------- full profile

const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
    (header::REFERRER_POLICY, "no-referrer"),
];

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request id, security headers, and the JSON access-log line.
async fn cross_cutting(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!("request", request_id = %request_id);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).instrument(span.clone()).await;
    let headers = res.headers_mut();
    for (name, value) in &SECURITY_HEADERS {
        headers.insert(name.clone(), HeaderValue::from_static(value));
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(X_REQUEST_ID.clone(), v);
    }
    let _g = span.enter();
    tracing::info!(
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        latency_us = start.elapsed().as_micros() as u64,
        "request"
    );
    drop(_g);
    res
}

fn panic_to_500(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::Internal.into_response()
}

// ---------------------------------------------------------------- main

fn build_app(full: bool) -> Router {
    let secret = match std::env::var("JWT_SECRET") {
        Ok(s) if s.len() >= 32 => s.into_bytes(),
        Ok(_) => {
            eprintln!("ref-axum: JWT_SECRET must be at least 32 bytes");
            std::process::exit(2);
        }
        Err(_) => {
            eprintln!("ref-axum: WARNING: JWT_SECRET unset, using a random secret (tokens die with the process)");
            random_bytes::<48>().to_vec()
        }
    };
    let mut validation = Validation::new(Algorithm::HS256); // algorithms = [HS256] only
    validation.leeway = 0;
    validation.validate_exp = true;
    validation.validate_nbf = true; // checked when present
    validation.set_required_spec_claims(&["exp", "sub"]);

    let users = HashMap::from([
        ("admin", seed_user(&["admin"], &["items:read", "items:write", "users:delete"], "admin-pass")),
        ("alice", seed_user(&["user"], &["items:read", "items:write"], "alice-pass")),
        ("guest", seed_user(&["guest"], &["items:read"], "guest-pass")),
    ]);
    let seed = Item {
        id: 1,
        name: "Widget".into(),
        email: "owner@example.com".into(),
        tags: vec!["demo".into()],
        owner: "admin".into(),
    };
    let state = AppState(Arc::new(Inner {
        encoding_key: EncodingKey::from_secret(&secret).expect("HMAC key"),
        decoding_key: DecodingKey::from_secret(&secret).expect("HMAC key"),
        validation,
        users,
        items: Mutex::new(BTreeMap::from([(1, seed)])),
        next_item_id: AtomicU64::new(2),
        revoked: RwLock::new(HashMap::new()),
    }));

    let app = Router::new()
        .route("/health", get(health))
        .route("/token", post(token))
        .route("/users/me", get(users_me))
        .route("/admin/stats", get(admin_stats))
        .route("/items/{id}", get(get_item))
        .route("/items", post(create_item))
        .route("/logout", post(logout))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    if full {
        app.layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_to_500))
            .layer(middleware::from_fn(cross_cutting))
    } else {
        app
    }
}

fn main() {
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc")))]
    let provider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    #[cfg(feature = "aws-lc")]
    let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    let _ = provider.install_default();

    let profile = std::env::var("REF_AXUM_PROFILE").unwrap_or_else(|_| "full".into());
    let full = match profile.as_str() {
        "full" => true,
        "minimal" => false,
        other => {
            eprintln!("ref-axum: REF_AXUM_PROFILE must be full or minimal, not {other}");
            std::process::exit(2);
        }
    };
    if full {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .with_writer(std::io::stdout)
            .init();
    }

    let runtime_kind = std::env::var("REF_AXUM_RUNTIME").unwrap_or_else(|_| "multi_thread".into());
    let mut builder = match runtime_kind.as_str() {
        "current_thread" => tokio::runtime::Builder::new_current_thread(),
        "multi_thread" => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            if let Some(n) = std::env::var("REF_AXUM_WORKERS").ok().and_then(|v| v.parse().ok()) {
                b.worker_threads(n);
            }
            b
        }
        other => {
            eprintln!("ref-axum: REF_AXUM_RUNTIME must be multi_thread or current_thread, not {other}");
            std::process::exit(2);
        }
    };
    let rt = builder.enable_all().build().expect("tokio runtime");
    let workers = rt.metrics().num_workers();

    let addr: SocketAddr = std::env::var("SECURE_API_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8080".into())
        .parse()
        .expect("SECURE_API_ADDR must be host:port");

    rt.block_on(async move {
        let app = build_app(full);
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        eprintln!(
            "ref-axum: listening on http://{addr} profile={profile} runtime={runtime_kind} workers={workers}"
        );
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            })
            .await
            .expect("serve");
    });
}
