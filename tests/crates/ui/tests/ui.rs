//! Compile-time behaviour of every macro and of the secure router (trybuild):
//! what compiles, and the message each mistake produces.
//!
//! The cases live in `tests/crates/ui/tests/ui/`. Refresh the `.stderr`
//! snapshots with `TRYBUILD=overwrite cargo test -p ui-tests`
//! and review the diff: it is what users read.
//!
//! The snapshots are pinned to the toolchain CI runs (rustc 1.95); another
//! compiler words its errors differently, so there the test is skipped with
//! that reason rather than failing.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "UI snapshots are pinned to rustc 1.95, the toolchain CI runs"
)]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/policy/pass/*.rs");
    cases.compile_fail("tests/ui/policy/fail/*.rs");
    cases.pass("tests/ui/router/pass/*.rs");
    cases.compile_fail("tests/ui/router/fail/*.rs");
    cases.compile_fail("tests/ui/vocabulary/fail/*.rs");
    cases.pass("tests/ui/validate/pass/*.rs");
    cases.compile_fail("tests/ui/validate/fail/*.rs");
    cases.pass("tests/ui/validated/pass/*.rs");
    cases.compile_fail("tests/ui/validated/fail/*.rs");
}
