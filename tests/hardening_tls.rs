//! HTTPS on a real 127.0.0.1 listener with a certificate made by the test
//! (rcgen), the TLS 1.2 floor, and the plain-HTTP listener that redirects
//! with 308 only for configured host names.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use portcullis::ConfigError;
use portcullis::hardening::{
    Hardening, HttpsRedirect, ServerLimits, TlsConfig, serve_https, serve_tls,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const LIMIT: Duration = Duration::from_secs(10);

struct TempPem {
    dir: PathBuf,
}

impl TempPem {
    fn write(cert: &str, key: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir =
            std::env::temp_dir().join(format!("portcullis-tls-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cert.pem"), cert).unwrap();
        std::fs::write(dir.join("key.pem"), key).unwrap();
        Self { dir }
    }
}

impl Drop for TempPem {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Https {
    addr: SocketAddr,
    cert_pem: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start_https() -> Https {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = certified.cert.pem();
    let files = TempPem::write(&cert_pem, &certified.signing_key.serialize_pem());
    let tls =
        TlsConfig::from_pem_files(files.dir.join("cert.pem"), files.dir.join("key.pem")).unwrap();
    drop(files);

    let app = Hardening::new()
        .apply(Router::new().route("/health", get(|| async { "ok" })))
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve_https(listener, &tls, app, async move {
            let _ = stopped.await;
        })
        .await
    });
    Https {
        addr,
        cert_pem,
        stop: Some(stop),
        task,
    }
}

impl Https {
    fn client(
        &self,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> reqwest::Client {
        let builder = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(self.cert_pem.as_bytes()).unwrap()])
            .resolve("localhost", self.addr)
            .timeout(LIMIT);
        configure(builder).build().unwrap()
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

#[tokio::test]
async fn https_answers_with_tls_1_3_and_1_2() {
    let server = start_https().await;
    let url = format!("https://localhost:{}/health", server.addr.port());
    let check = async {
        for client in [
            server.client(|b| b),
            server.client(|b| b.max_tls_version(reqwest::tls::Version::TLS_1_2)),
            server.client(|b| b.min_tls_version(reqwest::tls::Version::TLS_1_3)),
        ] {
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                response.headers()["strict-transport-security"],
                "max-age=63072000; includeSubDomains"
            );
            assert_eq!(response.text().await.unwrap(), "ok");
        }
    };
    tokio::time::timeout(LIMIT, check).await.unwrap();
    server.stop().await;
}

/// A ClientHello for `version` without a `supported_versions` extension,
/// offering one TLS 1.2 suite and the extensions an ECDSA P-256 server needs.
fn client_hello(version: [u8; 2]) -> Vec<u8> {
    let mut body = version.to_vec();
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&[0x00, 0x02, 0xc0, 0x2b]); // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    let extensions: &[u8] = &[
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00,
        0x17, // supported_groups: x25519, P-256
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats: uncompressed
        0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04,
        0x03, // signature_algorithms: ecdsa_secp256r1_sha256
        0x00, 0x17, 0x00, 0x00, // extended_master_secret
    ];
    body.extend_from_slice(&u16::try_from(extensions.len()).unwrap().to_be_bytes());
    body.extend_from_slice(extensions);
    let mut handshake = vec![0x01, 0x00, 0x00, u8::try_from(body.len()).unwrap()];
    handshake.extend_from_slice(&body);
    let mut record = vec![
        0x16,
        0x03,
        0x01,
        0x00,
        u8::try_from(handshake.len()).unwrap(),
    ];
    record.extend_from_slice(&handshake);
    record
}

async fn first_record(addr: SocketAddr, hello: &[u8]) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(hello).await.unwrap();
    let mut answer = vec![0; 7];
    let exchange = async {
        stream.read_exact(&mut answer).await.unwrap();
    };
    tokio::time::timeout(LIMIT, exchange).await.unwrap();
    answer
}

