//! Compile-time behaviour of `#[derive(Validate)]` and `#[validated]`:
//! what compiles, and the message each mistake produces.

#![allow(missing_docs, clippy::unwrap_used)]

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/validate/pass/*.rs");
    cases.compile_fail("tests/ui/validate/fail/*.rs");
    cases.pass("tests/ui/validated/pass/*.rs");
    cases.compile_fail("tests/ui/validated/fail/*.rs");
}
