//! The macros' parse and check stages (`portcullis-macros-core`) on any
//! text: the arguments of every policy attribute, `#[validated]`'s, a
//! vocabulary variant's and the enum's `#[portcullis(..)]`, and
//! `#[validate(..)]` on fields and on the struct; and the text as a handler
//! under `#[validated]` and each policy attribute. Errors are fine; a panic
//! would be a compile error no user could act on ("proc macro panicked").
//! The printed form of the tokens reads back to the same outcome.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use portcullis_macros_core::policy::{self, AttrKind};
use portcullis_macros_core::{validate, validated, vocabulary};
use proc_macro2::TokenStream;
use quote::quote;

const POLICY_KINDS: [AttrKind; 6] = [
    AttrKind::Public,
    AttrKind::Authenticated,
    AttrKind::RequiresRole,
    AttrKind::RequiresAnyRole,
    AttrKind::RequiresScope,
    AttrKind::Requires,
];

fuzz_target!(|text: &str| {
    // Text the compiler could not tokenize never reaches a macro.
    let Ok(tokens) = TokenStream::from_str(text) else {
        return;
    };
    let first = outcomes(&tokens);
    let printed = tokens.to_string();
    let again = TokenStream::from_str(&printed).expect("printed tokens read back");
    assert_eq!(first, outcomes(&again), "printed as {printed:?}");
});

/// What every parser makes of `tokens`: the checked model or the errors'
/// messages, as text (spans left out: the printed form has others).
fn outcomes(tokens: &TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let handler: syn::ItemFn = syn::parse_quote!(
        async fn handler(axum::Json(item): axum::Json<Item>) {}
    );
    let written = quote!(#handler);
    for kind in POLICY_KINDS {
        out.push(show(policy::analyze(
            kind,
            tokens.clone(),
            &handler,
            &written,
        )));
    }
    // `#[validated(..)]` arguments.
    let raw = validated::parse::Handler { function: handler };
    out.push(show(validated::analyze(tokens.clone(), &raw)));
    // The text as a handler.
    if let Ok(function) = syn::parse2::<syn::ItemFn>(tokens.clone()) {
        for kind in POLICY_KINDS {
            out.push(show(policy::analyze(
                kind,
                TokenStream::new(),
                &function,
                tokens,
            )));
        }
        let raw = validated::parse::Handler { function };
        out.push(show(validated::analyze(TokenStream::new(), &raw)));
    }
    // Vocabularies: a variant's options, and the enum's.
    for kind in [vocabulary::Kind::Roles, vocabulary::Kind::Scopes] {
        for input in [
            quote!(
                enum Role {
                    #[portcullis(#tokens)]
                    Admin,
                    #[portcullis(implies(Admin))]
                    User,
                }
            ),
            quote!(
                #[portcullis(#tokens)]
                enum Role {
                    Admin,
                }
            ),
        ] {
            out.push(derive(&input, |input| vocabulary::analyze(kind, input)));
        }
    }
    // `#[validate(..)]` on fields of several shapes, and on the struct.
    for input in [
        quote!(
            struct Item {
                #[validate(#tokens)]
                text: String,
                #[validate(#tokens)]
                count: Option<u32>,
                #[validate(#tokens)]
                tags: Vec<String>,
                #[validate(#tokens)]
                inner: Inner,
            }
        ),
        quote!(
            #[validate(#tokens)]
            struct Item {
                #[validate(skip)]
                text: String,
            }
        ),
    ] {
        out.push(derive(&input, |input| {
            let (root, checked) = validate::analyze(input);
            checked.map(|checked| (root, checked))
        }));
    }
    out
}

fn derive<T: std::fmt::Debug>(
    input: &TokenStream,
    analyze: impl FnOnce(&syn::DeriveInput) -> syn::Result<T>,
) -> String {
    match syn::parse2::<syn::DeriveInput>(input.clone()) {
        Ok(input) => show(analyze(&input)),
        Err(error) => format!("not an item: {error}"),
    }
}

fn show<T: std::fmt::Debug>(result: syn::Result<T>) -> String {
    match result {
        Ok(checked) => format!("ok {checked:?}"),
        Err(errors) => {
            let messages: Vec<String> = errors.into_iter().map(|error| error.to_string()).collect();
            assert!(
                messages.iter().all(|message| !message.trim().is_empty()),
                "an empty error message"
            );
            format!("error {messages:?}")
        }
    }
}
