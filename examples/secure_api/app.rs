//! The routes of the showcase, as its README (`examples/secure_api/README.md`)
//! fixes them.
//!
//! Kept apart from `main.rs` (configuration and listeners) so the tests can
//! drive the very same router in-process.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Form, FromRef, FromRequest, Path, Request, State};
use axum::response::IntoResponse;
use http::StatusCode;
use portcullis::Session;
use portcullis::auth::basic::BasicAuth;
use portcullis::auth::bearer::InMemoryRevocationStore;
use portcullis::auth::session::{DEFAULT_MEMORY_SESSIONS, MokaStore, SessionEnded, SessionError};
use portcullis::hardening::{CorsPolicy, ForwardedHeaders};
use portcullis::jwt::Algorithm;
use portcullis::oauth::{
    LoggedOut, LogoutError, OAuthError, PasswordGrant, SigningKey, TokenIssuer, TokenResponse,
    TokenRevoker,
};
use portcullis::openapi::{ApiDoc, ToSchema, utoipa};
use portcullis::prelude::*;
use portcullis::rate_limit::Quota;
use portcullis::routing::{delete, get, post};
use portcullis::users::{FailureLimits, InMemoryUserStore, UserDirectory, UserRecord};
use serde::{Deserialize, Serialize};

// The request bodies, in a file of their own so the fuzz targets can
// validate arbitrary JSON against the very same structs.
#[path = "requests.rs"]
mod requests;

use requests::{NewComment, NewItem};

/// The roles of the demo; `admin` implies `user`, which implies `guest`.
#[derive(Roles)]
pub(crate) enum Role {
    #[portcullis(implies(User))]
    Admin,
    #[portcullis(implies(Guest))]
    User,
    Guest,
}

/// The scopes the demo grants.
#[derive(Scopes)]
pub(crate) enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
    #[portcullis(name = "items:write")]
    ItemsWrite,
    #[portcullis(name = "users:delete")]
    UsersDelete,
}

/// Everything a `/token` answer needs.
#[derive(Clone)]
pub(crate) struct Tokens {
    issuer: TokenIssuer,
    users: UserDirectory,
}

/// The application state: token issuing and the item store.
#[derive(Clone)]
pub(crate) struct AppState {
    tokens: Tokens,
    items: Arc<Mutex<BTreeMap<u64, Item>>>,
}

impl FromRef<AppState> for Tokens {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
    }
}

/// A stored item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Item {
    id: u64,
    name: String,
    email: String,
    tags: Vec<String>,
    owner: String,
}

// The answers' bodies: each handler returns its own type, so the OpenAPI
// document describes what it sends (fields in alphabetical order, as the
// JSON objects they replace were written).

/// A status word: `ok`, `logged out`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Status {
    status: &'static str,
}

/// `GET /users/me`: the caller.
#[derive(Serialize, ToSchema)]
pub(crate) struct Me {
    roles: Vec<String>,
    scopes: Vec<String>,
    username: String,
}

/// `GET /admin/stats`: counts of users and items.
#[derive(Serialize, ToSchema)]
pub(crate) struct Stats {
    items: usize,
    users: u64,
}

/// `DELETE /users/{id}`: the id deleted.
#[derive(Serialize, ToSchema)]
pub(crate) struct Deleted {
    deleted: u64,
}

/// `POST /comments`: the comment as stored, its HTML sanitized.
#[derive(Serialize, ToSchema)]
pub(crate) struct Comment {
    text: String,
}

/// `GET /secure-data`: the secret and who read it.
#[derive(Serialize, ToSchema)]
pub(crate) struct SecureData {
    message: &'static str,
    user: String,
}

/// `POST /session/login`: who signed in, and the session's CSRF token for
/// unsafe requests.
#[derive(Serialize, ToSchema)]
pub(crate) struct SessionStarted {
    csrf_token: String,
    username: String,
}

/// `GET /session/me`: the session's user.
#[derive(Serialize, ToSchema)]
pub(crate) struct SessionUser {
    roles: Vec<String>,
    username: String,
}