#[tokio::test]
async fn tls_below_1_2_is_refused() {
    let server = start_https().await;
    // the same hello as TLS 1.2 gets a ServerHello (a handshake record) ...
    let answer = first_record(server.addr, &client_hello([0x03, 0x03])).await;
    assert_eq!((answer[0], answer[5]), (0x16, 0x02), "{answer:?}");
    // ... and as TLS 1.1 or 1.0 an alert whose description is protocol_version (70)
    for version in [[0x03, 0x02], [0x03, 0x01]] {
        let answer = first_record(server.addr, &client_hello(version)).await;
        assert_eq!((answer[0], answer[6]), (0x15, 70), "{answer:?}");
    }
    server.stop().await;
}

async fn start_redirect(
    https_port: u16,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    JoinHandle<std::io::Result<()>>,
) {
    let redirect = HttpsRedirect::to_hosts(["localhost"])
        .https_port(https_port)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, redirect)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (addr, stop, task)
}

async fn raw_request(addr: SocketAddr, host: &str, target: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn plain_http_redirects_to_https_for_known_hosts_only() {
    let server = start_https().await;
    let https_port = server.addr.port();
    let (http, stop, task) = start_redirect(https_port).await;

    let run = async {
        // a browser following the redirect ends on the HTTPS listener
        let client = server.client(|b| b.resolve("localhost", http));
        let response = client
            .get(format!("http://localhost:{}/health", http.port()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.url().scheme(), "https");
        assert_eq!(response.url().port(), Some(https_port));

        // 308 keeps path and query; the port in Host is not copied
        let answer = raw_request(http, "LOCALHOST:9999", "/items/7?sort=asc&page=2").await;
        assert!(answer.starts_with("HTTP/1.1 308"), "{answer}");
        let location =
            format!("location: https://localhost:{https_port}/items/7?sort=asc&page=2\r\n");
        assert!(answer.to_ascii_lowercase().contains(&location), "{answer}");

        // a forged Host gets no redirect at all
        for (host, target) in [
            ("evil.example", "/"),
            ("localhost.evil.example", "/"),
            ("localhost", "http://evil.example/"),
        ] {
            let answer = raw_request(http, host, target).await;
            assert!(
                answer.starts_with("HTTP/1.1 421"),
                "{host} {target}: {answer}"
            );
            assert!(
                !answer.to_ascii_lowercase().contains("location:"),
                "{answer}"
            );
            assert!(answer.contains("\"code\":\"unknown_host\""), "{answer}");
        }
    };
    tokio::time::timeout(LIMIT, run).await.unwrap();

    let _ = stop.send(());
    tokio::time::timeout(LIMIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    server.stop().await;
}

#[test]
fn unusable_key_material_is_a_config_error() {
    assert!(matches!(
        TlsConfig::from_pem(b"", b""),
        Err(ConfigError::Tls(_))
    ));
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let mismatched = TlsConfig::from_pem(
        certified.cert.pem().as_bytes(),
        other.signing_key.serialize_pem().as_bytes(),
    );
    assert!(matches!(mismatched, Err(ConfigError::Tls(_))));
    let missing =
        TlsConfig::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem").unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("cannot read the certificate file"),
        "{missing}"
    );
    let debug = format!(
        "{:?}",
        TlsConfig::from_pem(
            certified.cert.pem().as_bytes(),
            certified.signing_key.serialize_pem().as_bytes()
        )
        .unwrap()
    );
    assert!(!debug.contains("PRIVATE"), "{debug}");
}

#[tokio::test]
async fn a_connection_without_a_handshake_is_closed_by_the_header_timeout() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = TlsConfig::from_pem(
        certified.cert.pem().as_bytes(),
        certified.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ServerLimits::new()
        .header_read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let app = Router::new().route("/health", get(|| async { "ok" }));
    let server = tokio::spawn(async move {
        serve_tls(listener, &tls, app, &limits, std::future::pending()).await
    });
    // Connects, and never sends a ClientHello.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut received = Vec::new();
    let closed = tokio::time::timeout(LIMIT, stream.read_to_end(&mut received)).await;
    assert!(closed.is_ok(), "the server kept the silent connection open");
    assert!(received.is_empty());
    server.abort();
}
