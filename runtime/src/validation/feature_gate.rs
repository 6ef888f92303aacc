//! Compile-time gates for the rules whose crates sit behind a Cargo feature.
//!
//! With the feature off, the rule's function still exists, so the code
//! `#[derive(Validate)]` writes for `regex = …`, `url` or `sanitize(html)` still
//! resolves; it then meets a bound nothing implements, and rustc's error
//! names the feature to turn on instead of saying "cannot find function".
//! Nothing can implement these traits outside this crate (they are sealed),
//! so the gated functions can never be called.

mod sealed {
    pub trait Sealed {}
}

/// Implemented by nothing: the `regex` rule was used without the `regex` feature.
#[diagnostic::on_unimplemented(
    message = "the `regex` rule needs Portcullis' `regex` feature",
    label = "the `regex` feature is off",
    note = "turn the feature on: `portcullis = {{ version = \"0.1\", features = [\"regex\"] }}`"
)]
pub trait RegexFeatureOff: sealed::Sealed {}

/// Implemented by nothing: `sanitize(html)` was used without the `html` feature.
#[diagnostic::on_unimplemented(
    message = "`sanitize(html)` needs Portcullis' `html` feature",
    label = "the `html` feature is off",
    note = "turn the feature on: `portcullis = {{ version = \"0.1\", features = [\"html\"] }}`"
)]
pub trait HtmlFeatureOff: sealed::Sealed {}

/// Implemented by nothing: the `url` rule was used without the `url` feature.
#[diagnostic::on_unimplemented(
    message = "the `url` rule needs Portcullis' `url` feature",
    label = "the `url` feature is off",
    note = "turn the feature on: `portcullis = {{ version = \"0.1\", features = [\"url\"] }}`"
)]
pub trait UrlFeatureOff: sealed::Sealed {}
