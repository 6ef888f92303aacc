//! The showcase: every Portcullis capability behind the HTTP surface fixed by
//! its README (`examples/secure_api/README.md`).
//!
//! `cargo run --release --example secure_api`; configuration comes from the
//! environment (see the README), each variable with a safe local default.
//! `-- --openapi` prints the OpenAPI document to stdout and exits;
//! `-- --manifest` prints the policy manifest (every route and who may call
//! it) to stderr before serving.

mod app;

use std::net::SocketAddr;

use portcullis::hardening::{HttpsRedirect, JsonLogs, ServerLimits, TlsConfig, serve, serve_tls};

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
    // panic messages can hold secrets: log where a panic happened, not what it said
    portcullis::hardening::install_quiet_panic_hook();
    let addr: SocketAddr = env_or("SECURE_API_ADDR", "127.0.0.1:8080").parse()?;
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
    let mut limits = app::Limits::default();
    if let Ok(text) = std::env::var("SECURE_API_LOGIN_LIMIT") {
        limits.login = text.parse()?;
    }
    if let Ok(text) = std::env::var("SECURE_API_TRUSTED_PROXIES") {
        let proxies = text
            .split(',')
            .map(str::trim)
            .filter(|proxy| !proxy.is_empty())
            .map(str::parse::<std::net::IpAddr>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("SECURE_API_TRUSTED_PROXIES: {error}"))?;
        // an empty value means none, as when the variable is unset
        if !proxies.is_empty() {
            limits.proxies = portcullis::hardening::ForwardedHeaders::trust_from(proxies);
        }
    }
    let app = match std::env::var("REDIS_URL") {
        Ok(url) => with_redis(&secret, &origins, &limits, &url).await?,
        Err(_) => app::build_with(&secret, &origins, &limits)?,
    };
    let tls = tls_settings(addr)?;
    // Header-read timeout (slowloris), header cap, connection cap, body
    // deadline and graceful shutdown, with their defaults.
    let limits = ServerLimits::new().build()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    match tls {
        None => {
            tracing::info!(%addr, "secure_api listening on http://{addr}");
            serve(listener, app, &limits, shutdown()).await?;
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
            let redirecting = serve(plain, redirect, &limits, shutdown());
            let serving = serve_tls(listener, &config, app, &limits, shutdown());
            let (redirected, served) = tokio::join!(redirecting, serving);
            redirected?;
            served?;
        }
    }
    Ok(())
}

/// `REDIS_URL` set: revocations, sessions and rate limits shared by every
/// instance through Redis; refusing to start when it cannot be reached.
#[cfg(feature = "redis")]
async fn with_redis(
    secret: &[u8],
    origins: &[String],
    limits: &app::Limits,
    url: &str,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    use portcullis::redis::{RedisRateLimits, RedisRevocations, RedisSessions, RedisStore};

    let redis = RedisStore::connect(url).await?;
    let revocations = RedisRevocations::start(&redis).await?;
    let sessions = RedisSessions::new(&redis, &revocations);
    let buckets = RedisRateLimits::new(&redis);
    tracing::info!(
        bound = ?revocations.staleness_bound(),
        "revocations, sessions and rate limits live in Redis"
    );
    app::build_with_stores(secret, origins, limits, move |security| {
        security
            .revocation(revocations)
            .redis_sessions(sessions)
            .rate_limit_store(buckets)
    })
}

/// `REDIS_URL` set in a build without Redis: refuse rather than run with
/// per-instance state the operator did not ask for.
#[cfg(not(feature = "redis"))]
async fn with_redis(
    _: &[u8],
    _: &[String],
    _: &app::Limits,
    _: &str,
) -> Result<axum::Router, Box<dyn std::error::Error>> {
    Err(
        "REDIS_URL is set, but this build has no Redis support: build with `--features redis`"
            .into(),
    )
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
