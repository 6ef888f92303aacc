//! The raw model of `#[validated]`: the function as written, and its options.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::{ItemFn, LitStr, Token};

use crate::diagnostics::Errors;

/// The annotated function.
pub struct Handler {
    pub function: ItemFn,
}

impl Parse for Handler {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Self {
            function: input.parse()?,
        })
    }
}

/// `#[validated]` takes only `crate = "…"`; returns that path, recording an
/// error on anything else.
pub fn arguments(args: TokenStream, errors: &mut Errors) -> Option<syn::Path> {
    if args.is_empty() {
        return None;
    }
    let parser = |input: ParseStream<'_>| {
        if !input.peek(Token![crate]) {
            return Err(input.error("`validated` takes no arguments other than `crate = \"…\"`; write `#[validated]` and put the rules on the body type with `#[validate(...)]`"));
        }
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let value: LitStr = input.parse()?;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("`validated` takes `crate = \"…\"` once and nothing else"));
        }
        crate::paths::parse_root(&value)
    };
    match parser.parse2(args) {
        Ok(root) => Some(root),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}