/// Liveness probe.
#[public]
async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Issues a bearer token for a username and password (OAuth 2 password grant).
///
/// The contract's limit: more than 5 attempts a minute from one client get
/// 429 (the right password included). Its quota is replaced by name from
/// `SECURE_API_LOGIN_LIMIT`; `/session/login` shares it by declaring the
/// same name.
#[public(rate_limit("login", 5 per minute, key = client))]
async fn token(
    State(tokens): State<Tokens>,
    grant: PasswordGrant,
) -> Result<TokenResponse, OAuthError> {
    tokens.issuer.password_grant(&tokens.users, grant).await
}

/// The caller: username, roles and scopes.
#[authenticated]
async fn me(caller: Principal) -> Json<Me> {
    Json(Me {
        roles: caller.roles().to_vec(),
        scopes: caller.scopes().to_vec(),
        username: caller.subject().to_owned(),
    })
}

/// Counts of users and items.
#[requires_role(Role::Admin)]
async fn stats(State(state): State<AppState>) -> Json<Stats> {
    let items = state.items.lock().map_or(0, |items| items.len());
    Json(Stats { items, users: 3 })
}

/// Deletes a user.
#[requires(role = Role::Admin, scope = Scope::UsersDelete)]
async fn delete_user(Path(id): Path<u64>) -> Json<Deleted> {
    Json(Deleted { deleted: id })
}

/// One stored item.
#[requires_scope(Scope::ItemsRead)]
async fn item(State(state): State<AppState>, Path(id): Path<u64>) -> Result<Json<Item>, Problem> {
    let stored = state
        .items
        .lock()
        .ok()
        .and_then(|items| items.get(&id).cloned());
    stored
        .map(Json)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not_found", "no item with this id"))
}

/// Stores a new item, validated.
#[requires(any(role = Role::User, role = Role::Admin), scope = Scope::ItemsWrite)]
#[response(status = 201)]
#[validated]
async fn create_item(
    caller: Principal,
    State(state): State<AppState>,
    Json(new): Json<NewItem>,
) -> Result<(StatusCode, Json<Item>), Problem> {
    let mut items = state.items.lock().map_err(|_| Problem::internal())?;
    let id = items.keys().next_back().map_or(1, |last| last + 1);
    let item = Item {
        id,
        name: new.name,
        email: new.email,
        tags: new.tags.unwrap_or_default(),
        owner: caller.subject().to_owned(),
    };
    items.insert(id, item.clone());
    Ok((StatusCode::CREATED, Json(item)))
}

/// Posts a comment; its HTML is sanitized.
#[authenticated]
#[response(status = 201)]
#[validated]
async fn comment(Json(comment): Json<NewComment>) -> (StatusCode, Json<Comment>) {
    (StatusCode::CREATED, Json(Comment { text: comment.text }))
}

/// Secret data, over HTTP Basic.
#[requires_role(Role::Admin, scheme = basic)]
async fn secure_data(caller: Principal) -> Json<SecureData> {
    Json(SecureData {
        message: "Secure data accessed",
        user: caller.subject().to_owned(),
    })
}

/// Revokes the caller's token until it expires.
#[authenticated]
async fn logout(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
    revoker.logout(&caller).await
}

/// `POST /session/login` body: `username` and `password`, as a form or JSON.
#[derive(Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

/// Reads [`Credentials`] from a form or a JSON body, by `Content-Type`.
pub(crate) struct LoginBody(Credentials);

impl<S: Send + Sync> FromRequest<S> for LoginBody {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let media = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let refused = |status: StatusCode| {
            let code = match status {
                StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                _ => "malformed_body",
            };
            Problem::new(
                status,
                code,
                "send `username` and `password` as a form or as JSON",
            )
        };
        match media.as_str() {
            "application/json" => Json::<Credentials>::from_request(request, state)
                .await
                .map(|Json(credentials)| Self(credentials))
                .map_err(|rejection| refused(rejection.status())),
            "application/x-www-form-urlencoded" => {
                Form::<Credentials>::from_request(request, state)
                    .await
                    .map(|Form(credentials)| Self(credentials))
                    .map_err(|rejection| refused(rejection.status()))
            }
            _ => Err(refused(StatusCode::UNSUPPORTED_MEDIA_TYPE)),
        }
    }
}

