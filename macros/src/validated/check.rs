//! Finds the parameters `#[validated]` rewrites.

use syn::{FnArg, GenericArgument, ItemFn, Pat, PathArguments, Type};

use super::parse;
use crate::diagnostics::Errors;

/// A handler with at least one parameter to validate.
pub(crate) struct Handler<'a> {
    pub(crate) function: &'a ItemFn,
    pub(crate) targets: Vec<Target<'a>>,
}

/// A `Json<T>`, `Form<T>` or `Query<T>` parameter.
pub(crate) struct Target<'a> {
    /// Its position among the inputs.
    pub(crate) index: usize,
    /// The pattern the body expects, such as `Json(item)`.
    pub(crate) pat: &'a Pat,
    /// The extractor type as written, such as `axum::Json<Item>`.
    pub(crate) ty: &'a Type,
    /// `T`, which must implement `Validate`.
    pub(crate) inner: &'a Type,
}

impl<'a> Handler<'a> {
    /// The parameters to rewrite; an error if there are none.
    pub(crate) fn from_raw(raw: &'a parse::Handler, errors: &mut Errors) -> Self {
        let function = &raw.function;
        let targets: Vec<_> = function
            .sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(index, input)| match input {
                FnArg::Typed(typed) => extractor_inner(&typed.ty).map(|inner| Target {
                    index,
                    pat: &typed.pat,
                    ty: &typed.ty,
                    inner,
                }),
                FnArg::Receiver(_) => None,
            })
            .collect();
        if targets.is_empty() {
            errors.spanned(
                &function.sig.ident,
                format!(
                    "`validated` found no `Json<T>`, `Form<T>` or `Query<T>` parameter in `{}`; remove `#[validated]` or take the body as `Json<T>` where `T` derives `Validate`",
                    function.sig.ident
                ),
            );
        }
        Self { function, targets }
    }
}

/// `T` of a `Json<T>`, `Form<T>` or `Query<T>` type, however its path is spelled.
fn extractor_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if !matches!(last.ident.to_string().as_str(), "Json" | "Form" | "Query") {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let mut types = arguments.args.iter().filter_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let inner = types.next()?;
    types.next().is_none().then_some(inner)
}
