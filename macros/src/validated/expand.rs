//! The handler with its validated parameters: types wrapped in `Valid<…>`,
//! the original patterns rebound before the original body.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{FnArg, Ident, Type, parse_quote};

use super::check::{Handler, Target};
use crate::paths::private;

/// The rewritten function.
pub(crate) fn handler(handler: &Handler<'_>) -> TokenStream {
    let p = private();
    let mut function = handler.function.clone();
    for target in &handler.targets {
        if let Some(FnArg::Typed(typed)) = function.sig.inputs.iter_mut().nth(target.index) {
            let binding = binding(target);
            let ty = target.ty;
            *typed.pat = parse_quote!(#binding);
            *typed.ty = parse_quote!(#p::Valid<#ty>);
        }
    }
    let prologue = handler.targets.iter().map(Prologue);
    let probes = handler.opaque.iter().map(|ty| probe(ty));
    let body = &handler.function.block;
    *function.block = parse_quote!({
        #(#probes)*
        #(#prologue)*
        #body
    });
    function.into_token_stream()
}

/// A compile-time check, spanned on the user's type, that a parameter whose
/// type the macro cannot read (an alias, a wrapper) is no `Json`, `Form` or
/// `Query` it would have had to validate. Method resolution picks the
/// refusing impl for those types; the call does nothing at run time.
fn probe(ty: &Type) -> TokenStream {
    let p = private();
    quote_spanned! {ty.span()=>
        {
            #[allow(unused_imports)]
            use #p::probe::{Extractor as _, Other as _};
            #p::probe::seen((&&#p::probe::Param::<#ty>::new()).kind());
        }
    }
}

fn binding(target: &Target<'_>) -> Ident {
    Ident::new(
        &format!("__portcullis_valid_{}", target.index),
        Span::mixed_site(),
    )
}

/// Rebinds the user's pattern and asserts, on the user's type, that it
/// implements `Validate`.
struct Prologue<'a, 'b>(&'a Target<'b>);

impl ToTokens for Prologue<'_, '_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let p = private();
        let Target { pat, inner, .. } = self.0;
        let binding = binding(self.0);
        tokens.extend(quote_spanned!(inner.span()=> #p::assert_validate::<#inner>();));
        tokens.extend(quote!(let #pat = #p::Valid::into_inner(#binding);));
    }
}
