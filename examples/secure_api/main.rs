//! The showcase: every Portcullis capability behind the HTTP surface fixed by
//! `../shared/demo-contract.md`.
//!
//! `cargo run --release --example secure_api`; configuration comes from the
//! environment (see the contract), each variable with a safe local default.
//! `-- --openapi` prints the OpenAPI document to stdout and exits;
//! `-- --manifest` prints the policy manifest (every route and who may call
//! it) to stderr before serving.

mod app;

use std::net::SocketAddr;

use portcullis::hardening::{HttpsRedirect, JsonLogs, TlsConfig, serve_https};

/// `SECURE_API_TLS_*` set: HTTPS on `SECURE_API_ADDR`, and plain HTTP on
/// `SECURE_API_HTTP_ADDR` (default: the next port) answering with redirects.
struct Tls {
    config: TlsConfig,
    redirect_addr: SocketAddr,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|arg| arg == "--openapi") {
        // The OpenAPI document on stdout, for validators; then exit. The
        // document does not depend on the signing key, and nothing serves.
        let mut key = vec![0_u8; 32];
        getrandom::fill(&mut key).map_err(|_| "the operating system's random source failed")?;
        let document = app::openapi_document(&key)?;
        std::io::Write::write_all(&mut std::io::stdout(), document.as_bytes())?;
        return Ok(());
    }
    let _logs = JsonLogs::stdout().init()?;
    let addr: SocketAddr = env_or("SECURE_API_ADDR", "127.0.0.1:8080").parse()?;
    if std::env::var_os("REDIS_URL").is_some() {
        // Shared state in Redis is not built yet: refuse rather than run with
        // per-instance state the operator did not ask for.
        return Err(
            "REDIS_URL is set, but this build keeps revocations in memory only; unset it".into(),
        );
    }
    let secret = match std::env::var("JWT_SECRET") {
        Ok(secret) => secret.into_bytes(),
        Err(_) => {
            tracing::warn!(
                "JWT_SECRET is not set: using a random secret; tokens will not survive a restart"
            );
            let mut secret = vec![0_u8; 32];
            getrandom::fill(&mut secret)
                .map_err(|_| "the operating system's random source failed")?;
            secret
        }
    };
    let origins: Vec<String> = env_or("CORS_ORIGINS", "https://example.com")
        .split(',')
        .map(|origin| origin.trim().to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    if std::env::args().any(|arg| arg == "--manifest") {
        // Who may call what, for the operator, before serving.
        let manifest = app::secure_router(&secret)?.manifest();
        eprint!("{manifest}");
    }
    let app = app::build(&secret, &origins)?;
    let tls = tls_settings(addr)?;
    let listener = std::net::TcpListener::bind(addr)?;
    match tls {
        None => {
            tracing::info!(%addr, "secure_api listening on http://{addr}");
            let listener = tokio::net::TcpListener::from_std({
                listener.set_nonblocking(true)?;
                listener
            })?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown())
                .await?;
        }
        Some(Tls {
            config,
            redirect_addr,
        }) => {
            let redirect = HttpsRedirect::to_hosts(["localhost", "127.0.0.1"])
                .https_port(addr.port())
                .build()?;
            let plain = tokio::net::TcpListener::bind(redirect_addr).await?;
            tracing::info!(%addr, %redirect_addr, "secure_api listening on https://{addr}, redirecting http://{redirect_addr}");
            tokio::spawn(async move { axum::serve(plain, redirect).await });
            serve_https(listener, &config, app, shutdown()).await?;
        }
    }
    Ok(())
}

fn tls_settings(addr: SocketAddr) -> Result<Option<Tls>, Box<dyn std::error::Error>> {
    let (Ok(cert), Ok(key)) = (
        std::env::var("SECURE_API_TLS_CERT"),
        std::env::var("SECURE_API_TLS_KEY"),
    ) else {
        return Ok(None);
    };
    let default_redirect = SocketAddr::new(addr.ip(), addr.port().wrapping_add(1));
    let redirect_addr = match std::env::var("SECURE_API_HTTP_ADDR") {
        Ok(value) => value.parse()?,
        Err(_) => default_redirect,
    };
    Ok(Some(Tls {
        config: TlsConfig::from_pem_files(cert, key)?,
        redirect_addr,
    }))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}
