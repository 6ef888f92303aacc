//! Extractors that read what the route's wrapper decided: the guard and the
//! verified caller.

mod guard;
mod principal;

pub use guard::Guard;
