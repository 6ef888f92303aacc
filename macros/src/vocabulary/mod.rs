//! `#[derive(Roles)]` and `#[derive(Scopes)]`: vocabularies checked at compile time.

mod expand;

use portcullis_macros_core::vocabulary::{self as stages, check};
use proc_macro2::TokenStream;

pub(crate) use stages::Kind;

pub(crate) fn derive(kind: Kind, input: TokenStream) -> TokenStream {
    let result = syn::parse2::<syn::DeriveInput>(input).and_then(|input| {
        stages::analyze(kind, &input).map(|(root, checked)| (input, root, checked))
    });
    match result {
        Ok((input, root, checked)) => {
            crate::paths::with_root(root.as_ref(), || expand::expand(kind, &input, &checked))
        }
        Err(error) => error.to_compile_error(),
    }
}
