#![doc = include_str!("../README.md")]

#[doc = include_str!("docs/public.md")]
#[doc = include_str!("docs/policy_common.md")]
pub use portcullis_macros::public;

#[doc = include_str!("docs/authenticated.md")]
#[doc = include_str!("docs/policy_common.md")]
pub use portcullis_macros::authenticated;

#[doc = include_str!("docs/requires_role.md")]
#[doc = include_str!("docs/policy_common.md")]
pub use portcullis_macros::requires_role;

#[doc = include_str!("docs/requires_any_role.md")]
#[doc = include_str!("docs/policy_common.md")]
pub use portcullis_macros::requires_any_role;

#[doc = include_str!("docs/requires_scope.md")]
#[doc = include_str!("docs/policy_common.md")]
pub use portcullis_macros::requires_scope;

#[doc = include_str!("docs/requires.md")]
#[doc = include_str!("docs/policy_common.md")]
pub use portcullis_macros::requires;

#[doc = include_str!("docs/roles.md")]
pub use portcullis_macros::Roles;

#[doc = include_str!("docs/scopes.md")]
pub use portcullis_macros::Scopes;
/// Derives [`Validate`](trait@Validate) from `#[validate(...)]` on the fields of a
/// struct with named fields.
///
/// Sanitizers run first, then every rule of every field; a field reports
/// only its first failing rule, and all failing fields are reported together
/// as JSON pointers (`#/tags/3`) that follow `#[serde(rename)]`,
/// `#[serde(rename_all)]` and `#[serde(flatten)]`.
///
/// | rule | applies to | passes when |
/// |---|---|---|
/// | `length(min = 3, max = 50)` | strings (counts characters, not bytes), collections (counts items) | `min <= length <= max`; either bound may be left out |
/// | `range(min = 1, max = 10)` | numbers | `min <= value <= max`; NaN fails |
/// | `email` | strings | a plain address per the `email_address` parser, domain with a dot |
/// | `url` | strings | an absolute URL per the `url` parser |
/// | `regex = "^[a-z]+$"` | strings | the pattern matches; compiled once, checked at compile time |
/// | `one_of("a", "b")` | any `PartialEq` value | equal to one of the values |
/// | `custom = path::to::check` | anything | `check(&value)` returns `Ok(())`; `Err(e)` with `e: Into<Cow<'static, str>>` becomes the detail |
/// | `nested` | a type deriving `Validate` (also in `Option`, `Vec`, `Box`) | its own rules pass; pointers continue inside it |
/// | `each(...)` | lists | every item passes the rules inside, reported at `#/field/index` |
/// | `required` | `Option` | the value is present |
/// | `skip` | anything | always: the field has no rules, on purpose |
///
/// Every field says what is checked: a field with no rule, no sanitizer and
/// no `skip` is a compile error ("field `x` has no rule; …"), so nothing goes
/// unvalidated by accident, as garde requires. Fields serde never reads
/// (`#[serde(skip)]`, `skip_deserializing`) need nothing. On the struct,
/// `#[validate(custom = path::to::check)]` adds a rule across fields:
/// `check(&value)` runs after the fields' rules and its error is reported at
/// the struct's own pointer (`#` for a body).
///
/// When a JSON body does not deserialize, the extractors report every
/// missing required member and every member of the wrong type at once, as
/// FastAPI does (serde stops at the first), honouring `rename`,
/// `rename_all`, `alias`, `default`, `skip` and `flatten`; this second look
/// runs only on that failure path.
///
/// Rules on an `Option<T>` field check `T` when the value is present.
/// `sanitize(trim, lowercase, html)` rewrites `String` fields (also inside
/// `Option` and `Vec`) before the rules run; `html` keeps safe formatting
/// tags and removes scripts, event handlers and `javascript:` URLs (ammonia).
/// (It is spelled inside `#[validate]` because rustc reserves `#[sanitize]`.)
///
/// ```
/// use portcullis::Validate;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Validate)]
/// #[serde(rename_all = "camelCase")]
/// struct NewItem {
///     #[validate(sanitize(trim), length(min = 3, max = 50))]
///     display_name: String,
///     #[validate(sanitize(trim, lowercase), email)]
///     email: String,
///     #[validate(length(max = 10), each(length(min = 1, max = 30)))]
///     tags: Option<Vec<String>>,
/// }
///
/// let mut item = NewItem {
///     display_name: " Widget ".into(),
///     email: "ADA@example.com".into(),
///     tags: Some(vec!["ok".into(), String::new()]),
/// };
/// let errors = item.sanitize_and_validate().unwrap_err();
/// assert_eq!(item.display_name, "Widget");
/// assert_eq!(errors.as_slice()[0].pointer, "#/tags/1");
/// ```
///
/// Mistakes are compile errors on the offending token: an unknown rule or
/// sanitizer, a rule given twice, `min` above `max`, `email`, `url` or
/// `regex` on a non-string field, `length` on a number, `range` on a
/// string, `required` on a non-`Option` field, a `regex` that does not
/// compile, `nested` on a type that does not derive `Validate`, an empty
/// `#[validate()]`, a field without rules, and anything but `custom = …` or
/// `crate = "…"` in a `#[validate(…)]` on the struct.
///
/// ```compile_fail
/// #[derive(portcullis::Validate)]
/// struct Item {
///     name: String, // field `name` has no rule; … mark it `#[validate(skip)]`
/// }
/// ```
///
/// ```compile_fail
/// #[derive(portcullis::Validate)]
/// struct Item {
///     #[validate(length(min = 50, max = 3))] // `length` has `min` (50) greater than `max` (3)
///     name: String,
/// }
/// ```
pub use portcullis_macros::Validate;
/// Makes a handler's `Json<T>`, `Form<T>` and `Query<T>` parameters sanitized
/// and validated, by extracting them through [`Valid`](validation::Valid).
///
/// It validates those three as written, and in the shapes axum reads them:
/// `Option<Json<T>>` (absent without a `Content-Type`) and `Result<Json<T>, _>`
/// (likewise `Form` and `Query`), whose `Err` arm then only sees input that
/// could not be read: input that reads but breaks a rule is a 422 before
/// the handler runs. A parameter that names `Json`, `Form` or `Query` in any
/// other shape is a compile error that lists these. A macro cannot see
/// through a type alias, so for every other parameter the compiler checks
/// that its type is none of them: `type ItemBody = Json<NewItem>;` used as a
/// parameter type is refused rather than left unvalidated.
///
/// The function keeps its name, attributes, visibility, generics, other
/// parameters and body: the body still sees `Json(item)` or whatever pattern
/// it wrote. It works alone or with a policy attribute, in either order. A
/// failing request never reaches the body; the client gets the problem
/// documents of [`ValidationRejection`](validation::ValidationRejection) (400, 413, 415 or 422 with one entry
/// per failing field).
///
/// ```
/// use axum::{Json, Router, routing::post};
/// use portcullis::{Validate, validated};
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Validate)]
/// struct NewItem {
///     #[validate(length(min = 3, max = 50))]
///     name: String,
/// }
///
/// #[validated]
/// async fn create(Json(item): Json<NewItem>) -> String {
///     item.name // at least 3 characters here
/// }
///
/// let app: Router = Router::new().route("/items", post(create));
/// ```
///
/// It reports a handler with no `Json`, `Form` or `Query` parameter, any
/// argument but `crate = "…"` (see the policy attributes), an extractor in a
/// shape it cannot validate or behind an alias, and, on the parameter's
/// type, a `T` that does not implement `Validate`:
///
/// ```compile_fail
/// #[derive(serde::Deserialize)]
/// struct NewItem { name: String }
///
/// #[portcullis::validated]
/// async fn create(axum::Json(item): axum::Json<NewItem>) -> String { item.name }
/// ```
pub use portcullis_macros::validated;

