//! The one place that names the runtime's hidden module.
//!
//! Expansions reach the runtime through `::portcullis::__private` unless the
//! user named another path to the facade with `crate = "…"` (a renamed
//! dependency, or a crate that re-exports Portcullis), as serde's
//! `#[serde(crate = "…")]` does. The root is set for the duration of one
//! macro call, so every emitter keeps calling [`private`] without threading
//! it through.

use std::cell::RefCell;

use proc_macro2::{TokenStream, TokenTree};
use syn::{LitStr, Path};

thread_local! {
    static ROOT: RefCell<Option<Path>> = const { RefCell::new(None) };
}

/// `<root>::__private`, the root of every path an expansion emits.
pub fn private() -> Private {
    Private(ROOT.with(|root| root.borrow().clone()))
}

/// The path [`private`] names. It writes its tokens one by one into the
/// stream it is quoted into: a `TokenStream` quoted into another costs
/// round trips to the compiler, and an expansion names this path dozens of
/// times for every handler.
pub struct Private(Option<Path>);

impl quote::ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        use proc_macro2::{Ident, Punct, Spacing, Span};
        let colons = |tokens: &mut TokenStream| {
            tokens.extend([
                TokenTree::Punct(Punct::new(':', Spacing::Joint)),
                TokenTree::Punct(Punct::new(':', Spacing::Alone)),
            ]);
        };
        match &self.0 {
            Some(path) => path.to_tokens(tokens),
            None => {
                colons(tokens);
                tokens.extend([TokenTree::Ident(Ident::new(
                    "portcullis",
                    Span::call_site(),
                ))]);
            }
        }
        colons(tokens);
        tokens.extend([TokenTree::Ident(Ident::new("__private", Span::call_site()))]);
    }
}

/// Runs `expand` with `root` (when given) as the facade's path.
pub fn with_root<T>(root: Option<&Path>, expand: impl FnOnce() -> T) -> T {
    struct Restore(Option<Path>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ROOT.with(|root| *root.borrow_mut() = previous);
        }
    }
    let previous = ROOT.with(|slot| slot.replace(root.cloned()));
    let _restore = Restore(previous);
    expand()
}

/// The value of `crate = "…"`: a path such as `"sec"` or `"my_api::portcullis"`.
pub fn parse_root(value: &LitStr) -> syn::Result<Path> {
    let path: Path = value.parse().map_err(|_| {
        syn::Error::new_spanned(
            value,
            format!(
                "`crate` takes the path under which the `portcullis` crate is reachable, such as `crate = \"sec\"` or `crate = \"my_api::portcullis\"`; {:?} is not a path",
                value.value()
            ),
        )
    })?;
    if path
        .segments
        .iter()
        .any(|segment| !segment.arguments.is_none())
    {
        return Err(syn::Error::new_spanned(
            value,
            "`crate` takes a plain path without generic arguments, such as `crate = \"sec\"`",
        ));
    }
    // `LitStr::parse` spans every token of the path on the string itself.
    Ok(path)
}

/// The path of a `crate = "…"` among an attribute's arguments, for the
/// output emitted beside an error when the arguments did not parse.
pub fn find_root(args: &TokenStream) -> Option<Path> {
    let tokens: Vec<TokenTree> = args.clone().into_iter().collect();
    tokens.windows(3).find_map(|window| match window {
        [
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            TokenTree::Literal(literal),
        ] if key == "crate" && eq.as_char() == '=' => {
            let value: LitStr = syn::parse2(TokenTree::Literal(literal.clone()).into()).ok()?;
            parse_root(&value).ok()
        }
        _ => None,
    })
}
