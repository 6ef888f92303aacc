//! Procedural macros of Portcullis. Use them through the `portcullis` facade,
//! where each one is documented with examples.

// Library code handles every failure; tests may unwrap.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

use proc_macro::TokenStream;

// The parse and check stages live in `portcullis-macros-core` (a plain
// library, so the fuzz targets can link them); this crate keeps the entry
// points and the expand stages. Each `<macro>/mod.rs` wires
// parse -> check (core) -> expand (here).
use portcullis_macros_core::paths;

mod policy;
mod spans;
mod validate;
mod validated;
mod vocabulary;

use policy::AttrKind;

/// See `portcullis::public`.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    policy::attribute(AttrKind::Public, args.into(), item.into()).into()
}

/// See `portcullis::authenticated`.
#[proc_macro_attribute]
pub fn authenticated(args: TokenStream, item: TokenStream) -> TokenStream {
    policy::attribute(AttrKind::Authenticated, args.into(), item.into()).into()
}

/// See `portcullis::requires_role`.
#[proc_macro_attribute]
pub fn requires_role(args: TokenStream, item: TokenStream) -> TokenStream {
    policy::attribute(AttrKind::RequiresRole, args.into(), item.into()).into()
}

/// See `portcullis::requires_any_role`.
#[proc_macro_attribute]
pub fn requires_any_role(args: TokenStream, item: TokenStream) -> TokenStream {
    policy::attribute(AttrKind::RequiresAnyRole, args.into(), item.into()).into()
}

/// See `portcullis::requires_scope`.
#[proc_macro_attribute]
pub fn requires_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    policy::attribute(AttrKind::RequiresScope, args.into(), item.into()).into()
}

/// See `portcullis::requires`.
#[proc_macro_attribute]
pub fn requires(args: TokenStream, item: TokenStream) -> TokenStream {
    policy::attribute(AttrKind::Requires, args.into(), item.into()).into()
}

/// See `portcullis::Roles`.
#[proc_macro_derive(Roles, attributes(portcullis))]
pub fn derive_roles(input: TokenStream) -> TokenStream {
    vocabulary::derive(vocabulary::Kind::Roles, input.into()).into()
}

/// See `portcullis::Scopes`.
#[proc_macro_derive(Scopes, attributes(portcullis))]
pub fn derive_scopes(input: TokenStream) -> TokenStream {
    vocabulary::derive(vocabulary::Kind::Scopes, input.into()).into()
}

/// Implements `Validate` from `#[validate(...)]` field attributes.
///
/// Sanitizers are written `#[validate(sanitize(trim))]`: a helper attribute
/// named `sanitize` would clash with rustc's built-in `#[sanitize]`.
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    validate::derive(&input).into()
}

/// Validates a handler's `Json<T>`, `Form<T>` and `Query<T>` parameters after extraction.
#[proc_macro_attribute]
pub fn validated(args: TokenStream, item: TokenStream) -> TokenStream {
    validated::attribute(args.into(), item.into()).into()
}
