#![no_implicit_prelude]
// Expansions must name everything absolutely: this crate shadows the prelude
// names and has a module called `axum`.
#![allow(dead_code)]

extern crate portcullis;
extern crate std;

mod axum {}

type Result<T> = ::std::result::Result<T, ()>;
struct Option;
struct Ok;
struct Err;
struct Some;
struct Send;

#[::portcullis::requires_role("admin")]
async fn stats() -> &'static str {
    "{}"
}

#[::portcullis::requires(all(role = "user", scope = "items:read"))]
async fn items(caller: ::portcullis::Principal) -> ::std::string::String {
    ::std::borrow::ToOwned::to_owned(caller.subject())
}

#[::portcullis::public]
async fn health(caller: ::std::option::Option<::portcullis::Principal>) -> &'static str {
    let _ = caller;
    "ok"
}

#[derive(::portcullis::Roles)]
enum Role {
    #[portcullis(implies(User))]
    Admin,
    User,
}

fn main() {
    let _ = Role::Admin.as_str();
    let _ = Role::User;
}
