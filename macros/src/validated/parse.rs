//! The raw model of `#[validated]`: the function as written.

use proc_macro2::TokenStream;
use syn::ItemFn;
use syn::parse::{Parse, ParseStream};

use crate::diagnostics::Errors;

/// The annotated function.
pub(crate) struct Handler {
    pub(crate) function: ItemFn,
}

impl Parse for Handler {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Self {
            function: input.parse()?,
        })
    }
}

/// `#[validated]` takes no arguments; records an error on them if present.
pub(crate) fn no_arguments(args: TokenStream, errors: &mut Errors) {
    if !args.is_empty() {
        errors.spanned(args, "`validated` takes no arguments; write `#[validated]` and put the rules on the body type with `#[validate(...)]`");
    }
}
