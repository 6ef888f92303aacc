//! Serving an application over TCP with connection-level limits: a
//! header-read timeout (slowloris), a header size cap, a connection cap, a
//! total deadline on request bodies, graceful shutdown and, over TLS, HTTP/2
//! stream and header-list limits.
//!
//! `axum::serve` sets no timer, so hyper's header-read timeout never applies
//! there: a client that sends half a request line holds its connection
//! forever. [`serve`] (plain HTTP/1.1) and `serve_tls` (HTTPS with HTTP/2)
//! are the same loop with every limit set.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::{DeadlineBody, RequestBodyDeadline};

use crate::config_error::ConfigError;

/// How long a client may take to send a request's headers by default; it
/// also bounds how long an idle keep-alive connection stays open.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest request head (request line and headers) by default: 16 KiB.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;
/// How many connections are served at once by default; more wait in the
/// listen backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// How long a request body may take to arrive, in total, by default.
pub const DEFAULT_BODY_DEADLINE: Duration = Duration::from_secs(60);
/// How long open requests may finish after shutdown by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// HTTP/2 streams open at once on one connection by default.
pub const DEFAULT_H2_MAX_CONCURRENT_STREAMS: u32 = 100;
/// The largest HTTP/2 header list (decoded) by default: 16 KiB.
pub const DEFAULT_H2_MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;

/// Connection-level limits for [`serve`] and `serve_tls`.
///
/// | setting | default |
/// |---|---|
/// | [`header_read_timeout`](Self::header_read_timeout): time to send the request head; also the keep-alive idle limit and the TLS handshake limit | 30 s |
/// | [`max_header_bytes`](Self::max_header_bytes): request line and headers (larger: 431) | 16 KiB |
/// | [`max_connections`](Self::max_connections): connections served at once | 1024 |
/// | [`body_deadline`](Self::body_deadline): total time for a request body, however it trickles | 60 s |
/// | [`shutdown_grace`](Self::shutdown_grace): time open requests get after shutdown | 10 s |
/// | [`h2_max_concurrent_streams`](Self::h2_max_concurrent_streams) (TLS only) | 100 |
/// | [`h2_max_header_list_bytes`](Self::h2_max_header_list_bytes) (TLS only) | 16 KiB |
///
/// ```
/// use std::time::Duration;
/// use portcullis::hardening::ServerLimits;
///
/// let limits = ServerLimits::new()
///     .header_read_timeout(Duration::from_secs(10))
///     .max_connections(256)
///     .build()
///     .unwrap();
/// # let _ = limits;
/// assert!(ServerLimits::new().max_connections(0).build().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ServerLimits {
    header_read_timeout: Duration,
    max_header_bytes: usize,
    max_connections: usize,
    body_deadline: Duration,
    shutdown_grace: Duration,
    h2_max_concurrent_streams: u32,
    h2_max_header_list_bytes: u32,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerLimits {
    /// The defaults in the table above.
    pub fn new() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            body_deadline: DEFAULT_BODY_DEADLINE,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            h2_max_concurrent_streams: DEFAULT_H2_MAX_CONCURRENT_STREAMS,
            h2_max_header_list_bytes: DEFAULT_H2_MAX_HEADER_LIST_BYTES,
        }
    }

    /// How long a client may take to send a request head; an idle
    /// keep-alive connection and a TLS handshake get the same time.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The largest request head in bytes; at least 8 KiB (hyper's minimum
    /// read buffer).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// How many connections are served at once.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// The total time a request body may take to arrive; a body still
    /// arriving then fails, and its request with it.
    pub fn body_deadline(mut self, deadline: Duration) -> Self {
        self.body_deadline = deadline;
        self
    }

    /// How long open requests may finish after the shutdown signal.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// HTTP/2 streams open at once on one connection (TLS only).
    pub fn h2_max_concurrent_streams(mut self, streams: u32) -> Self {
        self.h2_max_concurrent_streams = streams;
        self
    }

    /// The largest HTTP/2 header list in bytes (TLS only).
    pub fn h2_max_header_list_bytes(mut self, bytes: u32) -> Self {
        self.h2_max_header_list_bytes = bytes;
        self
    }

    /// Checks the limits: no zero durations or counts, a header cap of at
    /// least 8 KiB.
    pub fn build(self) -> Result<CheckedServerLimits, ConfigError> {
        if self.header_read_timeout.is_zero() || self.body_deadline.is_zero() {
            return Err(ConfigError::Limit(
                "a server timeout is zero; give positive durations (30 s for headers, 60 s for bodies by default)",
            ));
        }
        if self.max_connections == 0 || self.h2_max_concurrent_streams == 0 {
            return Err(ConfigError::Limit(
                "the server allows zero connections or HTTP/2 streams; allow at least one",
            ));
        }
        if self.max_header_bytes < 8192 || self.h2_max_header_list_bytes < 1024 {
            return Err(ConfigError::Limit(
                "the header size cap is below 8 KiB (HTTP/1) or 1 KiB (HTTP/2); raise it",
            ));
        }
        Ok(CheckedServerLimits(Arc::new(self)))
    }
}