// The runtime, re-exported by name: each item has one path.

/// Authentication schemes: bearer tokens, HTTP Basic and browser sessions.
pub use portcullis_runtime::auth;
/// Hardening layers: headers, CORS, request ids, logs, TLS.
pub use portcullis_runtime::hardening;
/// JWT verification: keys, claims, the verifier.
pub use portcullis_runtime::jwt;
/// The OAuth 2 password flow: issuing tokens and logout.
#[cfg(feature = "issuing")]
pub use portcullis_runtime::oauth;
/// OpenAPI 3.1 from the route table and the documentation page.
#[cfg(feature = "openapi")]
pub use portcullis_runtime::openapi;
/// Rate limits declared on routes and the stores that keep their buckets.
pub use portcullis_runtime::rate_limit;
/// Shared state for several instances in Redis (feature `redis`).
#[cfg(feature = "redis")]
pub use portcullis_runtime::redis;
/// The secure router, its method routers and the route table.
pub use portcullis_runtime::routing;
/// Sealed tokens: encrypted, expiring payloads for links and hand-overs.
pub use portcullis_runtime::sealed;
/// Test helpers: tokens for a subject, roles and scopes in one line.
#[cfg(feature = "testing")]
pub use portcullis_runtime::testing;
/// The user directory and password hashing.
#[cfg(feature = "argon2")]
pub use portcullis_runtime::users;
/// Input validation: the `Validate` trait, `Valid`, rules and sanitizers.
pub use portcullis_runtime::validation;

