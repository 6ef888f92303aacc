//! The cost of a Portcullis guard against an expert's hand-written extractor
//! doing the same checks (HS256 verification plus a role check), both driven
//! in-process through an axum router. Like is compared with like: a pair
//! without a verified-token cache (every request checks the signature), and a
//! pair with one (Portcullis' default; the expert's is a map from token to
//! claims behind a mutex).
//!
//! Run: `cargo bench --bench guard`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
    exp: u64,
    #[serde(default)]
    roles: Vec<String>,
}

struct ExpertKeys {
    key: DecodingKey,
    validation: Validation,
    /// Verified tokens, when the expert caches them.
    cache: Option<Mutex<HashMap<String, Arc<ExpertClaims>>>>,
}

impl ExpertKeys {
    fn verify(&self, token: &str) -> Result<Arc<ExpertClaims>, StatusCode> {
        let Some(cache) = &self.cache else {
            return decode::<ExpertClaims>(token, &self.key, &self.validation)
                .map(|data| Arc::new(data.claims))
                .map_err(|_| StatusCode::UNAUTHORIZED);
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        if let Some(claims) = cache.lock().unwrap().get(token)
            && claims.exp > now
        {
            return Ok(Arc::clone(claims));
        }
        let claims = decode::<ExpertClaims>(token, &self.key, &self.validation)
            .map(|data| Arc::new(data.claims))
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        let mut cache = cache.lock().unwrap();
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(token.to_owned(), Arc::clone(&claims));
        Ok(claims)
    }
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
        let claims = keys.verify(token)?;
        if claims.roles.iter().any(|role| role == "admin") {
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

fn portcullis_app(cached: bool) -> Router {
    let verifier = JwtVerifier::builder()
        .key(VerificationKey::hmac(Algorithm::HS256, SECRET).unwrap())
        .build()
        .unwrap();
    let builder = Security::builder().bearer(verifier);
    let builder = if cached {
        builder
    } else {
        builder.without_token_cache()
    };
    let security = builder.build().unwrap();
    SecureRouter::new(security)
        .route("/admin/stats", portcullis::routing::get(guarded))
        .into_router()
}

fn expert_app(cached: bool) -> Router {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    let keys = Arc::new(ExpertKeys {
        key: DecodingKey::from_secret(SECRET).unwrap(),
        validation,
        cache: cached.then(Mutex::default),
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
    for (name, app) in APPS.iter().map(|(name, app)| (*name, app())) {
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

/// Builds one of the compared apps.
type MakeApp = fn() -> Router;

/// The apps compared, in pairs.
const APPS: [(&str, MakeApp); 4] = [
    ("hand_written", || expert_app(false)),
    ("portcullis", || portcullis_app(false)),
    ("hand_written_cached", || expert_app(true)),
    ("portcullis_cached", || portcullis_app(true)),
];

criterion_group!(benches, bench);

/// `GUARD_COUNT=<app>:<n>` runs `n` requests through one app and exits, for
/// instruction counts under `valgrind --tool=callgrind` (see the README).
fn main() {
    if let Ok(spec) = std::env::var("GUARD_COUNT") {
        let (name, count) = spec.split_once(':').expect("GUARD_COUNT=<app>:<n>");
        let count: usize = count.parse().expect("a request count");
        let app = APPS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, app)| app())
            .expect("GUARD_COUNT names one of the apps");
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