/// [`ServerLimits`] that passed [`ServerLimits::build`].
#[derive(Debug, Clone)]
pub struct CheckedServerLimits(Arc<ServerLimits>);

impl Default for CheckedServerLimits {
    fn default() -> Self {
        Self(Arc::new(ServerLimits::new()))
    }
}

impl CheckedServerLimits {
    /// The limits.
    pub fn limits(&self) -> &ServerLimits {
        &self.0
    }
}

/// Serves `app` over plain HTTP/1.1 on `listener` with `limits`, until
/// `shutdown` completes; then stops accepting and lets open requests finish
/// for the shutdown grace.
///
/// Each request carries [`ConnectInfo<SocketAddr>`] of its connection (rate
/// limits and the password hashing gate key on it).
///
/// ```no_run
/// # async fn run(app: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
/// use portcullis::hardening::{ServerLimits, serve};
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let limits = ServerLimits::new().build()?;
/// serve(listener, app, &limits, async { let _ = tokio::signal::ctrl_c().await; }).await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    limits: &CheckedServerLimits,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    run(listener, app, limits, shutdown, Transport::Plain).await
}

/// How accepted connections are spoken to.
#[derive(Clone)]
pub(crate) enum Transport {
    Plain,
    #[cfg(feature = "tls")]
    Tls(tokio_rustls::TlsAcceptor),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain => "Plain",
            #[cfg(feature = "tls")]
            Self::Tls(_) => "Tls",
        })
    }
}

/// The hyper builders: HTTP/1.1 always, HTTP/2 for TLS connections that
/// negotiated `h2`.
#[derive(Clone)]
struct Builders {
    http1: Builder<TokioExecutor>,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    http2: Builder<TokioExecutor>,
}

impl Builders {
    fn new(limits: &ServerLimits) -> Self {
        let mut http1 = Builder::new(TokioExecutor::new()).http1_only();
        http1
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(limits.max_header_bytes);
        let mut http2 = Builder::new(TokioExecutor::new()).http2_only();
        http2
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(limits.h2_max_concurrent_streams)
            .max_header_list_size(limits.h2_max_header_list_bytes)
            // An idle HTTP/2 connection is pinged, and closed when the
            // client stops answering.
            .keep_alive_interval(limits.header_read_timeout)
            .keep_alive_timeout(limits.header_read_timeout);
        Self { http1, http2 }
    }
}

pub(crate) async fn run<F>(
    listener: TcpListener,
    app: Router,
    limits: &CheckedServerLimits,
    shutdown: F,
    transport: Transport,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let limits = limits.limits();
    let builders = Builders::new(limits);
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free connection slot first: extra connections wait in the
        // kernel's backlog instead of in memory.
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, or a connection reset before
                    // accept: wait a little rather than spin.
                    tracing::warn!(target: "portcullis::serve", %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            app: app.clone(),
            peer,
            body_deadline: limits.body_deadline,
            handshake_timeout: limits.header_read_timeout,
            builders: builders.clone(),
            watcher: graceful.watcher(),
        };
        let transport = transport.clone();
        tokio::spawn(async move {
            connection.serve(stream, transport).await;
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(target: "portcullis::serve", open = graceful.count(), "shutting down; letting open requests finish");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(target: "portcullis::serve", "open requests did not finish within the shutdown grace");
    }
    Ok(())
}

/// One accepted connection and what serving it needs.
struct Connection {
    app: Router,
    peer: SocketAddr,
    body_deadline: Duration,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    handshake_timeout: Duration,
    builders: Builders,
    watcher: Watcher,
}

impl Connection {
    async fn serve(self, stream: TcpStream, transport: Transport) {
        let peer = self.peer;
        let app = self
            .app
            .map_request(move |mut request: Request<DeadlineBody<Incoming>>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let service = TowerToHyperService::new(RequestBodyDeadline::new(app, self.body_deadline));
        let served = match transport {
            Transport::Plain => {
                let connection = self
                    .builders
                    .http1
                    .serve_connection(TokioIo::new(stream), service);
                self.watcher.watch(connection.into_owned()).await
            }
            #[cfg(feature = "tls")]
            Transport::Tls(acceptor) => {
                let accepted =
                    tokio::time::timeout(self.handshake_timeout, acceptor.accept(stream)).await;
                let stream = match accepted {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        tracing::debug!(target: "portcullis::serve", %peer, %error, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(target: "portcullis::serve", %peer, "TLS handshake timed out");
                        return;
                    }
                };
                let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                let builder = if h2 {
                    &self.builders.http2
                } else {
                    &self.builders.http1
                };
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                self.watcher.watch(connection.into_owned()).await
            }
        };
        if let Err(error) = served {
            tracing::debug!(target: "portcullis::serve", %peer, error = %error, "connection ended with an error");
        }
    }
}
