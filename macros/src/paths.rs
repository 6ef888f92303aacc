//! The one place that names the runtime's hidden module.

use proc_macro2::TokenStream;
use quote::quote;

/// `::portcullis::__private`, the root of every path an expansion emits.
pub(crate) fn private() -> TokenStream {
    quote!(::portcullis::__private)
}
