//! The policy attributes: `#[public]`, `#[authenticated]`, `#[requires_role]`,
//! `#[requires_any_role]`, `#[requires_scope]` and `#[requires]`.

pub mod check;
pub mod parse;

use proc_macro2::TokenStream;
use syn::ItemFn;

pub use parse::AttrKind;

/// Parses and checks the arguments `args` of the policy attribute `kind`
/// written on `handler`, whose tokens as written are `written`.
pub fn analyze(
    kind: AttrKind,
    args: TokenStream,
    handler: &ItemFn,
    written: &TokenStream,
) -> syn::Result<check::CheckedPolicy> {
    parse::parse_args(kind, args).and_then(|raw| check::check(&raw, handler, written))
}
