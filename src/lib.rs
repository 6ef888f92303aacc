#![doc = include_str!("../README.md")]

pub use portcullis_runtime::*;

/// The names most applications need: `use portcullis::prelude::*;`.
pub mod prelude {
    pub use portcullis_runtime::{Hardening, Principal, Problem, RoleHierarchy, SecureRouter, Security};
}

/// What macro expansions name. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use portcullis_runtime::{Guard, Policy, Requirement, RoleVocabulary, Scheme, ScopeVocabulary};

    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Err, Ok};
    pub use ::core::marker::Send;
}
