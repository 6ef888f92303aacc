#![doc = include_str!("../README.md")]

pub use portcullis_macros::{Validate, validated};
pub use portcullis_runtime::*;

/// The names most applications need: `use portcullis::prelude::*;`.
pub mod prelude {
    pub use portcullis_macros::{Validate, validated};
    pub use portcullis_runtime::{Principal, Problem, RoleHierarchy, SecureRouter, Security, Valid, Validate};
}

/// What macro expansions name. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use portcullis_runtime::{Guard, Policy, Requirement, RoleVocabulary, Scheme, ScopeVocabulary};
    pub use portcullis_runtime::validation::{
        Path, Valid, Validate, ValidationErrors, assert_validate, rules, sanitize, sanitize_nested, validate_nested,
    };

    pub use ::core::iter::{IntoIterator, Iterator};
    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Err, Ok};
    pub use ::core::marker::Send;
}
