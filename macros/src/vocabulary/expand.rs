//! Emits `as_str` and the vocabulary trait impl. Cannot fail.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::Kind;
use super::check::Variant;
use crate::paths;

pub(crate) fn expand(kind: Kind, input: &DeriveInput, variants: &[Variant]) -> TokenStream {
    let private = paths::private();
    let ty = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let arms = variants.iter().map(|variant| {
        let ident = &variant.ident;
        let name = &variant.name;
        quote!(Self::#ident => #name)
    });
    let names = variants.iter().map(|variant| &variant.name);
    let as_str = quote! {
        impl #impl_generics #ty #ty_generics #where_clause {
            /// The name used in tokens and policies.
            #[allow(dead_code)]
            pub const fn as_str(&self) -> &'static str {
                match self {
                    #(#arms,)*
                }
            }
        }
    };
    let vocabulary = match kind {
        Kind::Roles => {
            let implies = variants.iter().map(|variant| {
                let name = &variant.name;
                let implied = variant.implies.iter().map(|&index| &variants[index].name);
                quote!((#name, &[#(#implied),*]))
            });
            quote! {
                #[automatically_derived]
                impl #impl_generics #private::RoleVocabulary for #ty #ty_generics #where_clause {
                    const NAMES: &'static [&'static str] = &[#(#names),*];
                    const IMPLIES: &'static [(&'static str, &'static [&'static str])] = &[#(#implies),*];
                }
            }
        }
        Kind::Scopes => quote! {
            #[automatically_derived]
            impl #impl_generics #private::ScopeVocabulary for #ty #ty_generics #where_clause {
                const NAMES: &'static [&'static str] = &[#(#names),*];
            }
        },
    };
    quote!(#as_str #vocabulary)
}