/// Signs a browser in: a session cookie and the session's CSRF token.
///
/// Shares the `login` limit of `POST /token`.
#[public(rate_limit("login", 5 per minute, key = client))]
#[response(body = SessionStarted)]
async fn session_login(
    State(tokens): State<Tokens>,
    session: Session,
    LoginBody(credentials): LoginBody,
) -> Result<impl IntoResponse, SessionError> {
    let started = session
        .sign_in(&tokens.users, &credentials.username, &credentials.password)
        .await?;
    let body = Json(SessionStarted {
        csrf_token: started.csrf_token().to_owned(),
        username: credentials.username,
    });
    Ok((started, body))
}

#[authenticated(scheme = session)]
async fn session_me(caller: Principal) -> Json<SessionUser> {
    Json(SessionUser {
        roles: caller.roles().to_vec(),
        username: caller.subject().to_owned(),
    })
}

#[authenticated(scheme = session)]
async fn session_logout(session: Session) -> Result<(SessionEnded, Json<Status>), SessionError> {
    let ended = session.end().await?;
    Ok((
        ended,
        Json(Status {
            status: "logged out",
        }),
    ))
}

/// The seeded accounts of the contract; only their Argon2 hashes are kept.
///
/// The three passwords are hashed with one Argon2 memory block, freed before
/// the server starts, rather than leave one freed 19 MiB block per user in
/// the allocator.
fn users() -> Result<InMemoryUserStore, portcullis::users::PasswordHashError> {
    let seeds: [(&str, &str, &[&str], &[&str]); 3] = [
        (
            "admin",
            "admin-pass",
            &[Role::Admin.as_str()],
            &[
                Scope::ItemsRead.as_str(),
                Scope::ItemsWrite.as_str(),
                Scope::UsersDelete.as_str(),
            ],
        ),
        (
            "alice",
            "alice-pass",
            &[Role::User.as_str()],
            &[Scope::ItemsRead.as_str(), Scope::ItemsWrite.as_str()],
        ),
        (
            "guest",
            "guest-pass",
            &[Role::Guest.as_str()],
            &[Scope::ItemsRead.as_str()],
        ),
    ];
    let hashes = portcullis::users::hash_passwords(seeds.iter().map(|seed| seed.1))?;
    let store = seeds
        .iter()
        .zip(hashes)
        .fold(InMemoryUserStore::new(), |store, (seed, hash)| {
            store.with_record(UserRecord {
                username: seed.0.to_owned(),
                password_hash: hash.into(),
                roles: seed.2.iter().map(|&role| role.to_owned()).collect(),
                scopes: seed.3.iter().map(|&scope| scope.to_owned()).collect(),
            })
        });
    Ok(store)
}

/// The whole application: routes, guards and the hardening layers, with
/// revocations kept in memory (one instance).
///
/// `secret` signs and verifies the HS256 tokens (at least 32 bytes);
/// `cors_origins` are the origins browsers may call from.
#[allow(dead_code)] // the tests' entry point; `main` passes the environment's limits
pub(crate) fn build(
    secret: &[u8],
    cors_origins: &[String],
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    build_with(secret, cors_origins, &Limits::default())
}

/// The showcase's configurable limits; the defaults are the contract's.
pub(crate) struct Limits {
    /// `POST /token` and `/session/login` attempts per client:
    /// `SECURE_API_LOGIN_LIMIT`, such as `5/min` (the default) or `1000/s`.
    pub(crate) login: Quota,
    /// Failed password checks (Basic, `/token`) per address and username.
    pub(crate) failures: FailureLimits,
    /// The reverse proxies whose `X-Forwarded-For` names the client these
    /// limits count and whose `X-Request-Id` is kept:
    /// `SECURE_API_TRUSTED_PROXIES` (comma-separated addresses); none by
    /// default. The one setting for both, on the `Security`.
    pub(crate) proxies: ForwardedHeaders,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login: Quota::per_minute(5).expect("five is not zero"),
            failures: FailureLimits::default(),
            proxies: ForwardedHeaders::ignore(),
        }
    }
}

/// The stores kept in this process: revocations, sessions (bounded) and
/// rate limits (the builder's default) in memory.
fn in_memory(security: portcullis::SecurityBuilder) -> portcullis::SecurityBuilder {
    security
        .revocation(InMemoryRevocationStore::new())
        .sessions(MokaStore::new(Some(DEFAULT_MEMORY_SESSIONS)))
}

