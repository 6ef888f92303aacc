//! The cost of a Portcullis guard against an expert's hand-written extractor
//! doing the same checks (HS256 verification plus a role check), both driven
//! in-process through an axum router.
//!
//! Run: `cargo bench --bench guard`

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use criterion::{Criterion, criterion_group};
use http::request::Parts;
use http::{Request, StatusCode, header};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use portcullis::jwt::{JwtVerifier, VerificationKey};
use portcullis::prelude::*;
use serde::Deserialize;
use tower::ServiceExt;

const SECRET: &[u8] = b"bench-secret-of-at-least-32-bytes!";

#[requires_role("admin")]
async fn guarded() -> &'static str {
    "ok"
}

/// What an expert would write by hand for the same route.
#[derive(Deserialize)]
struct ExpertClaims {
    #[allow(dead_code)]
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
}

struct ExpertKeys {
    key: DecodingKey,
    validation: Validation,
}

struct ExpertAdmin;

impl FromRequestParts<Arc<ExpertKeys>> for ExpertAdmin {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        keys: &Arc<ExpertKeys>,
    ) -> Result<Self, StatusCode> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let data = decode::<ExpertClaims>(token, &keys.key, &keys.validation)
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        if data.claims.roles.iter().any(|role| role == "admin") {
            Ok(Self)
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    }
}

async fn hand_written(_: ExpertAdmin, State(_): State<Arc<ExpertKeys>>) -> &'static str {
    "ok"
}

fn token() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({"sub": "root", "roles": ["admin"], "exp": now + 3600});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET).unwrap(),
    )
    .unwrap()
}

fn portcullis_app() -> Router {
    let verifier = JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .build()
        .unwrap();
    let security = Security::builder().bearer(verifier).build().unwrap();
    SecureRouter::new(security)
        .route("/admin/stats", portcullis::routing::get(guarded))
        .into_router()
}

fn expert_app() -> Router {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    let keys = Arc::new(ExpertKeys {
        key: DecodingKey::from_secret(SECRET).unwrap(),
        validation,
    });
    Router::new()
        .route("/admin/stats", axum::routing::get(hand_written))
        .with_state(keys)
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let bearer = format!("Bearer {}", token());
    let request = || {
        Request::get("/admin/stats")
            .header(header::AUTHORIZATION, bearer.as_str())
            .body(Body::empty())
            .unwrap()
    };
    let mut group = c.benchmark_group("guarded_route");
    group
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for (name, app) in [
        ("hand_written", expert_app()),
        ("portcullis", portcullis_app()),
    ] {
        let check = runtime.block_on(app.clone().oneshot(request())).unwrap();
        assert_eq!(
            check.status(),
            StatusCode::OK,
            "{name} must accept the token"
        );
        group.bench_function(name, |b| {
            b.iter(|| runtime.block_on(app.clone().oneshot(request())).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);

/// `GUARD_COUNT=<app>:<n>` runs `n` requests through one app and exits, for
/// instruction counts under `valgrind --tool=callgrind` (see the README).
fn main() {
    if let Ok(spec) = std::env::var("GUARD_COUNT") {
        let (name, count) = spec
            .split_once(':')
            .expect("GUARD_COUNT=<hand_written|portcullis>:<n>");
        let count: usize = count.parse().expect("a request count");
        let app = if name == "portcullis" {
            portcullis_app()
        } else {
            expert_app()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bearer = format!("Bearer {}", token());
        for _ in 0..count {
            let request = Request::get("/admin/stats")
                .header(header::AUTHORIZATION, bearer.as_str())
                .body(Body::empty())
                .unwrap();
            let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
