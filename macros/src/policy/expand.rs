//! Emits the policy type and the handler with its guard. Cannot fail.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, Ident, ItemFn, parse_quote};

use super::check::{CheckedName, CheckedPolicy, Req};
use super::names::{self, name_expr};
use super::parse::{AttrKind, SchemeKind};
use crate::paths;

pub(crate) fn expand(policy: &CheckedPolicy, handler: &ItemFn) -> TokenStream {
    let private = paths::private();
    let policy_ty = format_ident!("__portcullis_policy_{}", handler.sig.ident);
    let vis = &handler.vis;
    let requirement = requirement(&policy.requirement);
    let scheme = match policy.scheme {
        SchemeKind::Basic => quote!(#private::Scheme::Basic),
        SchemeKind::Bearer => quote!(#private::Scheme::Bearer),
        SchemeKind::Session => quote!(#private::Scheme::Session),
    };
    let mut bounds = Vec::new();
    names::checks(&policy.requirement, &mut bounds);
    let guarded = with_guard(handler, &policy_ty);
    let name = handler.sig.ident.to_string();
    let mut owners = Vec::new();
    role_owners(&policy.requirement, &mut owners);
    // Naming `RoleVocabulary` here is also the check that each owner is a
    // role vocabulary, spanned on the user's path so the error lands there.
    let vocabularies = owners.iter().map(|owner| {
        let span = first_segment_span(owner);
        let vocabulary = quote_spanned!(span=> #private::RoleVocabulary);
        quote_spanned! {span=>
            #private::VocabularyInfo {
                name: ::core::stringify!(#owner),
                implies: <#owner as #vocabulary>::IMPLIES,
            }
        }
    });
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #policy_ty;

        #(#bounds)*

        #[automatically_derived]
        impl #private::Policy for #policy_ty {
            const ID: &'static str = ::core::concat!(::core::module_path!(), "::", #name);
            const REQUIREMENT: #private::Requirement = #requirement;
            const SCHEME: #private::Scheme = #scheme;
            const ROLE_VOCABULARIES: &'static [#private::VocabularyInfo] = &[#(#vocabularies),*];
        }

        #guarded
    }
}

/// The handler as written, with the guard of policy `policy_ty` as its first
/// parameter; everything else is re-emitted token for token.
fn with_guard(handler: &ItemFn, policy_ty: &Ident) -> TokenStream {
    let private = paths::private();
    let mut handler = handler.clone();
    let guard: FnArg = parse_quote!(__portcullis_guard: #private::Guard<#policy_ty>);
    handler.sig.inputs.insert(0, guard);
    quote!(#handler)
}

/// What is emitted when the attribute has errors: the handler with a guard
/// that refuses everything, so the only error the user sees is ours (not a
/// second one from the router about a missing policy).
pub(crate) fn fallback(handler: &ItemFn) -> TokenStream {
    if handler.sig.receiver().is_some() {
        return quote!(#handler);
    }
    let private = paths::private();
    let mut handler = handler.clone();
    // Other policy attributes already got their error; expanding them too
    // would only add a second guard and a confusing follow-on error.
    handler.attrs.retain(|attr| {
        !attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| AttrKind::NAMES.iter().any(|name| segment.ident == name))
    });
    let guard: FnArg = parse_quote!(__portcullis_guard: #private::Guard<#private::DenyAll>);
    handler.sig.inputs.insert(0, guard);
    quote!(#handler)
}

fn requirement(req: &Req) -> TokenStream {
    let private = paths::private();
    match req {
        Req::Public => quote!(#private::Requirement::Public),
        Req::Authenticated => quote!(#private::Requirement::Authenticated),
        Req::Role(name) => {
            let name = name_expr(name);
            quote!(#private::Requirement::Role(#name))
        }
        Req::AnyRole(names) => {
            let names = names.iter().map(name_expr);
            quote!(#private::Requirement::AnyRole(&[#(#names),*]))
        }
        Req::Scopes(names) => {
            let names = names.iter().map(name_expr);
            quote!(#private::Requirement::Scopes(&[#(#names),*]))
        }
        Req::All(parts) => {
            let parts = parts.iter().map(requirement);
            quote!(#private::Requirement::All(&[#(#parts),*]))
        }
        Req::Any(parts) => {
            let parts = parts.iter().map(requirement);
            quote!(#private::Requirement::Any(&[#(#parts),*]))
        }
    }
}

/// The distinct role vocabularies the requirement names through variants.
fn role_owners(req: &Req, out: &mut Vec<syn::Path>) {
    let mut add = |name: &CheckedName| {
        if let CheckedName::Variant {
            owner: Some(owner), ..
        } = name
            && !out.contains(owner)
        {
            out.push(owner.clone());
        }
    };
    match req {
        Req::Public | Req::Authenticated | Req::Scopes(_) => {}
        Req::Role(name) => add(name),
        Req::AnyRole(names) => names.iter().for_each(add),
        Req::All(parts) | Req::Any(parts) => parts.iter().for_each(|part| role_owners(part, out)),
    }
}

fn first_segment_span(path: &syn::Path) -> proc_macro2::Span {
    path.segments
        .first()
        .map_or_else(proc_macro2::Span::call_site, |segment| segment.ident.span())
}
