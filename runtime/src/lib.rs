//! The runtime of Portcullis: credential verification, policy checks and the
//! secure router. Users depend on the `portcullis` facade, which re-exports
//! this crate together with the macros.

// Library code handles every failure; tests may unwrap.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit;
mod basic;
mod config_error;
mod credentials;
mod guard;
pub mod hardening;
mod hierarchy;
pub mod jwt;
pub mod oauth;
mod policy;
mod principal;
mod problem;
mod rejection;
pub mod routing;
mod security;
pub mod validation;
mod vocabulary;

pub use audit::AUDIT_TARGET;
pub use basic::{
    BasicAuth, BasicError, BoxFuture, InMemoryUserStore, PasswordHashError, StoreError, UserRecord,
    UserStore, hash_password, hash_passwords, verify_password,
};
pub use config_error::ConfigError;
pub use guard::Guard;
pub use hardening::{Hardening, HardeningLayer, JsonLogs};
pub use hierarchy::{HierarchyError, RoleHierarchy, RoleHierarchyBuilder};
pub use oauth::testing;
pub use policy::{Denial, Policy, Requirement, Scheme, Unchecked};
pub use principal::Principal;
pub use problem::{FieldError, PROBLEM_JSON, Problem, ProblemResponder};
pub use rejection::AuthRejection;
pub use routing::{GuardedHandler, SecureMethodRouter, SecureRouter};
pub use security::{DEFAULT_BODY_LIMIT, Security, SecurityBuilder};
pub use validation::{Valid, Validate, ValidationErrors, ValidationRejection};
pub use vocabulary::{RoleVocabulary, ScopeVocabulary};
