//! `#[validated]`: every `Json<T>`, `Form<T>` and `Query<T>` parameter of a
//! handler (also in an `Option` or a `Result`) is extracted through
//! `Valid<…>`, so the body only sees input that passed `T`'s sanitizers and
//! rules. A parameter that names one of them in another shape is refused,
//! and one whose type does not show what it is (an alias) is checked by the
//! compiler to be none of them.

mod expand;

use portcullis_macros_core::validated::{self as stages, check, parse};
use proc_macro2::TokenStream;
use quote::ToTokens as _;

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
    match stages::analyze(args, &handler) {
        Ok((root, checked)) => crate::paths::with_root(root.as_ref(), || expand::handler(&checked)),
        Err(error) => {
            // The function unchanged beside the error: one precise message
            // instead of follow-on errors about a missing function.
            let mut tokens = error.to_compile_error();
            handler.function.to_tokens(&mut tokens);
            tokens
        }
    }
}
