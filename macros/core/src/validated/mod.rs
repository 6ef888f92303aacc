//! `#[validated]`: which parameters of a handler are validated, and which
//! are refused.

pub mod check;
pub mod parse;

use proc_macro2::TokenStream;

use crate::diagnostics::Errors;

/// Checks the handler `raw` with the attribute's arguments `args`: the
/// facade's path from `crate = "…"` and the checked handler, or every error.
pub fn analyze(
    args: TokenStream,
    raw: &parse::Handler,
) -> syn::Result<(Option<syn::Path>, check::Handler<'_>)> {
    let mut errors = Errors::default();
    let root = parse::arguments(args, &mut errors);
    let checked = check::Handler::from_raw(raw, &mut errors);
    errors.finish((root, checked))
}