/// [`build`] with other limits (the environment's, or a test's).
pub(crate) fn build_with(
    secret: &[u8],
    cors_origins: &[String],
    limits: &Limits,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    build_with_stores(secret, cors_origins, limits, in_memory)
}

/// [`build_with`], with the stores shared by instances (revocations,
/// sessions, rate limits) chosen by `stores` (Redis when `REDIS_URL` is set: `main.rs`).
pub(crate) fn build_with_stores(
    secret: &[u8],
    cors_origins: &[String],
    limits: &Limits,
    stores: impl FnOnce(portcullis::SecurityBuilder) -> portcullis::SecurityBuilder,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    let router = secure_router_with(secret, cors_origins, limits, stores)?;
    let security = router.security().clone();
    let router = router.build()?;
    // The stack renders its answers and trusts proxies as `security` says.
    let hardening = Hardening::new()
        .security(&security)
        .cors(CorsPolicy::allow_origins(cors_origins.iter().cloned()));
    Ok(hardening.apply(router)?)
}

/// The API's description in the OpenAPI document.
fn api_doc() -> ApiDoc {
    ApiDoc::new("secure_api", env!("CARGO_PKG_VERSION"))
        .description("The Portcullis showcase: every route with the security it enforces.")
        .token_url("/token")
        .scope(Scope::ItemsRead.as_str(), "Read items")
        .scope(Scope::ItemsWrite.as_str(), "Create items")
        .scope(Scope::UsersDelete.as_str(), "Delete users")
        .session_cookie(portcullis::auth::session::DEFAULT_SESSION_COOKIE)
        .session_login("/session/login")
}

/// The OpenAPI document `GET /openapi.json` serves, as JSON text.
pub(crate) fn openapi_document(secret: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
    let router = secure_router(secret)?;
    Ok(api_doc().document(router.routes()).to_pretty_json()?)
}

/// The routes with their policies, before the hardening layers: the route
/// table the OpenAPI document, the policy manifest and the tests read.
pub(crate) fn secure_router(secret: &[u8]) -> Result<SecureRouter, Box<dyn std::error::Error>> {
    let origins = ["https://example.com".to_owned()];
    secure_router_with(secret, &origins, &Limits::default(), in_memory)
}

/// [`secure_router`] with other limits and stores.
pub(crate) fn secure_router_with(
    secret: &[u8],
    cors_origins: &[String],
    limits: &Limits,
    stores: impl FnOnce(portcullis::SecurityBuilder) -> portcullis::SecurityBuilder,
) -> Result<SecureRouter, Box<dyn std::error::Error>> {
    let key = SigningKey::hmac(Algorithm::HS256, secret)?;
    let verification = key
        .hmac_verification_key()
        .ok_or("the signing key has no HMAC verification key")?;
    // One directory (and one decoy hash) for Basic and the password grant.
    let users = UserDirectory::new(users()?)?;
    let security = stores(Security::builder())
        .bearer(
            portcullis::jwt::JwtVerifier::builder()
                .key(verification)
                .build()?,
        )
        .basic(BasicAuth::with_users("secure-api", users.clone())?)
        .roles::<Role>()
        .rate_limit_quota("login", limits.login)
        .failure_limits(limits.failures)
        // Rate limits, failure limits and the hardening stack's request ids
        // all believe these proxies (`Hardening::security` reads them).
        .forwarded_headers(limits.proxies.clone())
        // Browser sessions (their store comes from `stores`); CSRF trusts
        // the CORS origins.
        .trusted_origins(cors_origins.iter().cloned())
        .build()?;
    let state = AppState {
        tokens: Tokens {
            issuer: TokenIssuer::builder(key).build()?,
            users,
        },
        items: Arc::default(),
    };
    let router = SecureRouter::new(security)
        .route("/health", get(health))
        .route("/token", post(token))
        .route("/users/me", get(me))
        .route("/admin/stats", get(stats))
        .route("/users/{id}", delete(delete_user))
        .route("/items/{id}", get(item))
        .route("/items", post(create_item))
        .route("/comments", post(comment))
        .route("/secure-data", get(secure_data))
        .route("/logout", post(logout))
        .route("/session/login", post(session_login))
        .route("/session/me", get(session_me))
        .route("/session/logout", post(session_logout))
        .with_state(state)
        .openapi(&api_doc());
    Ok(router)
}
