//! Emits the policy type and the handler with its guard. Cannot fail.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, Ident, ItemFn, parse_quote};

use super::check::{CheckedLimit, CheckedName, CheckedPolicy, LimitKey, Req};
use super::names::{self, name_expr};
use super::parse::{AttrKind, SchemeKind};
use super::response::Declared;
use crate::paths;

pub(crate) fn expand(policy: &CheckedPolicy, handler: &ItemFn, declared: &Declared) -> TokenStream {
    let private = paths::private();
    let policy_ty = format_ident!("__portcullis_policy_{}", handler.sig.ident);
    let vis = &handler.vis;
    let requirement = requirement(&policy.requirement);
    // Each token emitted costs every handler in every build (it crosses to
    // the compiler and is parsed again), so constants equal to the trait's
    // defaults (bearer, no vocabularies) are left out.
    let scheme = match policy.scheme {
        SchemeKind::Basic => quote!(const SCHEME: #private::Scheme = #private::Scheme::Basic;),
        SchemeKind::Bearer => TokenStream::new(),
        SchemeKind::Session => {
            quote!(const SCHEME: #private::Scheme = #private::Scheme::Session;)
        }
    };
    let limits = rate_limits(&policy.limits);
    let mut bounds = Vec::new();
    names::checks(&policy.requirement, &mut bounds);
    let guarded = with_guard(handler, &policy_ty);
    let mut owners = Vec::new();
    role_owners(&policy.requirement, &mut owners);
    // Naming `RoleVocabulary` here is also the check that each owner is a
    // role vocabulary, spanned on the user's path so the error lands there.
    let vocabularies: Vec<TokenStream> = owners
        .iter()
        .map(|owner| {
            let span = first_segment_span(owner);
            let vocabulary = quote_spanned!(span=> #private::RoleVocabulary);
            quote_spanned! {span=>
                #private::VocabularyInfo {
                    name: ::core::stringify!(#owner),
                    implies: <#owner as #vocabulary>::IMPLIES,
                }
            }
        })
        .collect();
    let vocabularies = if vocabularies.is_empty() {
        TokenStream::new()
    } else {
        quote!(const ROLE_VOCABULARIES: &'static [#private::VocabularyInfo] = &[#(#vocabularies),*];)
    };
    let id = format!("::{}", handler.sig.ident);
    let doc = doc_const(handler);
    #[cfg(feature = "openapi")]
    let body = {
        let mut body = request_body(handler);
        body.extend(response_body(handler, declared));
        body.extend(parameters(handler));
        body
    };
    #[cfg(not(feature = "openapi"))]
    let body = {
        let _ = declared;
        TokenStream::new()
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #policy_ty;

        #(#bounds)*

        #[automatically_derived]
        impl #private::Policy for #policy_ty {
            const ID: &'static str = ::core::concat!(::core::module_path!(), #id);
            const REQUIREMENT: #private::Requirement = #requirement;
            #scheme
            #vocabularies
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

/// With the `openapi` feature: `const RESPONSE_BODY` with the success
/// status (`#[response(status = …)]`, 200 otherwise) and the body type
/// (`#[response(body = …)]`, or the `Json<T>` the handler returns, also
/// inside `Result` or a tuple). The type must have a schema: naming it
/// through `ResponseSchema`, spanned on the user's type, makes a missing
/// one an error there. Nothing when neither says anything.
#[cfg(feature = "openapi")]
fn response_body(handler: &ItemFn, declared: &Declared) -> TokenStream {
    let returned = match &handler.sig.output {
        syn::ReturnType::Type(_, ty) if handler.sig.generics.params.is_empty() => {
            returned_body(ty).filter(|ty| !opaque(ty))
        }
        _ => None,
    };
    let body = declared.body.clone().or(returned);
    if body.is_none() && declared.status.is_none() {
        return TokenStream::new();
    }
    let private = paths::private();
    let status = declared.status.unwrap_or(200);
    let schema = match body {
        Some(ty) => {
            let span = syn::spanned::Spanned::span(&ty);
            let schema = quote_spanned!(span=> #private::openapi::ResponseSchema);
            quote_spanned!(span=> #private::Some(<#ty as #schema>::response_schema))
        }
        None => quote!(#private::None),
    };
    quote! {
        const RESPONSE_BODY: #private::Option<#private::openapi::ResponseBody> =
            #private::Some(#private::openapi::ResponseBody { status: #status, schema: #schema });
    }
}

/// `T` of a returned `Json<T>`, also inside `Result<_, E>` or a tuple
/// such as `(StatusCode, Json<T>)`.
#[cfg(feature = "openapi")]
fn returned_body(ty: &syn::Type) -> Option<syn::Type> {
    match ty {
        syn::Type::Paren(inner) => returned_body(&inner.elem),
        syn::Type::Group(inner) => returned_body(&inner.elem),
        syn::Type::Tuple(tuple) => tuple.elems.iter().rev().find_map(returned_body),
        syn::Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let first = first_type_argument(&last.arguments);
            match last.ident.to_string().as_str() {
                "Json" => first.cloned(),
                "Result" => first.and_then(returned_body),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether a type cannot be named in a constant: `impl Trait` or `_`.
#[cfg(feature = "openapi")]
fn opaque(ty: &syn::Type) -> bool {
    fn scan(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => {
                ident == "impl" || ident == "Self" || ident == "_"
            }
            proc_macro2::TokenTree::Punct(punct) => punct.as_char() == '_',
            proc_macro2::TokenTree::Group(group) => scan(group.stream()),
            proc_macro2::TokenTree::Literal(_) => false,
        })
    }
    matches!(ty, syn::Type::Infer(_)) || scan(quote!(#ty))
}

#[cfg(feature = "openapi")]
fn first_type_argument(arguments: &syn::PathArguments) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(arguments) = arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// With the `openapi` feature: `const PARAMETERS` with the schemas of the
/// `Path<T>` (each element of a tuple) and `Query<T>` the handler reads,
/// found by a probe so that a type without a schema stays undocumented
/// (a string) rather than an error. Nothing for handlers without them.
#[cfg(feature = "openapi")]
fn parameters(handler: &ItemFn) -> TokenStream {
    if !handler.sig.generics.params.is_empty() {
        return TokenStream::new();
    }
    let typed = || {
        handler.sig.inputs.iter().filter_map(|input| match input {
            FnArg::Typed(typed) => Some(&*typed.ty),
            FnArg::Receiver(_) => None,
        })
    };
    let path = typed()
        .find_map(|ty| extractor(ty, "Path"))
        .filter(|ty| !opaque(ty));
    let query = typed()
        .find_map(|ty| extractor(ty, "Query"))
        .filter(|ty| !opaque(ty));
    if path.is_none() && query.is_none() {
        return TokenStream::new();
    }
    let private = paths::private();
    let probe = |ty: &syn::Type| {
        quote! {{
            #[allow(unused_imports)]
            use #private::openapi::{NoSchema as _, ViaToSchema as _};
            (&&#private::openapi::Probe::<#ty>::new()).body_schema()
        }}
    };
    let path = match &path {
        Some(ty) => {
            let elements: Vec<syn::Type> = match ty {
                syn::Type::Tuple(tuple) => tuple.elems.iter().cloned().collect(),
                ty => vec![ty.clone()],
            };
            let probes = elements.iter().map(probe);
            quote! {
                #private::Some({
                    fn __portcullis_path() -> #private::openapi::PathSchemas {
                        #private::openapi::schemas([#(#probes),*])
                    }
                    __portcullis_path
                })
            }
        }
        None => quote!(#private::None),
    };
    let query = match &query {
        Some(ty) => {
            let probe = probe(ty);
            quote! {
                #private::Some({
                    fn __portcullis_query() -> #private::Option<#private::openapi::NamedSchema> {
                        #probe
                    }
                    __portcullis_query
                })
            }
        }
        None => quote!(#private::None),
    };
    quote! {
        const PARAMETERS: #private::openapi::Parameters =
            #private::openapi::Parameters { path: #path, query: #query };
    }
}

/// `T` of an extractor `name<T>` (`Path`, `Query`) among the parameter's
/// type or its type arguments (`Valid<Query<T>>`, `Option<Query<T>>`).
#[cfg(feature = "openapi")]
fn extractor(ty: &syn::Type, name: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident == name {
        return first_type_argument(&last.arguments).cloned();
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => extractor(ty, name),
        _ => None,
    })
}

/// The handler as written, with the guard of policy `policy_ty` as its first
/// parameter; everything else is re-emitted token for token.
///
/// A first parameter that is the caller (`caller: Principal` or
/// `caller: Option<Principal>`) is folded into the guard and bound again at
/// the top of the body: one extractor instead of two, which is less code
/// for every handler. Its type is kept as written, so another type of that
/// name is an error on it (the `Fused` bound), not a silent mix-up.
fn with_guard(handler: &ItemFn, policy_ty: &Ident) -> TokenStream {
    // Written out token by token rather than by editing a clone of the
    // syntax tree with `parse_quote!`: re-parsing generated code was most
    // of the attribute's cost, and every handler pays it in every build.
    let private = paths::private();
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = handler;
    let syn::Signature {
        constness,
        asyncness,
        unsafety,
        abi,
        fn_token,
        ident,
        generics,
        inputs,
        variadic,
        output,
        ..
    } = sig;
    let where_clause = &generics.where_clause;
    let (guard, binding, skip) = match inputs.first() {
        Some(FnArg::Typed(first)) if first.attrs.is_empty() && is_caller(&first.ty) => {
            let (pat, ty) = (&first.pat, &first.ty);
            // Spanned on the type as written, where a foreign `Principal`
            // is reported.
            let span = syn::spanned::Spanned::span(ty);
            let open = crate::spans::respan(quote!(#private::Guard<#policy_ty,), span);
            let close = crate::spans::respan(quote!(>), span);
            (
                quote!(__portcullis_guard: #open #ty #close),
                quote!(let #private::Guard { caller: #pat, .. } = __portcullis_guard;),
                1,
            )
        }
        _ => (
            quote!(__portcullis_guard: #private::Guard<#policy_ty>),
            TokenStream::new(),
            0,
        ),
    };
    let rest = inputs.iter().skip(skip);
    let outer = attrs
        .iter()
        .filter(|attr| matches!(attr.style, syn::AttrStyle::Outer));
    let inner = attrs
        .iter()
        .filter(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)));
    let stmts = &block.stmts;
    let mut body = TokenStream::new();
    block.brace_token.surround(&mut body, |body| {
        body.extend(quote!(#(#inner)* #binding #(#stmts)*));
    });
    quote! {
        #(#outer)*
        #vis #constness #asyncness #unsafety #abi #fn_token #ident #generics
            (#guard, #(#rest,)* #variadic) #output #where_clause
        #body
    }
}

/// `Principal` or `Option<Principal>`, by the name written.
fn is_caller(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    match &last.arguments {
        syn::PathArguments::None => last.ident == "Principal",
        syn::PathArguments::AngleBracketed(arguments) if last.ident == "Option" => {
            matches!(
                arguments.args.iter().collect::<Vec<_>>().as_slice(),
                [syn::GenericArgument::Type(inner)] if matches!(
                    inner,
                    syn::Type::Path(inner) if inner.qself.is_none()
                        && inner.path.segments.last().is_some_and(|segment| {
                            segment.ident == "Principal" && segment.arguments.is_none()
                        })
                )
            )
        }
        _ => false,
    }
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
