//! The quiet panic hook logs where a panic happened, never its message.
//! (It replaces the process's hook, so it has a test binary of its own.)
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use portcullis::hardening::{Hardening, JsonLogs, PANIC_TARGET, install_quiet_panic_hook};
use tower::ServiceExt;

const SECRET: &str = "token-in-a-panic-message-5d2c";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn leaky() -> &'static str {
    let parsed: Result<u32, String> = std::hint::black_box(Err(format!("cannot parse {SECRET}")));
    let value = parsed.unwrap();
    if value > 0 { "positive" } else { "zero" }
}

#[tokio::test]
async fn the_hook_logs_the_location_without_the_message() {
    let captured = Captured::default();
    let (dispatch, guard) = JsonLogs::to_writer(captured.clone()).build().unwrap();
    tracing::dispatcher::set_global_default(dispatch).unwrap();
    install_quiet_panic_hook();

    let app = Hardening::new()
        .apply(Router::new().route("/leaky", get(leaky)))
        .unwrap();
    let response = app
        .oneshot(Request::get("/leaky").body(Body::empty()).unwrap())
        .await
        .unwrap();
    // back to the default hook, so a failed assertion below prints its message
    drop(std::panic::take_hook());
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    drop(guard);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.contains(SECRET), "{logs}");
    let hook_event = logs
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|event| event["target"] == PANIC_TARGET && event["message"] == "panic")
        .unwrap_or_else(|| panic!("no panic event in {logs}"));
    let location = hook_event["location"].as_str().unwrap();
    assert!(
        location.starts_with("tests/hardening_panic_hook.rs:"),
        "{location}"
    );
}
