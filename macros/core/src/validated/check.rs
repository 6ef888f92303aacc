//! Finds the parameters `#[validated]` rewrites, and those it must refuse.

use quote::ToTokens as _;
use syn::{FnArg, GenericArgument, ItemFn, Pat, PathArguments, Type};

use super::parse;
use crate::diagnostics::Errors;

/// A handler with at least one parameter to validate.
#[derive(Debug)]
pub struct Handler<'a> {
    pub function: &'a ItemFn,
    pub targets: Vec<Target<'a>>,
    /// Parameters whose type does not show what they are (an alias, a
    /// wrapper): the compiler checks they are no `Json`, `Form` or `Query`.
    pub opaque: Vec<&'a Type>,
}

/// A `Json<T>`, `Form<T>` or `Query<T>` parameter, possibly in an `Option`
/// or a `Result`.
#[derive(Debug)]
pub struct Target<'a> {
    /// Its position among the inputs.
    pub index: usize,
    /// The pattern the body expects, such as `Json(item)`.
    pub pat: &'a Pat,
    /// The extractor type as written, such as `axum::Json<Item>`.
    pub ty: &'a Type,
    /// `T`, which must implement `Validate`.
    pub inner: &'a Type,
}

const EXTRACTORS: [&str; 3] = ["Json", "Form", "Query"];

impl<'a> Handler<'a> {
    /// The parameters to rewrite; an error if there are none, or if one
    /// mentions an extractor in a shape that cannot be validated.
    pub fn from_raw(raw: &'a parse::Handler, errors: &mut Errors) -> Self {
        let function = &raw.function;
        let mut targets = Vec::new();
        let mut opaque = Vec::new();
        let mut refused = false;
        for (index, input) in function.sig.inputs.iter().enumerate() {
            let FnArg::Typed(typed) = input else {
                continue;
            };
            let ty = &*typed.ty;
            if let Some(inner) = target_inner(ty) {
                targets.push(Target {
                    index,
                    pat: &typed.pat,
                    ty,
                    inner,
                });
            } else if is_guard(&typed.pat) || last_ident_is(ty, "Valid") {
                // Checked already: the policy guard, or validation written out.
            } else if let Some(name) = mentioned_extractor(ty) {
                refused = true;
                errors.spanned(
                    ty,
                    format!(
                        "`validated` cannot validate `{}`: it validates `{name}<T>`, `Result<{name}<T>, _>`{}; take the parameter in one of these shapes, or as `Valid<…>`",
                        ty.to_token_stream().to_string().replace(' ', ""),
                        if name == "Json" { " and `Option<Json<T>>`" } else { "" }
                    ),
                );
            } else {
                opaque.push(ty);
            }
        }
        if targets.is_empty() && !refused {
            errors.spanned(
                &function.sig.ident,
                format!(
                    "`validated` found no `Json<T>`, `Form<T>` or `Query<T>` parameter in `{}`; remove `#[validated]` or take the body as `Json<T>` where `T` derives `Validate`",
                    function.sig.ident
                ),
            );
        }
        Self {
            function,
            targets,
            opaque,
        }
    }
}

/// `T` of a parameter `#[validated]` rewrites: `Json<T>`, `Form<T>`,
/// `Query<T>`, `Option<Json<T>>`, or one of the three in a `Result`.
fn target_inner(ty: &Type) -> Option<&Type> {
    if let Some(inner) = extractor_inner(ty) {
        return Some(inner);
    }
    let (wrapper, args) = generic_args(ty)?;
    let first = args.first()?;
    match (wrapper.as_str(), args.len()) {
        ("Option", 1) if last_ident_is(first, "Json") => extractor_inner(first),
        ("Result", 2) => extractor_inner(first),
        _ => None,
    }
}

/// `T` of a `Json<T>`, `Form<T>` or `Query<T>` type, however its path is spelled.
fn extractor_inner(ty: &Type) -> Option<&Type> {
    let (name, args) = generic_args(ty)?;
    if !EXTRACTORS.contains(&name.as_str()) {
        return None;
    }
    match args.as_slice() {
        [inner] => Some(inner),
        _ => None,
    }
}

/// The last segment's name and its type arguments.
fn generic_args(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let types = arguments
        .args
        .iter()
        .filter_map(|argument| match argument {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    Some((last.ident.to_string(), types))
}

fn last_ident_is(ty: &Type, wanted: &str) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|segment| segment.ident == wanted))
}

fn is_guard(pat: &Pat) -> bool {
    matches!(pat, Pat::Ident(pat) if pat.ident == "__portcullis_guard")
}

/// The first of `Json`, `Form` or `Query` named anywhere in `ty`.
fn mentioned_extractor(ty: &Type) -> Option<&'static str> {
    fn find(tokens: proc_macro2::TokenStream) -> Option<&'static str> {
        tokens.into_iter().find_map(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => {
                EXTRACTORS.iter().copied().find(|name| ident == name)
            }
            proc_macro2::TokenTree::Group(group) => find(group.stream()),
            _ => None,
        })
    }
    find(ty.to_token_stream())
}
