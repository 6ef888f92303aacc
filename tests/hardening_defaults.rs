//! The hardening defaults against abuse: `Cache-Control: no-store`, request
//! ids only from trusted proxies, long paths cut in the access log, a log
//! sink that stalls without holding requests (lines dropped and counted,
//! audit events refused with 503) and 413 for an oversized `/token` body.

mod common;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::response::IntoResponse;
use common::*;
use http::{StatusCode, header};
use portcullis::hardening::{
    ACCESS_TARGET, ForwardedHeaders, Hardening, JsonLogs, LOG_WRITER_TARGET, MAX_LOGGED_PATH,
    ServerLimits, serve,
};
use portcullis::oauth::PasswordGrant;
use portcullis::prelude::*;
use portcullis::routing::{get, post};
use portcullis::{AUDIT_TARGET, Principal};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const STATIC_CACHING: &str = "public, max-age=86400";

#[public]
async fn health() -> &'static str {
    "ok"
}

#[authenticated]
async fn me(caller: Principal) -> axum::Json<Value> {
    axum::Json(serde_json::json!({ "username": caller.subject() }))
}

#[requires_role("admin")]
async fn stats() -> &'static str {
    "{}"
}

#[public]
async fn logo() -> axum::response::Response {
    ([(header::CACHE_CONTROL, STATIC_CACHING)], "logo").into_response()
}

#[public]
async fn token_endpoint(grant: PasswordGrant) -> String {
    grant.username().to_owned()
}

fn routes(security: &Security) -> axum::Router {
    SecureRouter::new(security.clone())
        .route("/health", get(health))
        .route("/users/me", get(me))
        .route("/admin/stats", get(stats))
        .route("/static/logo", get(logo))
        .route("/token", post(token_endpoint))
        .into_router()
}

fn app() -> axum::Router {
    let security = security();
    Hardening::new()
        .security(&security)
        .apply(routes(&security))
        .unwrap()
}

/// A log sink that takes lines only once it is opened; until then every
/// write blocks, like a pipe nobody reads.
#[derive(Clone, Default)]
struct Gate {
    open: Arc<(Mutex<bool>, Condvar)>,
    written: Arc<Mutex<Vec<u8>>>,
}

impl Gate {
    fn opened() -> Self {
        let gate = Self::default();
        gate.open();
        gate
    }

    fn open(&self) {
        let (open, changed) = &*self.open;
        *open.lock().unwrap() = true;
        changed.notify_all();
    }

    fn lines(&self) -> Vec<Value> {
        let written = self.written.lock().unwrap();
        String::from_utf8(written.clone())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Write for Gate {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let (open, changed) = &*self.open;
        let mut is_open = open.lock().unwrap();
        while !*is_open {
            is_open = changed.wait(is_open).unwrap();
        }
        drop(is_open);
        self.written.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn access_lines(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|line| line["target"] == ACCESS_TARGET)
        .collect()
}

#[tokio::test]
async fn answers_are_not_cached_unless_the_route_says_so() {
    let app = app();
    let me = send(&app, bearer("/users/me", &token("alice", &["user"], ""))).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "alice");
    assert_eq!(me.header("cache-control"), Some("no-store"));

    let refused = send(&app, request("/users/me").body(Body::empty()).unwrap()).await;
    refused.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    let missing = send(&app, request("/nowhere").body(Body::empty()).unwrap()).await;
    missing.problem(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(missing.header("cache-control"), Some("no-store"));

    // a static asset keeps the caching it asks for
    let logo = send(&app, request("/static/logo").body(Body::empty()).unwrap()).await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.header("cache-control"), Some(STATIC_CACHING));
}

#[tokio::test]
async fn a_client_request_id_is_replaced_and_logged_apart() {
    let sink = Gate::opened();
    let (dispatch, guard) = JsonLogs::to_writer(sink.clone()).build().unwrap();
    // trusting the loopback proxy changes nothing without a known peer
    let security = Security::builder()
        .bearer(verifier())
        .forwarded_headers(ForwardedHeaders::trust_from([IpAddr::V4(
            Ipv4Addr::LOCALHOST,
        )]))
        .build()
        .unwrap();
    let app = Hardening::new()
        .security(&security)
        .apply(routes(&security))
        .unwrap();
    let answer = {
        let _logs = tracing::dispatcher::set_default(&dispatch);
        send(
            &app,
            request("/health")
                .header(
                    "x-request-id",
                    http::HeaderValue::from_bytes(b"chosen-by-the-client\xff").unwrap(),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await
    };
    assert_eq!(answer.status, StatusCode::OK);
    let id = answer.header("x-request-id").unwrap().to_owned();
    assert_ne!(id, "chosen-by-the-client");
    assert_eq!(id.len(), 36, "{id}");

    drop(guard);
    let lines = sink.lines();
    let access = access_lines(&lines);
    assert_eq!(access.len(), 1, "{lines:?}");
    assert_eq!(access[0]["request_id"], id.as_str());
    // sanitized: the byte that is not visible ASCII is not written as it came
    assert_eq!(access[0]["client_request_id"], "chosen-by-the-client?");
}

#[public(rate_limit("ping", 1 per minute, key = client))]
async fn ping() -> &'static str {
    "pong"
}

/// Sends `GET /ping` with `X-Request-Id: id` and `X-Forwarded-For:
/// forwarded` to `addr` from the loopback address `source`; returns the
/// status and the answer's request id.
async fn ping_from(source: Ipv4Addr, addr: SocketAddr, id: &str, forwarded: &str) -> (u16, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(IpAddr::V4(source), 0)).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let request = format!(
        "GET /ping HTTP/1.1\r\nhost: localhost\r\nx-request-id: {id}\r\n\
         x-forwarded-for: {forwarded}\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    let id = answer
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("x-request-id")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no request id in {answer:?}"));
    (status, id)
}

/// One setting, `SecurityBuilder::forwarded_headers`, decides both whose
/// request ids the hardening stack keeps and whose forwarded address the
/// rate limiter counts; served for real, so the peer address is known.
#[tokio::test]
async fn one_trusted_proxy_setting_covers_request_ids_and_rate_limits() {
    let proxy = Ipv4Addr::LOCALHOST;
    let direct = Ipv4Addr::new(127, 0, 0, 2);
    let sink = Gate::opened();
    let (dispatch, guard) = JsonLogs::to_writer(sink.clone()).build().unwrap();
    let security = Security::builder()
        .forwarded_headers(ForwardedHeaders::trust_from([proxy]))
        .build()
        .unwrap();
    let app = Hardening::new()
        .security(&security)
        .apply(
            SecureRouter::new(security.clone())
                .route("/ping", get(ping))
                .into_router(),
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ServerLimits::new().build().unwrap();
    // the current-thread runtime runs the server here, so the logs land in `sink`
    let _logs = tracing::dispatcher::set_default(&dispatch);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, app, &limits, async {
            let _ = stopped.await;
        })
        .await
    });

