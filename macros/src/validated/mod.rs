//! `#[validated]`: every `Json<T>`, `Form<T>` and `Query<T>` parameter of a
//! handler is extracted through `Valid<…>`, so the body only sees input that
//! passed `T`'s sanitizers and rules.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens as _;

use crate::diagnostics::Errors;

/// Expands `#[validated]` with arguments `args` on `item`.
pub(crate) fn attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let handler = match syn::parse2::<parse::Handler>(item.clone()) {
        Ok(handler) => handler,
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    let mut errors = Errors::default();
    parse::no_arguments(args, &mut errors);
    let checked = check::Handler::from_raw(&handler, &mut errors);
    match errors.finish(checked) {
        Ok(checked) => expand::handler(&checked),
        Err(error) => {
            // The function unchanged beside the error: one precise message
            // instead of follow-on errors about a missing function.
            let mut tokens = error.to_compile_error();
            handler.function.to_tokens(&mut tokens);
            tokens
        }
    }
}
