//! With the `openapi` feature: the type's OpenAPI schema (utoipa's
//! `PartialSchema` and `ToSchema`), from the same rules the `Validate` impl
//! checks. The fields' rules are emitted as a `'static` table; one runtime
//! function builds the schema from it.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Expr, ExprLit, ExprUnary, Lit, Type, UnOp};

use super::check::{Container, Field, Presence, Rule, RuleKind, Wire};
use super::shape::Shape;
use crate::paths::private;

/// The schema impls of `container`; nothing for generic types, whose
/// schema depends on their parameters (derive `ToSchema` by hand there).
pub(crate) fn implementation(container: &Container) -> TokenStream {
    if !container.generics.params.is_empty() {
        return TokenStream::new();
    }
    let p = private();
    let ident = &container.ident;
    let name = ident.to_string();
    let notes = container
        .custom
        .iter()
        .map(|path| format!("Also checked by `{}`.", path.to_token_stream()).replace(' ', ""));
    let fields = container.fields.iter().filter_map(field);
    quote! {
        #[automatically_derived]
        impl #p::utoipa::PartialSchema for #ident {
            fn schema() -> #p::utoipa::openapi::RefOr<#p::utoipa::openapi::schema::Schema> {
                #p::openapi::object_schema(&[#(#notes),*], &[#(#fields),*])
            }
        }

        #[automatically_derived]
        impl #p::utoipa::ToSchema for #ident {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(#name)
            }
        }
    }
}