    // from the trusted proxy: its id is kept, and each forwarded client has a bucket
    assert_eq!(
        ping_from(proxy, addr, "proxy-id-1", "203.0.113.9").await,
        (200, "proxy-id-1".to_owned())
    );
    assert_eq!(
        ping_from(proxy, addr, "proxy-id-2", "198.51.100.7").await,
        (200, "proxy-id-2".to_owned())
    );
    let (status, id) = ping_from(proxy, addr, "proxy-id-3", "203.0.113.9").await;
    assert_eq!((status, id.as_str()), (429, "proxy-id-3"));

    // from another peer: a fresh id, and the bucket is the peer's whatever it claims
    let (status, fresh) = ping_from(direct, addr, "client-id-4", "192.0.2.50").await;
    assert_eq!(status, 200);
    assert_ne!(fresh, "client-id-4");
    assert_eq!(fresh.len(), 36, "{fresh}");
    let (status, _) = ping_from(direct, addr, "client-id-5", "192.0.2.51").await;
    assert_eq!(status, 429);

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    drop(_logs);
    drop(guard);
    let lines = sink.lines();
    let access = access_lines(&lines);
    assert_eq!(access.len(), 5, "{lines:?}");
    // the kept ids are the request ids, with no client value logged apart
    assert_eq!(access[0]["request_id"], "proxy-id-1");
    assert!(access[0].get("client_request_id").is_none(), "{lines:?}");
    // the refused id is logged apart, next to the fresh one
    let refused = access
        .iter()
        .find(|line| line["request_id"] == fresh.as_str())
        .unwrap_or_else(|| panic!("no line for {fresh}: {lines:?}"));
    assert_eq!(refused["client_request_id"], "client-id-4");
}

#[tokio::test]
async fn long_paths_are_cut_in_the_access_log() {
    let sink = Gate::opened();
    let (dispatch, guard) = JsonLogs::to_writer(sink.clone()).build().unwrap();
    let app = app();
    let path = format!("/{}", "a".repeat(20 * 1024));
    let answer = {
        let _logs = tracing::dispatcher::set_default(&dispatch);
        send(&app, request(&path).body(Body::empty()).unwrap()).await
    };
    answer.problem(StatusCode::NOT_FOUND, "not_found");
    drop(guard);
    let lines = sink.lines();
    let access = access_lines(&lines);
    assert_eq!(access.len(), 1);
    let logged = access[0]["path"].as_str().unwrap();
    assert_eq!(logged.len(), MAX_LOGGED_PATH);
    assert!(path.starts_with(logged));
    assert_eq!(access[0]["path_truncated"], true);
    assert_eq!(access[0]["path_len"], path.len());
    assert!(lines.iter().all(|line| line.to_string().len() < 2048));
}

