//! With the minimal features, a validation rule whose crate sits behind a
//! feature (`regex`, `sanitize(html)`) is a compile error that names the
//! feature, never a rule that silently passes. trybuild builds these cases
//! with this crate's own dependency set (`default-features = false`), apart
//! from the workspace's unified features.
//!
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test -p bearer-only`.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "UI snapshots are pinned to rustc 1.95, the toolchain CI runs"
)]
#[test]
fn rules_behind_features_name_the_feature() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/feature_gates/*.rs");
}
