//! `#[validated]`: every `Json<T>`, `Form<T>` and `Query<T>` parameter of a
//! handler (also in an `Option` or a `Result`) is extracted through
//! `Valid<…>`, so the body only sees input that passed `T`'s sanitizers and
//! rules. A parameter that names one of them in another shape is refused,
//! and one whose type does not show what it is (an alias) is checked by the
//! compiler to be none of them.

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
    let root = parse::arguments(args, &mut errors);
    let checked = check::Handler::from_raw(&handler, &mut errors);
    match errors.finish(checked) {
        Ok(checked) => crate::paths::with_root(root.as_ref(), || expand::handler(&checked)),
        Err(error) => {
            // The function unchanged beside the error: one precise message
            // instead of follow-on errors about a missing function.
            let mut tokens = error.to_compile_error();
            handler.function.to_tokens(&mut tokens);
            tokens
        }
    }
}
