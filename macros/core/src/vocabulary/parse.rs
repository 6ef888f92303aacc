//! Reads the enum and its `#[portcullis(..)]` variant attributes.

use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{DeriveInput, Ident, LitStr, Token};

use super::Kind;
use crate::diagnostics::Errors;

/// The variant attribute's keywords.
pub mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(implies);
}

/// One variant as written.
pub struct RawVariant {
    pub ident: Ident,
    pub fields: Option<syn::Fields>,
    pub name: Option<LitStr>,
    pub implies: Vec<Ident>,
    pub implies_key: Option<kw::implies>,
}

/// `#[portcullis(crate = "…")]` on the enum: the facade's path, if given.
pub fn container_root(input: &DeriveInput) -> syn::Result<Option<syn::Path>> {
    let mut errors = Errors::default();
    let mut root: Option<syn::Path> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("portcullis"))
    {
        let parsed = attr.parse_args_with(|input: ParseStream<'_>| {
            let key = input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            if !input.is_empty() {
                return Err(input.error("`#[portcullis(..)]` on the enum takes only `crate = \"…\"`; names and implications go on the variants"));
            }
            Ok((key, value))
        });
        match parsed {
            Ok((key, _)) if root.is_some() => {
                errors.spanned(key, "`crate` is given twice; keep one");
            }
            Ok((_, value)) => match crate::paths::parse_root(&value) {
                Ok(path) => root = Some(path),
                Err(error) => errors.push(error),
            },
            Err(error) => errors.push(error),
        }
    }
    errors.finish(root)
}

/// Reads the variants of the enum `input` and their `#[portcullis(..)]` options.
pub fn parse(kind: Kind, input: &DeriveInput) -> syn::Result<Vec<RawVariant>> {
    let syn::Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            format!(
                "`{}` derives on an enum of unit variants, such as `enum Role {{ Admin, User }}`",
                kind.derive_name()
            ),
        ));
    };
    let mut errors = Errors::default();
    let mut variants = Vec::new();
    for variant in &data.variants {
        let mut raw = RawVariant {
            ident: variant.ident.clone(),
            fields: (!matches!(variant.fields, syn::Fields::Unit)).then(|| variant.fields.clone()),
            name: None,
            implies: Vec::new(),
            implies_key: None,
        };
        for attr in variant
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("portcullis"))
        {
            if let Err(error) =
                attr.parse_args_with(|input: ParseStream<'_>| parse_options(input, &mut raw))
            {
                errors.push(error);
            }
        }
        variants.push(raw);
    }
    errors.finish(variants)
}

fn parse_options(input: ParseStream<'_>, raw: &mut RawVariant) -> syn::Result<()> {
    loop {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::name) {
            let key = input.parse::<kw::name>()?;
            input.parse::<Token![=]>()?;
            if raw.name.is_some() {
                return Err(syn::Error::new_spanned(
                    key,
                    "`name` is given twice; keep one",
                ));
            }
            raw.name = Some(input.parse()?);
        } else if lookahead.peek(kw::implies) {
            let key = input.parse::<kw::implies>()?;
            if raw.implies_key.is_some() {
                return Err(syn::Error::new_spanned(
                    key,
                    "`implies` is given twice; list every implied role in one `implies(..)`",
                ));
            }
            let content;
            syn::parenthesized!(content in input);
            raw.implies = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
            raw.implies_key = Some(key);
        } else {
            return Err(lookahead.error());
        }
        if input.is_empty() {
            return Ok(());
        }
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            return Ok(());
        }
    }
}
