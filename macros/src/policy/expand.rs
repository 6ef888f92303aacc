//! Emits the policy type and the handler with its guard. Cannot fail.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, Ident, ItemFn, parse_quote};

use super::check::{CheckedLimit, CheckedName, CheckedPolicy, LimitKey, Req};
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
    let limits = rate_limits(&policy.limits);
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
    let doc = doc_const(handler);
    #[cfg(feature = "openapi")]
    let body = request_body(handler);
    #[cfg(not(feature = "openapi"))]
    let body = TokenStream::new();
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
            #limits
            #doc
            #body
        }

        #guarded
    }
}

/// `const RATE_LIMITS`, when the policy declares any (the trait's default
/// is the empty list).
fn rate_limits(limits: &[CheckedLimit]) -> TokenStream {
    if limits.is_empty() {
        return TokenStream::new();
    }
    let private = paths::private();
    let limits = limits.iter().map(|limit| {
        let CheckedLimit {
            name,
            max,
            period_secs,
            key,
        } = limit;
        let key = match key {
            LimitKey::Client => quote!(#private::RateLimitKey::Client),
            LimitKey::Subject => quote!(#private::RateLimitKey::Subject),
            LimitKey::Field(field) => quote!(#private::RateLimitKey::Field(#field)),
        };
        quote!(#private::RateLimit::new(#name, #max, #period_secs, #key))
    });
    quote! {
        const RATE_LIMITS: &'static [#private::RateLimit] = &[#(#limits),*];
    }
}

/// `const DOC` with the handler's doc comment (for OpenAPI summaries), or
/// nothing when it has none: the trait's default is empty.
fn doc_const(handler: &ItemFn) -> TokenStream {
    let lines: Vec<String> = handler
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value().trim().to_owned()),
            _ => None,
        })
        .collect();
    let doc = lines.join("\n");
    let doc = doc.trim();
    if doc.is_empty() {
        return TokenStream::new();
    }
    quote!(const DOC: &'static str = #doc;)
}

/// With the `openapi` feature: `const REQUEST_BODY` naming the `Json<T>`
/// or `Form<T>` the handler reads (also inside `Valid`, `Option` or
/// `Result`), whose schema a probe finds if `T` has one. Nothing for other
/// handlers or generic ones.
#[cfg(feature = "openapi")]
fn request_body(handler: &ItemFn) -> TokenStream {
    if !handler.sig.generics.params.is_empty() {
        return TokenStream::new();
    }
    let found = handler.sig.inputs.iter().find_map(|input| match input {
        FnArg::Typed(typed) => body_type(&typed.ty),
        FnArg::Receiver(_) => None,
    });
    let Some((media_type, ty)) = found else {
        return TokenStream::new();
    };
    let private = paths::private();
    quote! {
        const REQUEST_BODY: #private::Option<#private::openapi::RequestBody> =
            #private::Some(#private::openapi::RequestBody {
                media_type: #media_type,
                schema: {
                    fn __portcullis_body() -> #private::Option<#private::openapi::NamedSchema> {
                        #[allow(unused_imports)]
                        use #private::openapi::{NoSchema as _, ViaToSchema as _};
                        (&&#private::openapi::Probe::<#ty>::new()).body_schema()
                    }
                    __portcullis_body
                },
            });
    }
}

/// The body type of a parameter type: `Json<T>`, `Form<T>`, or one of
/// them inside another type's arguments.
#[cfg(feature = "openapi")]
fn body_type(ty: &syn::Type) -> Option<(&'static str, syn::Type)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let types = arguments.args.iter().filter_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let media_type = match last.ident.to_string().as_str() {
        "Json" => Some("application/json"),
        "Form" => Some("application/x-www-form-urlencoded"),
        _ => None,
    };
    match media_type {
        Some(media_type) => types.into_iter().next().map(|ty| (media_type, ty.clone())),
        None => types.into_iter().find_map(body_type),
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
