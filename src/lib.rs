#![doc = include_str!("../README.md")]

#[doc = include_str!("docs/public.md")]
pub use portcullis_macros::public;

#[doc = include_str!("docs/authenticated.md")]
pub use portcullis_macros::authenticated;

#[doc = include_str!("docs/requires_role.md")]
pub use portcullis_macros::requires_role;

#[doc = include_str!("docs/requires_any_role.md")]
pub use portcullis_macros::requires_any_role;

#[doc = include_str!("docs/requires_scope.md")]
pub use portcullis_macros::requires_scope;

#[doc = include_str!("docs/requires.md")]
pub use portcullis_macros::requires;

#[doc = include_str!("docs/roles.md")]
pub use portcullis_macros::Roles;

#[doc = include_str!("docs/scopes.md")]
pub use portcullis_macros::Scopes;
pub use portcullis_runtime::*;

/// The names most applications need: `use portcullis::prelude::*;`.
pub mod prelude {
    pub use portcullis_macros::{
        Roles, Scopes, authenticated, public, requires, requires_any_role, requires_role,
        requires_scope,
    };
    pub use portcullis_runtime::{
        Hardening, Principal, Problem, RoleHierarchy, SecureRouter, Security,
    };
}

/// What macro expansions name. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use portcullis_runtime::{
        Guard, Policy, Requirement, RoleVocabulary, Scheme, ScopeVocabulary, Unchecked,
    };

    pub use ::core::marker::Send;
    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Err, Ok};
}
