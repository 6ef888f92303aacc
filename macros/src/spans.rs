//! Spans for generated code, so the compiler reports on the user's tokens.

use proc_macro2::{Group, Span, TokenStream, TokenTree};

/// `tokens` with every token spanned at `span`, so an error in code built
/// from them lands on the user's tokens.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = inner.into();
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
