//! The parse and check stages of Portcullis' macros, in a plain library.
//!
//! `portcullis-macros` (the proc-macro crate) keeps the entry points and the
//! expand stages; everything that reads what the user wrote and decides
//! whether it is legal lives here, so that a fuzz target or a test can run
//! it without a compiler around it:
//!
//! ```text
//! <macro>::parse   what the user wrote, with spans      (this crate)
//! <macro>::check   a model that only holds legal input  (this crate)
//! <macro>::expand  tokens, cannot fail                   (portcullis-macros)
//! ```
//!
//! Not a public API: its items change with the macros. Use the macros
//! through the `portcullis` facade.

// Every module, type and function is documented; the models' fields and
// variants are named after the syntax they hold.
#![allow(missing_docs)]
// Library code handles every failure; tests may unwrap.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod diagnostics;
pub mod paths;
pub mod policy;
pub mod validate;
pub mod validated;
pub mod vocabulary;
