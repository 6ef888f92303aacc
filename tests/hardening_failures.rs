//! Failures the stack produces: a panic followed by a successful request on a
//! real listener, timeouts (408), and 404, 405, 413 and 415 from axum, all as
//! problem documents rendered by the application's one responder.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt;
use portcullis::hardening::Hardening;
use portcullis::{Problem, ProblemResponder, SecureRouter, Security};
use tower::ServiceExt;

async fn boom() -> &'static str {
    panic!("handler bug")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "late"
}

async fn echo(Json(value): Json<serde_json::Value>) -> Json<serde_json::Value> {
    Json(value)
}

fn routes() -> Router {
    Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/boom", get(boom))
        .route("/slow", get(slow))
        .route("/echo", post(echo))
}

async fn problem_of(response: axum::response::Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn a_panic_answers_500_and_the_server_keeps_serving() {
    let app = Hardening::new().apply(routes()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let run = async {
        for _ in 0..2 {
            let response = client
                .get(format!("http://{addr}/boom"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["code"], "internal_error");
            assert!(!body.to_string().contains("handler bug"));

            let response = client
                .get(format!("http://{addr}/ok"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.text().await.unwrap(), "ok");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .unwrap();

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_slow_handler_answers_408_as_a_problem() {
    let app = Hardening::new()
        .timeout(Duration::from_millis(100))
        .apply(routes())
        .unwrap();
    let started = std::time::Instant::now();
    let response = app
        .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(response.headers().get("x-frame-options").unwrap(), "DENY");
    let (status, problem) = problem_of(response).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(problem["code"], "request_timeout");
    assert_eq!(problem["status"], 408);
}

#[tokio::test]
async fn axum_rejections_become_problems_without_library_text() {
    // Plain axum routes keep axum's own body limit, set here by the app; the
    // stack turns its bare 413 into a problem document.
    let app = Hardening::new()
        .apply(routes().layer(axum::extract::DefaultBodyLimit::max(1024)))
        .unwrap();

    // 405 keeps its Allow header
    let response = app
        .clone()
        .oneshot(Request::delete("/ok").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get(header::ALLOW)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("GET")
    );
    let (status, problem) = problem_of(response).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );

    // 415: not JSON
    let request = Request::post("/echo")
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let (status, problem) = problem_of(app.clone().oneshot(request).await.unwrap()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_media_type")
        )
    );
    assert!(!problem.to_string().contains("Content-Type"), "{problem}");

    // 413: larger than the limit
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(4096));
    let request = Request::post("/echo")
        .header("content-type", "application/json")
        .body(Body::from(big))
        .unwrap();
    let (status, problem) = problem_of(app.clone().oneshot(request).await.unwrap()).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );

    // 400: broken JSON, no parser message
    let request = Request::post("/echo")
        .header("content-type", "application/json")
        .body(Body::from("{\"x\":"))
        .unwrap();
    let (status, problem) = problem_of(app.clone().oneshot(request).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!problem.to_string().contains("EOF"), "{problem}");

    // a JSON body a handler wrote on purpose is left alone
    let request = Request::post("/echo")
        .header("content-type", "application/json")
        .body(Body::from("{\"a\":1}"))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn one_responder_renders_every_error() {
    let responder = ProblemResponder::new(|problem: Problem| {
        problem
            .with_type("https://errors.example.com/problem")
            .to_response()
    });
    let security = Security::builder()
        .problem_responder(responder)
        .build()
        .unwrap();
    let app = SecureRouter::new(security.clone())
        .into_router()
        .merge(routes());
    let app = Hardening::new()
        .security(&security)
        .timeout(Duration::from_millis(100))
        .apply(app)
        .unwrap();

    for (uri, status) in [
        ("/nowhere", StatusCode::NOT_FOUND),
        ("/slow", StatusCode::REQUEST_TIMEOUT),
        ("/boom", StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let response = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (got, problem) = problem_of(response).await;
        assert_eq!(got, status, "{uri}");
        assert_eq!(
            problem["type"], "https://errors.example.com/problem",
            "{uri}"
        );
    }
}
