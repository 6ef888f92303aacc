//! Extractors that read what the route's wrapper decided: the guard and the
//! verified caller.

mod guard;
mod principal;
#[cfg(feature = "sessions")]
mod session;

pub use guard::Guard;
pub(crate) use guard::confirm;
#[cfg(feature = "sessions")]
pub use session::Session;
