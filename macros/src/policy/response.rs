//! `#[response(status = 201, body = Item)]` below a policy attribute: the
//! success answer for the OpenAPI document where the return type does not
//! say it (the status of `(StatusCode, Json<T>)`, the body of
//! `impl IntoResponse`). The policy attribute reads it and removes it, so
//! it needs no macro of its own.

use syn::parse::{Parse, ParseStream};
use syn::{Attribute, ItemFn, LitInt, Token, Type};

mod kw {
    syn::custom_keyword!(status);
    syn::custom_keyword!(body);
}

/// What `#[response(…)]` declares; each part is optional.
#[derive(Default)]
pub(crate) struct Declared {
    /// The success status, 100 to 599.
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) status: Option<u16>,
    /// The body type, overriding the return type's `Json<T>`.
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) body: Option<Type>,
}

/// The attribute's name.
const NAME: &str = "response";

/// Removes the handler's `#[response(…)]` and reads it; every mistake in it
/// is reported.
pub(crate) fn take(handler: &mut ItemFn) -> syn::Result<Declared> {
    let (ours, others): (Vec<Attribute>, Vec<Attribute>) = handler
        .attrs
        .drain(..)
        .partition(|attr| attr.path().is_ident(NAME));
    handler.attrs = others;
    let mut declared = Declared::default();
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    for (index, attr) in ours.iter().enumerate() {
        if index > 0 {
            push(syn::Error::new_spanned(
                attr,
                "a handler has one `#[response(..)]`; put `status` and `body` into the first",
            ));
            continue;
        }
        match attr.parse_args_with(|input: ParseStream<'_>| parse(input, &mut declared)) {
            Ok(()) => {}
            Err(error) => push(error),
        }
    }
    match errors {
        Some(error) => Err(error),
        None => Ok(declared),
    }
}

/// `status = 201`, `body = Type`, comma-separated, each at most once.
fn parse(input: ParseStream<'_>, declared: &mut Declared) -> syn::Result<()> {
    if input.is_empty() {
        return Err(input.error("`response` needs `status = …`, `body = …` or both"));
    }
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::status) {
            let key: kw::status = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: Status = input.parse()?;
            if declared.status.replace(value.0).is_some() {
                return Err(syn::Error::new_spanned(key, "`status` is given twice"));
            }
        } else if lookahead.peek(kw::body) {
            let key: kw::body = input.parse()?;
            input.parse::<Token![=]>()?;
            let ty: Type = input.parse()?;
            if declared.body.replace(ty).is_some() {
                return Err(syn::Error::new_spanned(key, "`body` is given twice"));
            }
        } else {
            return Err(lookahead.error());
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// An HTTP status literal.
struct Status(u16);

impl Parse for Status {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let literal: LitInt = input.parse()?;
        match literal.base10_parse::<u16>() {
            Ok(status) if (100..=599).contains(&status) => Ok(Self(status)),
            _ => Err(syn::Error::new_spanned(
                literal,
                "`status` is an HTTP status from 100 to 599, such as `201`",
            )),
        }
    }
}
