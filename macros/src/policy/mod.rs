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
    let mut handler = match Shell::parse(item.clone()) {
        Ok(Shell(function)) => function,
        Err(error) => return not_a_handler(kind, item, error),
    };
    // Read and removed whatever else is wrong, so no error is about it.
    let declared = response::take(&mut handler);
    let args_copy = args.clone();
    let checked = match (
        portcullis_macros_core::policy::analyze(kind, args, &handler, &item),
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

/// A function whose body is kept as the tokens written.
///
/// Everything the attribute reads is in the signature and the attributes;
/// parsing every statement of the body (and printing it back from the
/// syntax tree) was most of the attribute's cost, paid by every handler in
/// every build. So the item is split at its last token tree, the body's
/// braces, before syn sees it: syn parses the attributes and the signature,
/// and the body is never walked, only its inner attributes parsed out (so
/// the caller's binding can go after them). rustc parses the body itself,
/// and reports any mistake in it in its own words.
struct Shell(syn::ItemFn);

impl Shell {
    fn parse(item: TokenStream) -> syn::Result<Self> {
        use proc_macro2::{Delimiter, TokenTree};
        use syn::parse::{ParseStream, Parser};

        let mut trees: Vec<TokenTree> = item.into_iter().collect();
        let Some(TokenTree::Group(body)) = trees.pop() else {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                "expected a function with a body",
            ));
        };
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected a function body"));
        }
        let head: TokenStream = trees.into_iter().collect();
        let (mut attrs, vis, sig) = (|input: ParseStream<'_>| {
            Ok((
                input.call(syn::Attribute::parse_outer)?,
                input.parse::<syn::Visibility>()?,
                input.parse::<syn::Signature>()?,
            ))
        })
        .parse2(head)?;
        let stream = body.stream();
        let stream = if starts_with_inner_attribute(&stream) {
            let (inner, rest) = (|input: ParseStream<'_>| {
                Ok((
                    input.call(syn::Attribute::parse_inner)?,
                    input.parse::<TokenStream>()?,
                ))
            })
            .parse2(stream)?;
            attrs.extend(inner);
            rest
        } else {
            stream
        };
        let block = syn::Block {
            brace_token: syn::token::Brace(body.delim_span()),
            stmts: vec![syn::Stmt::Item(syn::Item::Verbatim(stream))],
        };
        Ok(Self(syn::ItemFn {
            attrs,
            vis,
            sig,
            block: Box::new(block),
        }))
    }
}

/// Whether a body opens with `#!`, an inner attribute.
fn starts_with_inner_attribute(body: &TokenStream) -> bool {
    let mut trees = body.clone().into_iter();
    matches!(
        (trees.next(), trees.next()),
        (Some(proc_macro2::TokenTree::Punct(hash)), Some(proc_macro2::TokenTree::Punct(bang)))
            if hash.as_char() == '#' && bang.as_char() == '!'
    )
}

/// The attribute on something that does not read as a function: the item
/// is parsed whole, only on this path, to name what it is.
fn not_a_handler(kind: AttrKind, item: TokenStream, error: syn::Error) -> TokenStream {
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(_)) => with_item(error, item),
        Ok(other) => {
            let error = syn::Error::new_spanned(
                item_keyword(&other),
                format!(
                    "`{}` goes on an `async fn` handler, not on this item",
                    kind.name()
                ),
            );
            with_item(error, item)
        }
        Err(_) => with_item(error, item),
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
