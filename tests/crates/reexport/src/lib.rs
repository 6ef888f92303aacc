//! An application that reaches Portcullis through a crate that re-exports
//! it: every macro names the facade with
//! `crate = "portcullis_test_reexporter::portcullis"`.

use axum::Json;
use portcullis_test_reexporter::portcullis::routing::get;
use portcullis_test_reexporter::portcullis::{
    Roles, Scopes, SecureRouter, Security, Validate, public, requires_any_role, requires_scope,
    validated,
};
use serde::Deserialize;

/// Roles of the application.
#[derive(Roles)]
#[portcullis(crate = "portcullis_test_reexporter::portcullis")]
pub enum Role {
    /// Editors.
    Editor,
}

/// Scopes of the application.
#[derive(Scopes)]
#[portcullis(crate = "portcullis_test_reexporter::portcullis")]
pub enum Scope {
    /// Writing items.
    #[portcullis(name = "items:write")]
    ItemsWrite,
}

/// A new item.
#[derive(Deserialize, Validate)]
#[validate(crate = "portcullis_test_reexporter::portcullis")]
pub struct NewItem {
    /// Its name.
    #[validate(length(min = 3))]
    pub name: String,
}

/// Open to anyone.
#[public(crate = "portcullis_test_reexporter::portcullis")]
pub async fn health() -> &'static str {
    "ok"
}

/// Editors with the write scope.
#[requires_any_role(
    Role::Editor,
    "admin",
    crate = "portcullis_test_reexporter::portcullis"
)]
pub async fn list() -> &'static str {
    "[]"
}

/// Writers of items.
#[requires_scope(Scope::ItemsWrite, crate = "portcullis_test_reexporter::portcullis")]
#[validated(crate = "portcullis_test_reexporter::portcullis")]
pub async fn create(Json(item): Json<NewItem>) -> String {
    item.name
}

/// The application's routes.
pub fn app(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/health", get(health))
        .route("/items", get(list).post(create))
        .into_router()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions_reach_the_reexported_facade() {
        let errors = NewItem { name: "ab".into() }.validate().unwrap_err();
        assert_eq!(errors.as_slice()[0].pointer, "#/name");
        assert_eq!(Role::Editor.as_str(), "editor");
        assert_eq!(Scope::ItemsWrite.as_str(), "items:write");
        let _ = app(Security::builder().build().unwrap());
    }
}
