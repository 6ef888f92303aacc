//! Role and scope vocabularies: names declared once, checked by the compiler.

/// A closed set of role names, written with `#[derive(Roles)]`.
///
/// Policies that name a role through the vocabulary (`Role::Admin`) fail to
/// compile when the role is not declared.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a role vocabulary",
    label = "roles must come from a `#[derive(Roles)]` enum or be string literals",
    note = "add `#[derive(portcullis::Roles)]` to the enum, or write the role as a string such as \"admin\""
)]
pub trait RoleVocabulary {
    /// Every declared role name.
    const NAMES: &'static [&'static str];
    /// For each role, the roles it implies directly.
    const IMPLIES: &'static [(&'static str, &'static [&'static str])];
}

/// A closed set of OAuth scope names, written with `#[derive(Scopes)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a scope vocabulary",
    label = "scopes must come from a `#[derive(Scopes)]` enum or be string literals",
    note = "add `#[derive(portcullis::Scopes)]` to the enum, or write the scope as a string such as \"items:read\""
)]
pub trait ScopeVocabulary {
    /// Every declared scope name.
    const NAMES: &'static [&'static str];
}
