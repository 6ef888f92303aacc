//! Procedural macros of Portcullis. Use them through the `portcullis` crate,
//! which documents each one at its re-export.

mod diagnostics;
mod paths;
mod validate;
mod validated;

use proc_macro::TokenStream;

/// Implements `Validate` from `#[validate(...)]` field attributes.
///
/// Sanitizers are written `#[validate(sanitize(trim))]`: a helper attribute
/// named `sanitize` would clash with rustc's built-in `#[sanitize]`.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    validate::derive(&input).into()
}

/// Validates a handler's `Json<T>`, `Form<T>` and `Query<T>` parameters after extraction.
#[proc_macro_attribute]
pub fn validated(args: TokenStream, item: TokenStream) -> TokenStream {
    validated::attribute(args.into(), item.into()).into()
}
