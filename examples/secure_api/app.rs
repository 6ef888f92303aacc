//! The routes of the showcase, as `../shared/demo-contract.md` fixes them.
//!
//! Kept apart from `main.rs` (configuration and listeners) so the tests can
//! drive the very same router in-process.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{FromRef, Path, State};
use http::StatusCode;
use portcullis::auth::basic::BasicAuth;
use portcullis::auth::bearer::InMemoryRevocationStore;
use portcullis::hardening::CorsPolicy;
use portcullis::jwt::Algorithm;
use portcullis::oauth::{
    LoggedOut, LogoutError, OAuthError, PasswordGrant, SigningKey, TokenIssuer, TokenResponse,
    TokenRevoker,
};
use portcullis::prelude::*;
use portcullis::routing::{delete, get, post};
use portcullis::users::{InMemoryUserStore, UserDirectory, UserRecord};
use serde::Serialize;
use serde_json::{Value, json};

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
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Item {
    id: u64,
    name: String,
    email: String,
    tags: Vec<String>,
    owner: String,
}

#[public]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[public]
async fn token(
    State(tokens): State<Tokens>,
    grant: PasswordGrant,
) -> Result<TokenResponse, OAuthError> {
    tokens.issuer.password_grant(&tokens.users, grant).await
}

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({
        "username": caller.subject(),
        "roles": caller.roles(),
        "scopes": caller.scopes(),
    }))
}

#[requires_role(Role::Admin)]
async fn stats(State(state): State<AppState>) -> Json<Value> {
    let items = state.items.lock().map_or(0, |items| items.len());
    Json(json!({"users": 3, "items": items}))
}

#[requires(role = Role::Admin, scope = Scope::UsersDelete)]
async fn delete_user(Path(id): Path<u64>) -> Json<Value> {
    Json(json!({"deleted": id}))
}

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

#[requires(any(role = Role::User, role = Role::Admin), scope = Scope::ItemsWrite)]
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

#[authenticated]
#[validated]
async fn comment(Json(comment): Json<NewComment>) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({"text": comment.text})))
}

#[requires_role(Role::Admin, scheme = basic)]
async fn secure_data(caller: Principal) -> Json<Value> {
    Json(json!({"message": "Secure data accessed", "user": caller.subject()}))
}

#[authenticated]
async fn logout(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
    revoker.logout(&caller).await
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

/// The whole application: routes, guards and the hardening layers.
///
/// `secret` signs and verifies the HS256 tokens (at least 32 bytes);
/// `cors_origins` are the origins browsers may call from.
pub(crate) fn build(
    secret: &[u8],
    cors_origins: &[String],
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    let key = SigningKey::hmac(Algorithm::HS256, secret)?;
    let verification = key
        .hmac_verification_key()
        .ok_or("the signing key has no HMAC verification key")?;
    // One directory (and one decoy hash) for Basic and the password grant.
    let users = UserDirectory::new(users()?)?;
    let security = Security::builder()
        .bearer(
            portcullis::jwt::JwtVerifier::builder()
                .key(verification)
                .build()?,
        )
        .basic(BasicAuth::with_users("secure-api", users.clone())?)
        .roles::<Role>()
        .revocation(InMemoryRevocationStore::new())
        .build()?;
    let state = AppState {
        tokens: Tokens {
            issuer: TokenIssuer::builder(key).build()?,
            users,
        },
        items: Arc::default(),
    };
    let router = SecureRouter::new(security.clone())
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
        .with_state(state)
        .build()?;
    let hardening = Hardening::new()
        .security(&security)
        .cors(CorsPolicy::allow_origins(cors_origins.iter().cloned()));
    Ok(hardening.apply(router)?)
}
