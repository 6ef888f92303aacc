//! `#[derive(Roles)]` and `#[derive(Scopes)]`: vocabularies checked at compile time.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;

/// Which vocabulary is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Roles,
    Scopes,
}

impl Kind {
    fn derive_name(self) -> &'static str {
        match self {
            Self::Roles => "Roles",
            Self::Scopes => "Scopes",
        }
    }
}

pub(crate) fn derive(kind: Kind, input: TokenStream) -> TokenStream {
    let result = syn::parse2::<syn::DeriveInput>(input)
        .and_then(|input| parse::container_root(&input).map(|root| (input, root)))
        .and_then(|(input, root)| parse::parse(kind, &input).map(|raw| (input, root, raw)))
        .and_then(|(input, root, raw)| {
            check::check(kind, &raw).map(|checked| (input, root, checked))
        });
    match result {
        Ok((input, root, checked)) => {
            crate::paths::with_root(root.as_ref(), || expand::expand(kind, &input, &checked))
        }
        Err(error) => error.to_compile_error(),
    }
}
