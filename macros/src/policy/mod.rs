//! The policy attributes: `#[public]`, `#[authenticated]`, `#[requires_role]`,
//! `#[requires_any_role]`, `#[requires_scope]` and `#[requires]`.

mod expand;
mod names;
mod response;

use portcullis_macros_core::policy::{check, parse};
use proc_macro2::TokenStream;

use crate::paths;

pub(crate) use parse::AttrKind;

/// Parses, checks and expands one policy attribute on `item`.
pub(crate) fn attribute(kind: AttrKind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut handler = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(function)) => function,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                item_keyword(&other),
                format!(
                    "`{}` goes on an `async fn` handler, not on this item",
                    kind.name()
                ),
            );
            return with_item(error, item);
        }
        Err(error) => return with_item(error, item),
    };
    // Read and removed whatever else is wrong, so no error is about it.
    let declared = response::take(&mut handler);
    let args_copy = args.clone();
    let checked = match (
        portcullis_macros_core::policy::analyze(kind, args, &handler),
        declared,
    ) {
        (Ok(policy), Ok(declared)) => Ok((policy, declared)),
        (Err(mut error), Err(more)) => {
            error.combine(more);
            Err(error)
        }
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => Err(error),
    };
    match checked {
        Ok((policy, declared)) => paths::with_root(policy.root.as_ref(), || {
            expand::expand(&policy, &handler, &declared)
        }),
        Err(error) => {
            let root = paths::find_root(&args_copy);
            let mut out = if check::already_guarded(&handler) {
                // Another policy attribute guarded it already: a second
                // guard would only add errors about generated names.
                quote::ToTokens::into_token_stream(&handler)
            } else {
                paths::with_root(root.as_ref(), || expand::fallback(&handler))
            };
            out.extend(error.to_compile_error());
            out
        }
    }
}

/// The keyword that names the kind of a non-fn item, for a precise span.
fn item_keyword(item: &syn::Item) -> TokenStream {
    use quote::ToTokens;
    match item {
        syn::Item::Struct(s) => s.struct_token.into_token_stream(),
        syn::Item::Enum(e) => e.enum_token.into_token_stream(),
        syn::Item::Const(c) => c.const_token.into_token_stream(),
        syn::Item::Static(s) => s.static_token.into_token_stream(),
        syn::Item::Mod(m) => m.mod_token.into_token_stream(),
        syn::Item::Impl(i) => i.impl_token.into_token_stream(),
        syn::Item::Trait(t) => t.trait_token.into_token_stream(),
        syn::Item::Type(t) => t.type_token.into_token_stream(),
        syn::Item::Use(u) => u.use_token.into_token_stream(),
        other => other.into_token_stream(),
    }
}

#[allow(clippy::needless_pass_by_value)] // the error is consumed by value by design
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = item;
    out.extend(error.to_compile_error());
    out
}
