//! `#[derive(Roles)]` and `#[derive(Scopes)]`: vocabularies checked at compile time.

pub mod check;
pub mod parse;

/// Which vocabulary is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[derive(Roles)]`.
    Roles,
    /// `#[derive(Scopes)]`.
    Scopes,
}

impl Kind {
    /// The derive's name, for messages.
    pub fn derive_name(self) -> &'static str {
        match self {
            Self::Roles => "Roles",
            Self::Scopes => "Scopes",
        }
    }
}

/// Parses and checks the enum `input`: the facade's path from
/// `crate = "…"` and the checked variants, or the first errors found.
pub fn analyze(
    kind: Kind,
    input: &syn::DeriveInput,
) -> syn::Result<(Option<syn::Path>, Vec<check::Variant>)> {
    let root = parse::container_root(input)?;
    let raw = parse::parse(kind, input)?;
    let checked = check::check(kind, &raw)?;
    Ok((root, checked))
}
