//! The smallest complete Portcullis service.
//!
//! Run it with `cargo run --example quickstart`; it listens on 127.0.0.1:3000
//! (or `QUICKSTART_ADDR`) and prints a token and the `curl` commands to try.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::Path;
use jsonwebtoken::{EncodingKey, Header, encode};
use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use portcullis::routing::get;
use serde_json::{Value, json};

/// Roles of this service; `admin` implies `user`.
#[derive(Roles)]
enum Role {
    #[portcullis(implies(User))]
    Admin,
    User,
}

#[public]
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[authenticated]
async fn me(caller: Principal) -> Json<Value> {
    Json(json!({"username": caller.subject(), "roles": caller.roles(), "scopes": caller.scopes()}))
}

#[requires_role(Role::Admin)]
async fn stats() -> Json<Value> {
    Json(json!({"users": 2}))
}

#[requires(all(role = Role::User, scope = "items:read"))]
async fn item(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({"id": id, "name": "widget"}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One JSON object per line on stdout: an access line for every request
    // and an audit line for every authorization decision.
    let _logs = portcullis::hardening::JsonLogs::stdout().init()?;
    // A fresh random secret per start: tokens from an earlier run stop working.
    let mut secret = [0_u8; 32];
    getrandom_fill(&mut secret);
    let security = Security::builder()
        .bearer(
            JwtVerifier::builder()
                .key(VerificationKey::hmac(Algorithm::HS256, &secret)?)
                .build()?,
        )
        .roles::<Role>()
        .build()?;
    let router = SecureRouter::new(security.clone())
        .route("/health", get(health))
        .route("/users/me", get(me))
        .route("/admin/stats", get(stats))
        .route("/items/{id}", get(item))
        .build()?;
    // Security headers, request ids, JSON access log, timeouts, panics as 500s.
    let app = Hardening::new().security(&security).apply(router)?;

    let addr: SocketAddr = std::env::var("QUICKSTART_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let token = mint(&secret, "alice", &[Role::User.as_str()], "items:read")?;
    let mut out = std::io::stdout().lock();
    use std::io::Write as _;
    writeln!(out, "quickstart listening on http://{addr}")?;
    writeln!(
        out,
        "a token for alice (role user, scope items:read), valid 60 minutes:\n  TOKEN={token}"
    )?;
    writeln!(out, "try:")?;
    writeln!(out, "  curl http://{addr}/health")?;
    writeln!(
        out,
        "  curl -H \"Authorization: Bearer $TOKEN\" http://{addr}/users/me"
    )?;
    writeln!(
        out,
        "  curl -H \"Authorization: Bearer $TOKEN\" http://{addr}/items/7"
    )?;
    writeln!(
        out,
        "  curl -i -H \"Authorization: Bearer $TOKEN\" http://{addr}/admin/stats   # 403: alice is no admin"
    )?;
    writeln!(
        out,
        "  curl -i http://{addr}/users/me                                        # 401"
    )?;
    drop(out);
    axum::serve(listener, app).await?;
    Ok(())
}

/// Signs a one-hour HS256 token, as an identity provider would.
fn mint(
    secret: &[u8],
    sub: &str,
    roles: &[&str],
    scope: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = json!({"sub": sub, "roles": roles, "scope": scope, "iat": now, "exp": now + 3600});
    Ok(encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret)?,
    )?)
}

fn getrandom_fill(buffer: &mut [u8]) {
    // The OS random source; a failure here means no secure secret can exist.
    if getrandom::fill(buffer).is_err() {
        panic!("the operating system's random source is unavailable");
    }
}
