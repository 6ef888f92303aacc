//! `#[derive(Validate)]`: parse the struct and its attributes, check the
//! rules against the field types, expand to a `Validate` impl.

mod expand;
#[cfg(feature = "openapi")]
mod schema;

#[cfg(feature = "openapi")]
use portcullis_macros_core::validate::shape;
use portcullis_macros_core::validate::{self as stages, check};
use proc_macro2::TokenStream;

/// Expands `#[derive(Validate)]` on `input`.
pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    let (root, checked) = stages::analyze(input);
    crate::paths::with_root(root.as_ref(), || match checked {
        Ok(container) => expand::implementation(&container),
        Err(error) => {
            // A do-nothing impl beside the errors, so the user sees the
            // mistake in the attribute and not a cascade of "does not
            // implement `Validate`" wherever the type is used.
            let mut tokens = expand::fallback(input);
            tokens.extend(error.to_compile_error());
            tokens
        }
    })
}
