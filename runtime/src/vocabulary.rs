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

/// What can name a role in a policy attribute: a `&'static str` constant or a
/// variant of a role vocabulary. The attributes call [`role_name`] on names
/// that are not string literals, so anything else is refused where it is written.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot name a role",
    label = "not a role",
    note = "a role is a string such as \"admin\", a `const` of type `&str`, or a variant of a `#[derive(Roles)]` enum; a `#[derive(Scopes)]` variant goes in `requires_scope(..)` or `scope = ..`"
)]
pub trait RoleName {}

impl RoleName for &'static str {}
impl<T: RoleVocabulary> RoleName for T {}

/// What can name a scope: a `&'static str` constant or a scope vocabulary variant.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot name a scope",
    label = "not a scope",
    note = "a scope is a string such as \"items:read\", a `const` of type `&str`, or a variant of a `#[derive(Scopes)]` enum; a `#[derive(Roles)]` variant goes in `requires_role(..)` or `role = ..`"
)]
pub trait ScopeName {}

impl ScopeName for &'static str {}
impl<T: ScopeVocabulary> ScopeName for T {}

/// Compiles only for a role name; the policy attributes span it on the user's path.
#[doc(hidden)]
pub const fn role_name<T: RoleName>(_: &T) {}

/// Compiles only for a scope name; the policy attributes span it on the user's path.
#[doc(hidden)]
pub const fn scope_name<T: ScopeName>(_: &T) {}

/// Whether a role or scope given as a `const` contains whitespace (the
/// policy attributes refuse literal names that do): evaluated at compile
/// time, where the attribute turns `true` into an error naming the constant.
#[doc(hidden)]
pub const fn name_has_whitespace(name: &str) -> bool {
    has_whitespace(name.as_bytes())
}

/// Whether `names[index]` equals an earlier name of the list (the policy
/// attributes refuse repeated literal names): for lists that hold a
/// `const`, evaluated at compile time.
#[doc(hidden)]
pub const fn name_repeats(names: &[&str], index: usize) -> bool {
    if index >= names.len() {
        return false;
    }
    let name = names[index].as_bytes();
    let mut j = 0;
    while j < index {
        if bytes_eq(name, names[j].as_bytes()) {
            return true;
        }
        j += 1;
    }
    false
}

/// Whether the UTF-8 `bytes` hold a character for which `char::is_whitespace`
/// is true, as the attributes check literal names.
const fn has_whitespace(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let found = match (
            byte_at(bytes, i),
            byte_at(bytes, i + 1),
            byte_at(bytes, i + 2),
        ) {
            (b'\t'..=b'\r' | b' ', _, _) => true,
            (0xc2, 0x85 | 0xa0, _) => true, // U+0085, U+00A0
            (0xe1, 0x9a, 0x80) => true,     // U+1680
            (0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf) => true, // U+2000–200A, 2028, 2029, 202F
            (0xe2, 0x81, 0x9f) => true,     // U+205F
            (0xe3, 0x80, 0x80) => true,     // U+3000
            _ => false,
        };
        if found {
            return true;
        }
        i += 1;
    }
    false
}

const fn byte_at(bytes: &[u8], index: usize) -> u8 {
    if index < bytes.len() { bytes[index] } else { 0 }
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_checks() {
        assert!(!name_has_whitespace("items:read"));
        assert!(name_has_whitespace("a b"));
        assert!(name_has_whitespace("a\u{a0}b"));
        assert!(name_has_whitespace("a\u{3000}b"));
        assert!(name_has_whitespace("a\u{2029}"));
        assert!(!name_repeats(&["a", "b"], 1));
        assert!(name_repeats(&["a", "b", "a"], 2));
        assert!(!name_repeats(&["a", "b", "a"], 0));
        assert!(!name_repeats(&["a"], 5));
        for ch in (0..=0x10ffff).filter_map(char::from_u32) {
            let text = ch.to_string();
            assert_eq!(
                has_whitespace(text.as_bytes()),
                ch.is_whitespace(),
                "{ch:?}"
            );
        }
    }
}