// Configuration, policies, the caller and the answers. Validation items live
// in `validation` and the hardening layers in `hardening` (the prelude has
// the common ones); only `Validate`, which shares its name with the derive
// as serde's traits do, is also here.
pub use portcullis_runtime::{
    AUDIT_TARGET, AuthRejection, BoxFuture, ConfigError, DEFAULT_BODY_LIMIT, Denial, FieldError,
    Fused, Guard, HierarchyError, PROBLEM_JSON, Policy, PolicyInfo, Principal, Problem,
    ProblemResponder, Requirement, RoleHierarchy, RoleHierarchyBuilder, RoleVocabulary, Scheme,
    ScopeVocabulary, SecureRouter, Security, SecurityBuilder, StoreUnavailable, VocabularyInfo,
};
// `Validate` the trait shares its name with the derive above.
/// Starting and ending browser sessions in a handler.
#[cfg(feature = "sessions")]
pub use portcullis_runtime::Session;
pub use portcullis_runtime::Validate;

/// The names most applications need: `use portcullis::prelude::*;`.
pub mod prelude {
    pub use portcullis_macros::{
        Roles, Scopes, Validate, authenticated, public, requires, requires_any_role, requires_role,
        requires_scope, validated,
    };
    pub use portcullis_runtime::{
        Hardening, Principal, Problem, RoleHierarchy, SecureRouter, Security, Valid, Validate,
    };
}

/// What macro expansions name. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use portcullis_runtime::{
        DenyAll, Guard, Policy, Requirement, RoleName, RoleVocabulary, Scheme, ScopeName,
        ScopeVocabulary, VocabularyInfo, name_has_whitespace, name_repeats, role_name, scope_name,
    };

    pub use ::core::marker::Send;
    pub use portcullis_runtime::rate_limit::{RateLimit, RateLimitKey};
    pub use portcullis_runtime::validation::{
        Path, Valid, Validate, ValidationErrors, assert_validate, describe, probe, rules, sanitize,
        sanitize_nested, validate_nested,
    };

    #[cfg(feature = "openapi")]
    pub use portcullis_runtime::openapi::{schema as openapi, utoipa};

    pub use ::core::iter::{IntoIterator, Iterator};
    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Err, Ok};
}
