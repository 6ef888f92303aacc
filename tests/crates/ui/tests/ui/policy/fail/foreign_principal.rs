// A first parameter of a type named `Principal` is read as the verified
// caller; an application's own type of that name gets an error on it that
// says how to keep both.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use portcullis::requires_role;

mod accounts {
    /// The application's own notion of an account holder.
    pub struct Principal;
}
use accounts::Principal;

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ();

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, ()> {
        Ok(Principal)
    }
}

#[requires_role("admin")]
async fn account(_holder: Principal) {}

fn main() {}