fn field(field: &Field) -> Option<TokenStream> {
    let p = private();
    let Wire::Member { required, .. } = &field.wire else {
        return None;
    };
    let name = field.key.as_ref()?;
    let required = *required || matches!(field.presence, Presence::Required);
    let nullable = matches!(field.presence, Presence::Optional);
    let shape = match Shape::of(&field.ty) {
        Shape::Option(inner) => (Shape::of(&inner), inner),
        shape => (shape, field.ty.clone()),
    };
    let (target_shape, target_ty) = shape;
    let item_ty = match &target_shape {
        Shape::List(Some(item)) => Some(item.clone()),
        _ => None,
    };
    let (field_kind, nested) = if let Some(nested) = &field.nested {
        // `nested` on a list validates its items: the items carry the schema.
        match Shape::of(nested) {
            Shape::List(Some(item)) => (quote!(#p::openapi::Kind::List), Some(unboxed(&item))),
            Shape::List(None) => (quote!(#p::openapi::Kind::Map), None),
            _ => (quote!(#p::openapi::Kind::Any), Some(unboxed(nested))),
        }
    } else if field.each_nested {
        (
            kind(&target_shape, &target_ty),
            item_ty.as_ref().map(unboxed),
        )
    } else {
        (kind(&target_shape, &target_ty), None)
    };
    let item = item_ty.as_ref().map_or_else(
        || quote!(#p::openapi::Kind::Any),
        |item| kind(&Shape::of(item), item),
    );
    let rules = field.rules.iter().map(rule);
    let each = field.each.iter().flatten().map(rule);
    // Found by a probe, not required: a nested type without `Validate`
    // (so without this schema) is the `Validate` impl's one error.
    let nested = match nested {
        Some(ty) => quote! {
            #p::Some({
                fn __portcullis_nested() -> #p::utoipa::openapi::RefOr<#p::utoipa::openapi::schema::Schema> {
                    #[allow(unused_imports)]
                    use #p::openapi::{NoSchema as _, ViaToSchema as _};
                    #p::openapi::schema_or_any((&&#p::openapi::Probe::<#ty>::new()).body_schema())
                }
                __portcullis_nested
            })
        },
        None => quote!(#p::None),
    };
    let sanitizers = field.sanitizers.iter().map(ToString::to_string);
    Some(quote! {
        #p::openapi::FieldSchema {
            name: #name,
            required: #required,
            nullable: #nullable,
            kind: #field_kind,
            rules: &[#(#rules),*],
            item: #item,
            each: &[#(#each),*],
            nested: #nested,
            sanitizers: &[#(#sanitizers),*],
        }
    })
}

/// `T` for `Box<T>`, `Arc<T>` and `Rc<T>`, whose schema is `T`'s.
fn unboxed(ty: &Type) -> Type {
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && matches!(last.ident.to_string().as_str(), "Box" | "Arc" | "Rc")
        && let syn::PathArguments::AngleBracketed(arguments) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = arguments.args.first()
    {
        return unboxed(inner);
    }
    ty.clone()
}

fn kind(shape: &Shape, ty: &Type) -> TokenStream {
    let p = private();
    match shape {
        Shape::Text => quote!(#p::openapi::Kind::Text),
        Shape::Number if is_float(ty) => quote!(#p::openapi::Kind::Number),
        Shape::Number => quote!(#p::openapi::Kind::Integer),
        Shape::Bool => quote!(#p::openapi::Kind::Bool),
        Shape::List(Some(_)) => quote!(#p::openapi::Kind::List),
        Shape::List(None) => quote!(#p::openapi::Kind::Map),
        Shape::Option(_) | Shape::Other => quote!(#p::openapi::Kind::Any),
    }
}

fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.is_ident("f32") || path.path.is_ident("f64"))
}

fn rule(rule: &Rule) -> TokenStream {
    let p = private();
    let bound = |value: Option<TokenStream>| match value {
        Some(value) => quote!(#p::Some(#value)),
        None => quote!(#p::None),
    };
    match &rule.kind {
        RuleKind::Length { min, max } => {
            let min = bound(min.as_ref().map(|min| quote!((#min) as u64)));
            let max = bound(max.as_ref().map(|max| quote!((#max) as u64)));
            quote!(#p::openapi::SchemaRule::Length(#min, #max))
        }
        RuleKind::Range { min, max } => {
            let min = bound(min.as_ref().map(|min| quote!((#min) as f64)));
            let max = bound(max.as_ref().map(|max| quote!((#max) as f64)));
            quote!(#p::openapi::SchemaRule::Range(#min, #max))
        }
        RuleKind::Email => quote!(#p::openapi::SchemaRule::Email),
        RuleKind::Url => quote!(#p::openapi::SchemaRule::Url),
        RuleKind::Regex(pattern) => quote!(#p::openapi::SchemaRule::Pattern(#pattern)),
        RuleKind::OneOf(values) => {
            let literals: Option<Vec<TokenStream>> = values.iter().map(literal).collect();
            match literals {
                Some(literals) => quote!(#p::openapi::SchemaRule::OneOf(&[#(#literals),*])),
                None => quote!(#p::openapi::SchemaRule::Note("One of a fixed set of values.")),
            }
        }
        RuleKind::Custom(path) => {
            let note = format!("Also checked by `{}`.", path.to_token_stream()).replace(' ', "");
            quote!(#p::openapi::SchemaRule::Note(#note))
        }
    }
}

/// A `one_of` value as a literal of the schema's `enum`, if it is one.
fn literal(expr: &Expr) -> Option<TokenStream> {
    let p = private();
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Str(text) => Some(quote!(#p::openapi::Literal::Str(#text))),
            Lit::Int(number) => Some(quote!(#p::openapi::Literal::Int((#number) as i128))),
            Lit::Float(number) => Some(quote!(#p::openapi::Literal::Float((#number) as f64))),
            Lit::Bool(flag) => Some(quote!(#p::openapi::Literal::Bool(#flag))),
            _ => None,
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(number),
                ..
            }) => Some(quote!(#p::openapi::Literal::Int(-((#number) as i128)))),
            Expr::Lit(ExprLit {
                lit: Lit::Float(number),
                ..
            }) => Some(quote!(#p::openapi::Literal::Float(-((#number) as f64)))),
            _ => None,
        },
        _ => None,
    }
}
