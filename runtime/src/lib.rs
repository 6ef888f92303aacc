//! The runtime of Portcullis: credential verification, policy checks and the
//! secure router. Users depend on the `portcullis` facade, which re-exports
//! this crate together with the macros.
//!
//! Modules import downwards only: plain data (`policy`, `principal`,
//! `problem`, `rejection`) at the bottom; the schemes in `auth` above them;
//! `security` (configuration) above `auth`; the per-request decision
//! (`authorization`, `context`, `extract`) above that; `routing` on top.

// Library code handles every failure; tests may unwrap.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit;
pub mod auth;
mod authorization;
mod clock;
mod config_error;
mod context;
mod csrf;
mod extract;
mod future;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz_api;
pub mod hardening;
mod hierarchy;
pub mod jwt;
mod limiting;
#[cfg(feature = "issuing")]
pub mod oauth;
#[cfg(feature = "openapi")]
pub mod openapi;
mod origin;
mod policy;
mod principal;
mod problem;
mod proxy;
pub mod rate_limit;
#[cfg(feature = "redis")]
pub mod redis;
mod rejection;
pub mod routing;
pub mod sealed;
mod security;
#[cfg(feature = "testing")]
pub mod testing;
mod unavailable;
#[cfg(feature = "argon2")]
pub mod users;
pub mod validation;
mod vocabulary;

pub use audit::AUDIT_TARGET;
pub use config_error::ConfigError;
#[cfg(feature = "sessions")]
pub use extract::Session;
pub use extract::{Fused, Guard};
pub use future::BoxFuture;
pub use hardening::Hardening;
pub use hierarchy::{HierarchyError, RoleHierarchy, RoleHierarchyBuilder};
pub use policy::{Denial, DenyAll, Policy, PolicyInfo, Requirement, Scheme, VocabularyInfo};
pub use principal::Principal;
pub use problem::{FieldError, PROBLEM_JSON, Problem, ProblemResponder};
pub use rejection::AuthRejection;
pub use routing::SecureRouter;
pub use security::{DEFAULT_BODY_LIMIT, Security, SecurityBuilder};
pub use unavailable::StoreUnavailable;
pub use validation::{Valid, Validate, ValidationErrors, ValidationRejection};
#[doc(hidden)]
pub use vocabulary::{
    RoleName, ScopeName, name_has_whitespace, name_repeats, role_name, scope_name,
};
pub use vocabulary::{RoleVocabulary, ScopeVocabulary};
