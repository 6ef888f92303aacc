use axum::Json;
use axum::extract::Path;
use portcullis::prelude::*;
use portcullis::routing::{delete, get, post};

#[derive(Roles)]
enum Role {
    #[portcullis(implies(User))]
    Admin,
    User,
}

#[derive(Scopes)]
enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
}

/// Docs and attributes are kept.
#[public]
#[inline]
pub async fn health() -> &'static str {
    "ok"
}

#[public]
async fn greeting(caller: Option<Principal>) -> String {
    caller.map(|c| c.subject().to_owned()).unwrap_or_default()
}

#[authenticated(scheme = basic)]
async fn basic_me(caller: Principal) -> String {
    caller.subject().to_owned()
}

#[requires_role("user", scheme = session)]
async fn session_me(caller: Principal) -> String {
    caller.subject().to_owned()
}

/// The caller as the first parameter is folded into the guard; a pattern,
/// `mut` and a full path are kept, and a later `Principal` is extracted alone.
#[authenticated]
async fn caller_forms(mut caller: portcullis::Principal, again: Principal) -> String {
    let first = caller.subject().to_owned();
    caller = again.clone();
    first + caller.subject()
}

/// An inner attribute stays first in the body, before the caller's binding.
#[authenticated]
async fn inner_attribute(caller: Principal) -> String {
    #![allow(unused_mut)]
    let mut name = caller.subject().to_owned();
    name
}

#[public]
async fn optional_path(_caller: std::option::Option<portcullis::Principal>) {}

#[requires_role(Role::Admin)]
pub(crate) async fn stats() -> Json<u32> {
    Json(1)
}

#[requires_any_role("user", Role::Admin)]
async fn list() {}

#[requires_scope(Scope::ItemsRead, "items:write")]
async fn item(Path(id): Path<u32>) -> String {
    id.to_string()
}

#[requires(any(role = Role::User, all(scope = "items:write", role = "editor")), scheme = bearer)]
async fn create(Json(body): Json<serde_json::Value>) -> Json<serde_json::Value> {
    Json(body)
}

#[requires_role("admin")]
async fn generic<T: Send>() -> &'static str
where
    T: 'static,
{
    "generic"
}

mod nested {
    use portcullis::prelude::*;

    #[requires_role("admin")]
    pub async fn remove() {}
}

fn main() {
    let security = Security::builder().role_hierarchy(RoleHierarchy::from_vocabulary::<Role>()).build().unwrap();
    let _app: axum::Router = SecureRouter::new(security)
        .route("/health", get(health))
        .route("/greeting", get(greeting))
        .route("/basic", get(basic_me))
        .route("/session", get(session_me))
        .route("/forms", get(caller_forms).post(optional_path))
        .route("/stats", get(stats))
        .route("/inner", get(inner_attribute))
        .route("/items", get(list).post(create))
        .route("/items/{id}", get(item).delete(nested::remove))
        .route("/generic", post(generic::<u8>))
        .route("/gone", delete(nested::remove))
        .into_router();
    let _ = (Role::User.as_str(), Scope::ItemsRead.as_str());
}
