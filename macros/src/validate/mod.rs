//! `#[derive(Validate)]`: parse the struct and its attributes, check the
//! rules against the field types, expand to a `Validate` impl.

mod check;
mod expand;
mod parse;
#[cfg(feature = "openapi")]
mod schema;
mod shape;

use proc_macro2::TokenStream;

use crate::diagnostics::Errors;

/// Expands `#[derive(Validate)]` on `input`.
pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let raw = parse::Container::from_syn(input, &mut errors);
    let root = raw.as_ref().and_then(|raw| raw.root.clone());
    let checked = raw.map(|raw| check::Container::from_raw(raw, &mut errors));
    crate::paths::with_root(root.as_ref(), || match (errors.finish(()), checked) {
        (Ok(()), Some(container)) => expand::implementation(&container),
        (result, _) => {
            // A do-nothing impl beside the errors, so the user sees the
            // mistake in the attribute and not a cascade of "does not
            // implement `Validate`" wherever the type is used.
            let mut tokens = expand::fallback(input);
            if let Err(error) = result {
                tokens.extend(error.to_compile_error());
            }
            tokens
        }
    })
}
