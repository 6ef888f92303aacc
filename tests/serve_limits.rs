//! `hardening::serve` on a real 127.0.0.1 listener: a slow request head is
//! cut off by the header-read timeout, a trickled body by the body
//! deadline, connections beyond the cap wait, shutdown lets open requests
//! finish, oversized heads get 431, and handlers see the peer address.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use portcullis::hardening::{ServerLimits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// A bound on every wait, so that a broken limit fails the test rather
/// than hanging it.
const LIMIT: Duration = Duration::from_secs(10);

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(app: Router, limits: ServerLimits) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = limits.build().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve(listener, app, &limits, async move {
            let _ = stopped.await;
        })
        .await
    });
    Server {
        addr,
        stop: Some(stop),
        task,
    }
}

impl Server {
    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(LIMIT, self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

fn app() -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route(
            "/upload",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
}

/// Reads until the server closes the connection; everything it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(LIMIT, stream.read_to_end(&mut answer))
        .await
        .expect("the server kept the connection open")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Sends one request and reads its answer (the connection is closed after).
async fn get_once(server: &Server, path: &str) -> (TcpStream, String) {
    let mut stream = server.connect().await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut stream).await;
    (stream, answer)
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off_by_the_header_timeout() {
    let server = start(
        app(),
        ServerLimits::new().header_read_timeout(Duration::from_millis(300)),
    )
    .await;
    let mut stream = server.connect().await;
    // Half a request head, and then nothing.
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: 1")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_by_the_header_timeout() {
    let server = start(
        app(),
        ServerLimits::new().header_read_timeout(Duration::from_millis(300)),
    )
    .await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    // One answer, then the server closes the idle connection.
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_by_the_total_deadline() {
    let server = start(
        app(),
        ServerLimits::new()
            .header_read_timeout(Duration::from_secs(5))
            .body_deadline(Duration::from_millis(400)),
    )
    .await;
    let stream = server.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    const BODY: usize = 200;
    let (sent_tx, mut sent_rx) = mpsc::unbounded_channel();
    let trickle = tokio::spawn(async move {
        let head = format!("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: {BODY}\r\n\r\n");
        writer.write_all(head.as_bytes()).await.unwrap();
        // One byte every 20 ms: each arrives well within any idle timeout,
        // but the whole body would take four seconds.
        for sent in 1..=BODY {
            if writer.write_all(b"x").await.is_err() {
                break;
            }
            let _ = sent_tx.send(sent);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut answer = Vec::new();
    tokio::time::timeout(LIMIT, reader.read_to_end(&mut answer))
        .await
        .expect("the server kept the connection open")
        .unwrap();
    let mut sent = 0;
    while let Ok(count) = sent_rx.try_recv() {
        sent = count;
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        sent < BODY,
        "the body was read to its end ({sent} bytes): {answer}"
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    trickle.abort();
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let server = start(
        app(),
        ServerLimits::new()
            .max_connections(1)
            .header_read_timeout(Duration::from_secs(30)),
    )
    .await;
    // The first connection holds the only slot (kept alive, idle).
    let mut first = server.connect().await;
    first
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0_u8; 512];
    let read = tokio::time::timeout(LIMIT, first.read(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    assert!(buffer[..read].starts_with(b"HTTP/1.1 200 OK"));
    // The second is accepted by the kernel but not served meanwhile.
    let mut second = server.connect().await;
    second
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let early = tokio::time::timeout(Duration::from_millis(300), second.read(&mut buffer)).await;
    assert!(early.is_err(), "served beyond the connection cap");
    // Once the first goes, the second is served.
    drop(first);
    let answer = read_to_close(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_open_requests_finish_and_stops_accepting() {
    let (started_tx, mut started) = mpsc::unbounded_channel::<()>();
    let app = app().route(
        "/slow",
        get(move || {
            let started_tx = started_tx.clone();
            async move {
                let _ = started_tx.send(());
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }
        }),
    );
    let mut server = start(app, ServerLimits::new()).await;
    let addr = server.addr;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    tokio::time::timeout(LIMIT, started.recv())
        .await
        .unwrap()
        .unwrap();
    let _ = server.stop.take().unwrap().send(());
    // The open request still gets its answer, then the connection closes.
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("done"), "{answer}");
    tokio::time::timeout(LIMIT, &mut server.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn an_oversized_request_head_is_refused_with_431() {
    let server = start(app(), ServerLimits::new().max_header_bytes(8 * 1024)).await;
    let mut stream = server.connect().await;
    let big = "a".repeat(16 * 1024);
    let request = format!("GET /health HTTP/1.1\r\nHost: test\r\nX-Big: {big}\r\n\r\n");
    // The server may close before it has read everything.
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_to_close(&mut stream).await;
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    server.stop().await;
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let server = start(app(), ServerLimits::new()).await;
    let (stream, answer) = get_once(&server, "/peer").await;
    let local = stream.local_addr().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with(&local.to_string()), "{answer} vs {local}");
    server.stop().await;
}

#[test]
fn zero_limits_are_refused() {
    assert!(ServerLimits::new().max_connections(0).build().is_err());
    assert!(
        ServerLimits::new()
            .header_read_timeout(Duration::ZERO)
            .build()
            .is_err()
    );
    assert!(
        ServerLimits::new()
            .body_deadline(Duration::ZERO)
            .build()
            .is_err()
    );
    assert!(ServerLimits::new().max_header_bytes(100).build().is_err());
}
