//! Tokens for a checked container: the `Validate` impl. Nothing here fails.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Ident, parse_quote_spanned};

use crate::spans::respan;

use super::check::{Container, Field, Presence, Rule, RuleKind, Wire};
use crate::paths::private;

/// The `Validate` impl of `container`.
pub(crate) fn implementation(container: &Container) -> TokenStream {
    let p = private();
    let ident = &container.ident;
    // `nested` types are bounds of the impl, spanned on the user's type: a
    // type without `Validate` gets one error there, and generic fields work.
    let mut generics = container.generics.clone();
    let bounds: Vec<_> = container
        .fields
        .iter()
        .flat_map(|field| &field.nested_bounds)
        .collect();
    if !bounds.is_empty() {
        let predicates = &mut generics.make_where_clause().predicates;
        for ty in bounds {
            let validate = respan(quote!(#p::Validate), ty.span());
            predicates.push(parse_quote_spanned!(ty.span()=> #ty: #validate));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let sanitize = container.fields.iter().map(sanitize_field);
    let validate = container.fields.iter().map(validate_field);
    let across = container.custom.iter().map(container_rule);
    let describe = describe_json(container);
    let (path, errors) = (path_ident(), errors_ident());
    #[cfg(feature = "openapi")]
    let schema = super::schema::implementation(container);
    #[cfg(not(feature = "openapi"))]
    let schema = TokenStream::new();
    quote! {
        #schema

        #[automatically_derived]
        impl #impl_generics #p::Validate for #ident #ty_generics #where_clause {
            fn sanitize(&mut self) {
                #(#sanitize)*
            }

            fn validate_into(&self, #path: &#p::Path<'_>, #errors: &mut #p::ValidationErrors) {
                #(#validate)*
                #(#across)*
            }

            #describe
        }
    }
}

/// A `#[validate(custom = check)]` on the struct: `check(&self)`, reported
/// at the struct's own path.
fn container_rule(function: &syn::Path) -> TokenStream {
    let p = private();
    let (path, errors) = (path_ident(), errors_ident());
    let message = Ident::new("__portcullis_message", Span::mixed_site());
    quote_spanned! {function.span()=>
        if let #p::Err(#message) = (#function)(self) {
            #errors.push(#path, #p::rules::custom_message(#message));
        }
    }
}

/// `describe_json`: each member looked up by its serde names, reported when
/// a required one is missing, and checked against its field's type when present.
fn describe_json(container: &Container) -> TokenStream {
    let p = private();
    let (path, errors) = (path_ident(), errors_ident());
    let value = Ident::new("__portcullis_json", Span::mixed_site());
    let object = Ident::new("__portcullis_object", Span::mixed_site());
    let members = container
        .fields
        .iter()
        .map(|field| describe_field(field, &value, &object));
    quote! {
        fn describe_json(
            #value: &#p::describe::Value,
            #path: &#p::Path<'_>,
            #errors: &mut #p::ValidationErrors,
        ) -> bool {
            #[allow(unused_imports)]
            use #p::describe::{ViaDeserialize as _, ViaNothing as _, ViaValidate as _};
            let #p::Some(#object) = #p::describe::Value::as_object(#value) else {
                return false;
            };
            let _ = #object;
            #(#members)*
            true
        }
    }
}

fn describe_field(field: &Field, value: &Ident, object: &Ident) -> TokenStream {
    let p = private();
    let (path, errors, at) = (path_ident(), errors_ident(), at_ident());
    let ty = &field.ty;
    // A borrowed field (`&'a str`) is not `DeserializeOwned`, but method
    // resolution ignores lifetimes and would pick the serde probe anyway:
    // such members are looked up, not read.
    let ty = if borrows(ty) {
        quote!(#p::describe::Borrowed)
    } else {
        quote!(#ty)
    };
    let probe = quote!((&&&#p::describe::Probe::<#ty>::new()));
    match &field.wire {
        Wire::Skipped => TokenStream::new(),
        Wire::Flattened => quote!(#probe.flatten(#value, #path, #errors);),
        Wire::Member { names, required } => {
            let Some(first) = names.first() else {
                return TokenStream::new();
            };
            let (member, name) = (
                Ident::new("__portcullis_member", Span::mixed_site()),
                Ident::new("__portcullis_name", Span::mixed_site()),
            );
            let missing = (*required || matches!(field.presence, Presence::Required))
                .then(|| quote!(#errors.push(&#p::Path::key(#path, #first), "is required");));
            quote! {
                match #p::describe::member(#object, &[#(#names),*]) {
                    #p::Some((#name, #member)) => {
                        let #at = #p::Path::key(#path, #name);
                        #probe.check(#member, &#at, #errors);
                    }
                    #p::None => { #missing }
                }
            }
        }
    }
}

/// A do-nothing impl emitted beside compile errors (it never runs).
pub(crate) fn fallback(input: &syn::DeriveInput) -> TokenStream {
    let p = private();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #p::Validate for #ident #ty_generics #where_clause {
            fn sanitize(&mut self) {}
            fn validate_into(&self, _: &#p::Path<'_>, _: &mut #p::ValidationErrors) {}
        }
    }
}

/// Whether `ty` holds a reference or a lifetime.
fn borrows(ty: &syn::Type) -> bool {
    fn scan(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Punct(punct) => matches!(punct.as_char(), '&' | '\''),
            proc_macro2::TokenTree::Group(group) => scan(group.stream()),
            _ => false,
        })
    }
    scan(ty.to_token_stream())
}

fn path_ident() -> Ident {
    Ident::new("__portcullis_path", Span::mixed_site())
}

fn errors_ident() -> Ident {
    Ident::new("__portcullis_errors", Span::mixed_site())
}

fn at_ident() -> Ident {
    Ident::new("__portcullis_at", Span::mixed_site())
}

fn value_ident() -> Ident {
    Ident::new("__portcullis_value", Span::mixed_site())
}

/// Sanitizers in the order written, then the nested value's own sanitizers.
fn sanitize_field(field: &Field) -> TokenStream {
    let p = private();
    let member = &field.ident;
    let mut tokens = TokenStream::new();
    for sanitizer in &field.sanitizers {
        // Spanned on the sanitizer's name so that, without the `html`
        // feature, the error lands on `html`.
        let call = respan(quote!(#p::sanitize::#sanitizer), sanitizer.span());
        tokens.extend(quote_spanned!(sanitizer.span()=> #call(&mut self.#member);));
    }
    if field.sanitize_nested {
        let ty = &field.ty;
        tokens.extend(quote_spanned!(ty.span()=> #p::sanitize_nested(&mut self.#member);));
    }
    tokens
}

/// The checks of one field, under its own pointer segment.
fn validate_field(field: &Field) -> TokenStream {
    if field.rules.is_empty()
        && field.each.is_none()
        && field.nested.is_none()
        && !matches!(field.presence, Presence::Required)
    {
        return TokenStream::new();
    }
    let p = private();
    let (path, errors, at, value) = (path_ident(), errors_ident(), at_ident(), value_ident());
    let member = &field.ident;
    let location = match &field.key {
        Some(key) => quote!(#p::Path::key(#path, #key)),
        None => quote!(*#path),
    };
    let checks = checks(field);
    let body = match field.presence {
        Presence::Always => quote!(let #value = &self.#member; #checks),
        Presence::Optional => quote!(if let #p::Some(#value) = &self.#member { #checks }),
        Presence::Required => quote! {
            match &self.#member {
                #p::Some(#value) => { #checks }
                #p::None => #errors.push(&#at, "is required"),
            }
        },
    };
    quote!({ let #at = #location; #body })
}

/// Rule chain, item checks and nested validation for the present value.
fn checks(field: &Field) -> TokenStream {
    let p = private();
    let (errors, at, value) = (errors_ident(), at_ident(), value_ident());
    let mut tokens = chain(&field.rules, &value, &at);
    if let Some(rules) = &field.each {
        let item = Ident::new("__portcullis_item", Span::mixed_site());
        let index = Ident::new("__portcullis_index", Span::mixed_site());
        let item_at = Ident::new("__portcullis_item_at", Span::mixed_site());
        let item_chain = chain(rules, &item, &item_at);
        let item_nested = field.each_nested.then(|| {
            let ty = &field.ty;
            quote_spanned!(ty.span()=> #p::validate_nested(#item, &#item_at, #errors);)
        });
        tokens.extend(quote! {
            for (#index, #item) in #p::Iterator::enumerate(#p::IntoIterator::into_iter(#value)) {
                let #item_at = #p::Path::index(&#at, #index);
                #item_chain
                #item_nested
            }
        });
    }
    if let Some(ty) = &field.nested {
        tokens
            .extend(quote_spanned!(ty.span()=> #p::validate_nested::<#ty>(#value, &#at, #errors);));
    }
    tokens
}

/// The rules of a value, stopping at the first that fails (one entry per value).
fn chain(rules: &[Rule], value: &Ident, at: &Ident) -> TokenStream {
    let p = private();
    let errors = errors_ident();
    let mut calls = rules.iter().map(|rule| RuleCall { rule, value });
    let Some(first) = calls.next() else {
        return TokenStream::new();
    };
    let rest = calls.map(|call| quote!(.and_then(|()| #call)));
    let message = Ident::new("__portcullis_message", Span::mixed_site());
    quote! {
        if let #p::Err(#message) = #first #(#rest)* {
            #errors.push(&#at, #message);
        }
    }
}

/// One rule applied to a value: an expression of type `rules::Outcome`.
struct RuleCall<'a> {
    rule: &'a Rule,
    value: &'a Ident,
}

impl ToTokens for RuleCall<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let p = private();
        let value = self.value;
        let span = self.rule.keyword.span();
        let rules = quote!(#p::rules);
        tokens.extend(match &self.rule.kind {
            RuleKind::Length { min, max } => {
                let (min, max) = (bound(min.as_ref()), bound(max.as_ref()));
                quote_spanned!(span=> #rules::length(#value, #min, #max))
            }
            RuleKind::Range { min, max } => {
                let (min, max) = (bound(min.as_ref()), bound(max.as_ref()));
                quote_spanned!(span=> #rules::range(#value, #min, #max))
            }
            RuleKind::Email => quote_spanned!(span=> #rules::email(#value)),
            RuleKind::Url => {
                // Spanned on `url` so that, without the `url` feature, the
                // error lands on the rule.
                let check = respan(quote!(#rules::url), span);
                quote_spanned!(span=> #check(#value))
            }
            RuleKind::Regex(pattern) => {
                // The call is spanned on `regex` so that, without the
                // `regex` feature, the error lands on the rule.
                let check = respan(quote!(#rules::regex), span);
                quote_spanned! {span=> {
                    static __PORTCULLIS_REGEX: #rules::LazyRegex = #rules::LazyRegex::new(#pattern);
                    #check(#value, &__PORTCULLIS_REGEX)
                }}
            }
            RuleKind::OneOf(values) => quote_spanned!(span=> #rules::one_of(#value, &[#(#values),*])),
            RuleKind::Custom(function) => {
                quote_spanned!(function.span()=> #p::Result::map_err((#function)(#value), #rules::custom_message))
            }
        });
    }
}

fn bound(value: Option<&impl ToTokens>) -> TokenStream {
    let p = private();
    match value {
        Some(value) => quote!(#p::Some(#value)),
        None => quote!(#p::None),
    }
}
