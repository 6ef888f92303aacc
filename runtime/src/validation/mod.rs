//! Declarative input validation: `#[derive(Validate)]`, the [`Valid`]
//! extractor and `#[validated]` handlers.
//!
//! A request body is first decoded, then sanitized (`#[validate(sanitize(...))]`), then
//! checked against its rules (`#[validate(...)]`). A handler only runs with a
//! value that passed; otherwise the client gets one of the problem documents
//! of [`ValidationRejection`].

mod decode;
#[doc(hidden)]
pub mod describe;
mod errors;
#[cfg(any(not(feature = "regex"), not(feature = "html"), not(feature = "url")))]
pub mod feature_gate;
#[doc(hidden)]
pub mod probe;
mod rejection;
pub mod rules;
pub mod sanitize;
mod serde_error;
mod valid;
mod validate;

pub use errors::{Path, ValidationErrors};
pub use rejection::{VALIDATION_FAILED, ValidationRejection};
pub use valid::Valid;
pub use validate::Validate;
#[doc(hidden)]
pub use validate::{assert_validate, sanitize_nested, validate_nested};
