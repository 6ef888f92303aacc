//! Compile-time behaviour of the macros and the secure router (trybuild).
//!
//! Refresh the `.stderr` snapshots with `TRYBUILD=overwrite cargo test --test ui`
//! and review the diff: it is what users read.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/policy/pass/*.rs");
    cases.compile_fail("tests/ui/policy/fail/*.rs");
    cases.compile_fail("tests/ui/router/fail/*.rs");
    cases.compile_fail("tests/ui/vocabulary/fail/*.rs");
}
