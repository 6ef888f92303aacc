//! HTTPS with rustls (TLS 1.2 at least); the plain-HTTP side that redirects
//! to it is `redirect.rs`.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::serve::{CheckedServerLimits, Transport, run};
use crate::config_error::ConfigError;

/// A rustls server configuration: TLS 1.3 and 1.2 only, aws-lc-rs
/// cryptography, ALPN `h2` and `http/1.1`.
///
/// The crypto provider is passed explicitly, so no process-wide default
/// provider needs installing.
///
/// ```no_run
/// use portcullis::hardening::TlsConfig;
///
/// let tls = TlsConfig::from_pem_files("cert.pem", "key.pem").unwrap();
/// # let _ = tls;
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The configuration holds the private key: print nothing of it.
        f.debug_struct("TlsConfig")
            .field("alpn", &self.config.alpn_protocols)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// From a PEM certificate chain (leaf first) and a PEM private key
    /// (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_chain: &[u8], private_key: &[u8]) -> Result<Self, ConfigError> {
        let certs = CertificateDer::pem_slice_iter(cert_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ConfigError::Tls("the certificate chain is not valid PEM".into()))?;
        if certs.is_empty() {
            return Err(ConfigError::Tls(
                "the certificate file holds no certificate".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(private_key).map_err(|_| {
            ConfigError::Tls("the private key file holds no PEM private key".into())
        })?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|error| ConfigError::Tls(error.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|_| {
                ConfigError::Tls(
                    "the private key does not match the certificate, or is not supported".into(),
                )
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
        })
    }

    /// From PEM files, as [`TlsConfig::from_pem`].
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        private_key: impl AsRef<Path>,
    ) -> Result<Self, ConfigError> {
        let read = |path: &Path, what: &str| {
            std::fs::read(path).map_err(|error| {
                ConfigError::Tls(format!(
                    "cannot read the {what} {}: {error}",
                    path.display()
                ))
            })
        };
        let cert = read(cert_chain.as_ref(), "certificate file")?;
        let key = read(private_key.as_ref(), "private key file")?;
        Self::from_pem(&cert, &key)
    }

    /// The rustls configuration, for serving with another crate.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.config)
    }
}

/// Serves `app` over HTTPS on `listener` with `limits` until `shutdown`
/// completes, then lets open requests finish for the shutdown grace.
///
/// HTTP/2 is offered (ALPN `h2`) with the stream and header-list limits of
/// [`ServerLimits`](super::ServerLimits); HTTP/1.1 gets the header-read timeout and header cap.
/// The TLS handshake must finish within the header-read timeout. Each
/// request carries [`axum::extract::ConnectInfo<std::net::SocketAddr>`].
///
/// ```no_run
/// # async fn run(app: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
/// use portcullis::hardening::{ServerLimits, TlsConfig, serve_tls};
///
/// let tls = TlsConfig::from_pem_files("cert.pem", "key.pem")?;
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:443").await?;
/// serve_tls(listener, &tls, app, &ServerLimits::new().build()?, std::future::pending()).await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve_tls<F>(
    listener: tokio::net::TcpListener,
    tls: &TlsConfig,
    app: Router,
    limits: &CheckedServerLimits,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config());
    run(listener, app, limits, shutdown, Transport::Tls(acceptor)).await
}

/// Serves `app` over HTTPS on `listener` until `shutdown` completes, with
/// the default [`ServerLimits`](super::ServerLimits); see [`serve_tls`].
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// use portcullis::hardening::{TlsConfig, serve_https};
///
/// let tls = TlsConfig::from_pem_files("cert.pem", "key.pem").unwrap();
/// let listener = std::net::TcpListener::bind("0.0.0.0:443")?;
/// serve_https(listener, &tls, app, std::future::pending()).await
/// # }
/// ```
pub async fn serve_https<F>(
    listener: std::net::TcpListener,
    tls: &TlsConfig,
    app: Router,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    serve_tls(
        listener,
        tls,
        app,
        &CheckedServerLimits::default(),
        shutdown,
    )
    .await
}
