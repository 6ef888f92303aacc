use portcullis::prelude::*;
use portcullis::Requirement;

#[derive(Roles)]
enum Role {
    Admin,
    User,
}

#[derive(Scopes)]
enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
}

const ADMIN: &str = "admin";

mod names {
    pub const EDITOR: &str = "editor";
    pub const ITEMS_WRITE: &str = "items:write";
}

use Role::*;
use Scope::*;

#[requires_role(ADMIN)]
async fn stats() {}

#[requires_any_role(User, names::EDITOR, "auditor")]
async fn list() {}

#[requires_scope(ItemsRead, names::ITEMS_WRITE)]
async fn write() {}

#[requires(any(role = Admin, all(role = ADMIN, scope = names::ITEMS_WRITE)))]
async fn combined() {}

fn main() {
    let _ = Role::Admin;
    let _ = SecureRouter::<()>::new(Security::builder().build().unwrap())
        .route("/stats", portcullis::routing::get(stats))
        .route("/list", portcullis::routing::get(list))
        .route("/write", portcullis::routing::get(write))
        .route("/combined", portcullis::routing::get(combined));
    let _: Requirement = Requirement::Role(ADMIN);
}
