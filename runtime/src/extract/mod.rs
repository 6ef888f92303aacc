//! Extractors that read what the route's wrapper decided: the guard and the
//! verified caller.

mod guard;
mod principal;
#[cfg(feature = "sessions")]
mod session;

pub(crate) use guard::confirm;
pub use guard::Guard;
#[cfg(feature = "sessions")]
pub use session::Session;