#[tokio::test]
async fn a_stalled_log_sink_never_holds_a_request() {
    const REQUESTS: u64 = 40;
    const QUEUE: usize = 4;
    let sink = Gate::default();
    let (dispatch, guard) = JsonLogs::to_writer(sink.clone())
        .filter("warn,portcullis::access=info")
        .queue_capacity(QUEUE)
        .build()
        .unwrap();
    let app = app();
    {
        let _logs = tracing::dispatcher::set_default(&dispatch);
        let all = async {
            for _ in 0..REQUESTS {
                let answer = send(&app, request("/health").body(Body::empty()).unwrap()).await;
                assert_eq!(answer.status, StatusCode::OK);
            }
        };
        // a bound on a hang, not a measurement: the sink never takes a line
        tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("a request waited for the stalled log sink");
    }
    let dropped = guard.dropped_lines();
    // the queue, plus the line the writer holds while the sink is stalled
    assert!(dropped >= REQUESTS - QUEUE as u64 - 1, "{dropped}");

    sink.open();
    drop(guard);
    let lines = sink.lines();
    let written = access_lines(&lines).len() as u64;
    assert_eq!(written + dropped, REQUESTS, "{lines:?}");
    let reported: u64 = lines
        .iter()
        .filter(|line| line["target"] == LOG_WRITER_TARGET)
        .map(|line| {
            assert_eq!(line["level"], "WARN");
            line["dropped"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(reported, dropped, "{lines:?}");
}

#[tokio::test]
async fn a_full_audit_queue_refuses_requests_with_503() {
    let main = Gate::opened();
    let audit = Gate::default();
    let (dispatch, guard) = JsonLogs::to_writer(main.clone())
        .audit_to(audit.clone())
        .audit_queue_capacity(1)
        .build()
        .unwrap();
    let app = app();
    let admin = token("root", &["admin"], "");
    let mut served = 0;
    let mut refusal = None;
    {
        let _logs = tracing::dispatcher::set_default(&dispatch);
        // one line in the writer's hands, one in the queue: the third at the latest is refused
        for _ in 0..3 {
            let answer = send(&app, bearer("/admin/stats", &admin)).await;
            if answer.status == StatusCode::OK {
                served += 1;
            } else {
                refusal = Some(answer);
                break;
            }
        }
    }
    let refusal = refusal.expect("no request was refused while the audit sink was stalled");
    refusal.problem(StatusCode::SERVICE_UNAVAILABLE, "audit_unavailable");
    assert_eq!(refusal.header("retry-after"), Some("1"));
    assert_eq!(refusal.header("cache-control"), Some("no-store"));
    assert!((1..=2).contains(&served), "{served}");
    assert_eq!(guard.refused_audit_events(), 1);
    // a denial needs its audit event too: 503 rather than an unrecorded 401
    let denied = {
        let _logs = tracing::dispatcher::set_default(&dispatch);
        send(&app, bearer("/admin/stats", "not-a-token")).await
    };
    denied.problem(StatusCode::SERVICE_UNAVAILABLE, "audit_unavailable");
    assert_eq!(guard.refused_audit_events(), 2);

    audit.open();
    drop(guard);
    let lines = audit.lines();
    let decisions = lines
        .iter()
        .filter(|line| line["target"] == AUDIT_TARGET)
        .inspect(|line| assert_eq!(line["outcome"], "allow"))
        .count();
    assert_eq!(decisions, served, "{lines:?}");
    let reported: u64 = lines
        .iter()
        .filter(|line| line["target"] == LOG_WRITER_TARGET)
        .map(|line| line["refused"].as_u64().unwrap())
        .sum();
    assert_eq!(reported, 2, "{lines:?}");
    // the refused request is in the access log, as a 503
    let access = main.lines();
    assert!(
        access_lines(&access)
            .iter()
            .any(|line| line["status"] == 503),
        "{access:?}"
    );
}

#[tokio::test]
async fn an_oversized_token_body_is_413() {
    let security = Security::builder()
        .bearer(verifier())
        .body_limit(1024)
        .build()
        .unwrap();
    let app = Hardening::new()
        .security(&security)
        .apply(routes(&security))
        .unwrap();
    let padding = "x".repeat(4096);
    let large = send(
        &app,
        token_form(&format!(
            "grant_type=password&username=alice&password=alice-pass&pad={padding}"
        )),
    )
    .await;
    large.problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(large.header("cache-control"), Some("no-store"));

    // within the limit, a grant is read, and a malformed one is still RFC 6749's 400
    let fits = send(
        &app,
        token_form("grant_type=password&username=alice&password=alice-pass"),
    )
    .await;
    assert_eq!((fits.status, fits.text.as_str()), (StatusCode::OK, "alice"));
    let malformed = send(&app, token_form("username=alice")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"], "invalid_request");
}
