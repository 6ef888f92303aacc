//! The showcase's policy manifest, pinned: any change to who can call what
//! shows up in review as a change to `tests/snapshots/`.
//!
//! Refresh after a deliberate change with
//! `UPDATE_SNAPSHOTS=1 cargo test --test manifest`.

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

/// The policy ids as the example names them: this test includes the
/// showcase's `app` module under its own crate name. In the table, the two
/// extra characters come out of the padding after the id, keeping columns.
fn as_in_the_example(text: &str) -> String {
    const HERE: &str = "manifest::app::";
    const THERE: &str = "secure_api::app::";
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let Some(start) = line.find(HERE) else {
            out.push_str(line);
            continue;
        };
        let end = line[start..]
            .find([' ', '"'])
            .map_or(line.len(), |at| start + at);
        out.push_str(&line[..start]);
        out.push_str(THERE);
        out.push_str(&line[start + HERE.len()..end]);
        let rest = &line[end..];
        out.push_str(rest.strip_prefix("  ").unwrap_or(rest));
    }
    out
}

fn check_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_SNAPSHOTS=1", path.display()));
    assert!(
        expected == actual,
        "the policy manifest changed; review and refresh {} with UPDATE_SNAPSHOTS=1\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn the_showcase_manifest_matches_its_snapshot() {
    let manifest = app::secure_router(SECRET).unwrap().manifest();
    check_snapshot(
        "secure_api_manifest.txt",
        &as_in_the_example(&manifest.to_string()),
    );
    let json = serde_json::to_string_pretty(&manifest.to_json()).unwrap() + "\n";
    check_snapshot("secure_api_manifest.json", &as_in_the_example(&json));
}

#[test]
fn the_manifest_names_every_route_once_with_roles_and_scopes() {
    let router = app::secure_router(SECRET).unwrap();
    let manifest = router.manifest();
    assert_eq!(manifest.entries().len(), router.routes().len());
    let delete = manifest
        .entries()
        .iter()
        .find(|entry| entry.path == "/users/{id}")
        .unwrap();
    assert_eq!(delete.method, "DELETE");
    assert_eq!(delete.requirement, "all(role(admin), scope(users:delete))");
    assert_eq!(delete.scheme, Some("bearer"));
    assert!(!delete.csrf);
    let basic = manifest
        .entries()
        .iter()
        .find(|entry| entry.path == "/secure-data")
        .unwrap();
    assert_eq!(basic.scheme, Some("basic"));
    let docs = manifest
        .entries()
        .iter()
        .find(|entry| entry.path == "/docs")
        .unwrap();
    assert_eq!(docs.requirement, "public");
    assert_eq!(docs.policy, "portcullis::openapi::docs");
}
