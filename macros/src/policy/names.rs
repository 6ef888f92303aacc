//! Roles and scopes in the expansion: the name each one stands for, and the
//! checks the compiler makes on names the macro cannot read (vocabulary
//! variants and `const`s).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::check::{CheckedName, Req};
use crate::paths;
use crate::spans::respan;

/// The name as a constant expression of type `&'static str`: a string
/// literal, a variant's name through its vocabulary, or the `const` itself.
pub(crate) fn name_expr(name: &CheckedName) -> TokenStream {
    match name {
        CheckedName::Lit(value, span) => {
            let lit = syn::LitStr::new(value, *span);
            quote!(#lit)
        }
        CheckedName::Variant { path, .. } => quote_spanned!(name.span()=> #path.as_str()),
        CheckedName::Const { path } => quote_spanned!(name.span()=> #path),
    }
}

/// Whether names are roles or scopes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Role,
    Scope,
}

/// Every compile-time check `req` needs beyond what the macro checked.
pub(crate) fn checks(req: &Req, out: &mut Vec<TokenStream>) {
    match req {
        Req::Public | Req::Authenticated => {}
        Req::Role(name) => {
            out.extend(kind_check(name, Kind::Role));
            out.extend(const_list_check(std::slice::from_ref(name), Kind::Role));
        }
        Req::AnyRole(names) | Req::Scopes(names) => {
            let kind = if matches!(req, Req::AnyRole(_)) {
                Kind::Role
            } else {
                Kind::Scope
            };
            out.extend(names.iter().filter_map(|name| kind_check(name, kind)));
            out.extend(const_list_check(names, kind));
        }
        Req::All(parts) | Req::Any(parts) => {
            // Leaves of one group are compared with each other, as the macro
            // does for the names it can read.
            let mut roles = Vec::new();
            let mut scopes = Vec::new();
            for part in parts {
                match part {
                    Req::Role(name) => {
                        out.extend(kind_check(name, Kind::Role));
                        roles.push(name);
                    }
                    Req::Scopes(names) => {
                        out.extend(
                            names
                                .iter()
                                .filter_map(|name| kind_check(name, Kind::Scope)),
                        );
                        scopes.extend(names);
                    }
                    other => checks(other, out),
                }
            }
            out.extend(const_refs_check(&roles, Kind::Role));
            out.extend(const_refs_check(&scopes, Kind::Scope));
        }
    }
}

/// That a name which is not a string literal stands for the right kind: a
/// variant of a role (or scope) vocabulary, or a `&str` constant. Spanned on
/// the user's tokens, so a scope variant in a role position errors there.
fn kind_check(name: &CheckedName, kind: Kind) -> Option<TokenStream> {
    let private = paths::private();
    match name {
        CheckedName::Lit(..) => None,
        // A role vocabulary is checked where the policy's
        // `ROLE_VOCABULARIES` names it, once.
        CheckedName::Variant { owner: Some(_), .. } if kind == Kind::Role => None,
        CheckedName::Variant {
            owner: Some(owner), ..
        } => {
            let span = owner
                .segments
                .first()
                .map_or_else(|| name.span(), |segment| segment.ident.span());
            let vocabulary = match kind {
                Kind::Role => quote_spanned!(span=> #private::RoleVocabulary),
                Kind::Scope => quote_spanned!(span=> #private::ScopeVocabulary),
            };
            Some(quote_spanned! {span=>
                const _: () = {
                    fn __portcullis_vocabulary<T: ?::core::marker::Sized + #vocabulary>() {}
                    let _ = __portcullis_vocabulary::<#owner>;
                };
            })
        }
        CheckedName::Variant { path, owner: None } | CheckedName::Const { path } => {
            // A single identifier may be a variant brought in by `use
            // Role::*` or a constant: the probe accepts both, and refuses
            // anything else (a scope variant where a role goes) on the path.
            let span = name.span();
            let probe = match kind {
                Kind::Role => quote_spanned!(span=> #private::role_name),
                Kind::Scope => quote_spanned!(span=> #private::scope_name),
            };
            Some(quote_spanned! {span=>
                const _: () = #probe(&#path);
            })
        }
    }
}

fn const_list_check(names: &[CheckedName], kind: Kind) -> Option<TokenStream> {
    const_refs_check(&names.iter().collect::<Vec<_>>(), kind)
}

/// For a list holding a `const`, the blank and duplicate checks the macro
/// makes on literals, run when the constants are evaluated: one hidden
/// `const` per constant, spanned on it and naming it, so the error lands on
/// the constant in the attribute and says what is wrong with it.
fn const_refs_check(names: &[&CheckedName], kind: Kind) -> Option<TokenStream> {
    let is_const = |name: &&&CheckedName| matches!(name, CheckedName::Const { .. });
    if !names.iter().any(|name| is_const(&name)) {
        return None;
    }
    // The names the macro read first, then the constants: each constant is
    // compared with every name before it, so a pair is reported once.
    let ordered: Vec<&CheckedName> = names
        .iter()
        .filter(|name| !is_const(name))
        .chain(names.iter().filter(is_const))
        .copied()
        .collect();
    let exprs: Vec<TokenStream> = ordered.iter().map(|name| name_expr(name)).collect();
    let checks = ordered
        .iter()
        .enumerate()
        .filter_map(|(index, name)| match name {
            CheckedName::Const { path } => Some(const_check(path, index, &exprs, kind)),
            _ => None,
        });
    Some(quote!(#(#checks)*))
}

/// The checks of the constant `path`, at `index` in the list `exprs`.
fn const_check(path: &syn::Path, index: usize, exprs: &[TokenStream], kind: Kind) -> TokenStream {
    let span = syn::spanned::Spanned::span(path);
    let private = respan(quote::ToTokens::into_token_stream(paths::private()), span);
    let (word, example) = match kind {
        Kind::Role => ("role", "\"admin\""),
        Kind::Scope => ("scope", "\"items:read\""),
    };
    let shown = quote!(#path).to_string().replace(' ', "");
    let message = |problem: &str| {
        // A format string for `panic!`: a path holds no braces, but escape
        // them all the same.
        let text = format!("{word} constant `{shown}` {problem}")
            .replace('{', "{{")
            .replace('}', "}}");
        syn::LitStr::new(&text, span)
    };
    let empty = message(&format!(
        "is empty; a {word} is one word, such as {example}"
    ));
    let spaced = message(&format!(
        "contains whitespace; a {word} is one word, such as {example}"
    ));
    let repeats = (exprs.len() > 1).then(|| {
        let twice = message(&format!(
            "has the value of another {word} in this attribute; remove one"
        ));
        quote_spanned! {span=>
            else if #private::name_repeats(&[#(#exprs),*], #index) {
                ::core::panic!(#twice)
            }
        }
    });
    quote_spanned! {span=>
        const _: () = if ::core::primitive::str::is_empty(#path) {
            ::core::panic!(#empty)
        } else if #private::name_has_whitespace(#path) {
            ::core::panic!(#spaced)
        } #repeats;
    }
}
