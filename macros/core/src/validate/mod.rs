//! `#[derive(Validate)]`: the struct and its `#[validate(..)]` attributes,
//! and the rules checked against the field types.

pub mod check;
pub mod parse;
pub mod shape;

use crate::diagnostics::Errors;

/// Parses and checks `input`: the facade's path from `crate = "…"` (when it
/// could be read, so that output beside an error can use it too) and the
/// checked container, or every error found.
pub fn analyze(input: &syn::DeriveInput) -> (Option<syn::Path>, syn::Result<check::Container>) {
    let mut errors = Errors::default();
    let raw = parse::Container::from_syn(input, &mut errors);
    let root = raw.as_ref().and_then(|raw| raw.root.clone());
    let checked = raw.map(|raw| check::Container::from_raw(raw, &mut errors));
    let result = match (errors.finish(()), checked) {
        (Ok(()), Some(container)) => Ok(container),
        (Err(error), _) => Err(error),
        (Ok(()), None) => Err(syn::Error::new_spanned(
            &input.ident,
            "`Validate` could not read this type",
        )),
    };
    (root, result)
}
