#![deny(warnings, missing_docs, unreachable_pub)]
#![deny(clippy::all, clippy::pedantic)]
//! A crate that denies warnings still compiles its policy attributes.

use portcullis::prelude::*;

/// Admin-only statistics.
#[requires_role("admin")]
pub async fn stats(caller: Principal) -> String {
    caller.subject().to_owned()
}

/// Roles of this application.
#[derive(Roles)]
pub enum Role {
    /// Everything.
    #[portcullis(implies(User))]
    Admin,
    /// Ordinary users.
    User,
}

fn main() {
    let _ = Role::Admin.as_str();
    let _ = Role::User;
}
