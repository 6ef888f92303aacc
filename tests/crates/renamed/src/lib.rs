//! An application that depends on Portcullis as `sec`: every macro names the
//! facade with `crate = "sec"`, and `::portcullis` does not exist here, so a
//! hard-coded path in any expansion would fail this crate's build.

use axum::Json;
use sec::routing::{get, post};
use sec::{Roles, Scopes, SecureRouter, Security, Validate};
use serde::Deserialize;

/// Roles of the application.
#[derive(Roles)]
#[portcullis(crate = "sec")]
pub enum Role {
    /// Administrators.
    Admin,
}

/// Scopes of the application.
#[derive(Scopes)]
#[portcullis(crate = "sec")]
pub enum Scope {
    /// Reading items.
    #[portcullis(name = "items:read")]
    ItemsRead,
}

/// A new item.
#[derive(Deserialize, Validate)]
#[validate(crate = "sec", custom = distinct)]
pub struct NewItem {
    /// Its name.
    #[validate(length(min = 3))]
    pub name: String,
    /// Its label, if any.
    #[validate(skip)]
    pub label: Option<String>,
}

fn distinct(item: &NewItem) -> Result<(), &'static str> {
    if item.label.as_deref() == Some(item.name.as_str()) {
        Err("`label` repeats `name`")
    } else {
        Ok(())
    }
}

/// Open to anyone.
#[sec::public(crate = "sec")]
pub async fn health() -> &'static str {
    "ok"
}

/// Administrators only.
#[sec::requires_role(Role::Admin, crate = "sec")]
pub async fn stats() -> &'static str {
    "{}"
}

/// Readers of items.
#[sec::requires(scope = Scope::ItemsRead, crate = "sec")]
#[sec::validated(crate = "sec")]
pub async fn create(Json(item): Json<NewItem>) -> String {
    item.name
}

/// The application's routes.
pub fn app(security: Security) -> axum::Router {
    SecureRouter::new(security)
        .route("/health", get(health))
        .route("/stats", get(stats))
        .route("/items", post(create))
        .into_router()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions_reach_the_renamed_facade() {
        let bad = NewItem {
            name: "ab".into(),
            label: Some("ab".into()),
        };
        let errors = bad.validate().unwrap_err();
        let pointers: Vec<_> = errors
            .as_slice()
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["#/name", "#"]);
        assert_eq!(Role::Admin.as_str(), "admin");
        assert_eq!(Scope::ItemsRead.as_str(), "items:read");
        let _ = app(Security::builder().build().unwrap());
    }
}
