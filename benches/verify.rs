//! Per-request bearer verification cost: HS256, RS256, ES256 and EdDSA, with
//! and without the verified-token cache, alone and through a guarded route.
//!
//! Run with `cargo bench -p portcullis --bench verify`.
#![allow(missing_docs, clippy::unwrap_used)] // a benchmark, not API

use std::hint::black_box;
use std::time::Duration;

use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, StatusCode};
use portcullis::auth::bearer::CachedVerifier;
use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
use portcullis::oauth::{SigningKey, TokenIssuer};
use portcullis::prelude::*;
use portcullis::routing::get;
use tower::ServiceExt;

/// Loads a key from PEM.
type FromPem<K> = fn(&[u8]) -> K;

/// A signing key and its verifier for one algorithm.
fn keys(algorithm: Algorithm) -> (SigningKey, VerificationKey) {
    if algorithm == Algorithm::HS256 {
        let signing = SigningKey::hmac(algorithm, &[42; 32]).unwrap();
        let verifying = signing.hmac_verification_key().unwrap();
        return (signing, verifying);
    }
    let (scheme, sign, verify): (_, FromPem<SigningKey>, FromPem<VerificationKey>) = match algorithm
    {
        Algorithm::RS256 => (
            &rcgen::PKCS_RSA_SHA256,
            |pem| SigningKey::rsa_pem(Algorithm::RS256, pem).unwrap(),
            |pem| VerificationKey::rsa_pem(Algorithm::RS256, pem).unwrap(),
        ),
        Algorithm::ES256 => (
            &rcgen::PKCS_ECDSA_P256_SHA256,
            |pem| SigningKey::ec_pem(Algorithm::ES256, pem).unwrap(),
            |pem| VerificationKey::ec_pem(Algorithm::ES256, pem).unwrap(),
        ),
        _ => (
            &rcgen::PKCS_ED25519,
            |pem| SigningKey::ed_pem(pem).unwrap(),
            |pem| VerificationKey::ed_pem(pem).unwrap(),
        ),
    };
    let pair = rcgen::KeyPair::generate_for(scheme).unwrap();
    (
        sign(pair.serialize_pem().as_bytes()),
        verify(pair.public_key_pem().as_bytes()),
    )
}

/// A verifier and a realistic token (subject, roles, scopes, `jti`).
fn setup(algorithm: Algorithm) -> (JwtVerifier, String) {
    let (signing, verifying) = keys(algorithm);
    let issuer = TokenIssuer::builder(signing)
        .issuer("https://auth.example.com")
        .build()
        .unwrap();
    let token = issuer
        .issue("alice", ["user"], ["items:read", "items:write"])
        .unwrap();
    let verifier = JwtVerifier::builder()
        .key(verifying)
        .issuer("https://auth.example.com")
        .build()
        .unwrap();
    (verifier, token.access_token().to_owned())
}

const ALGORITHMS: [(Algorithm, &str); 4] = [
    (Algorithm::HS256, "HS256"),
    (Algorithm::RS256, "RS256"),
    (Algorithm::ES256, "ES256"),
    (Algorithm::EdDSA, "EdDSA"),
];

fn verification(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for (algorithm, name) in ALGORITHMS {
        let (verifier, token) = setup(algorithm);
        assert!(verifier.verify(&token).is_ok());
        group.bench_function(name, |b| {
            b.iter(|| verifier.verify(black_box(&token)).unwrap())
        });
        let cached = CachedVerifier::new(verifier, 1_000);
        group.bench_function(format!("{name}+cache"), |b| {
            b.iter(|| cached.verify(black_box(&token)).unwrap())
        });
    }
    group.finish();
}

#[authenticated]
async fn me(caller: Principal) -> String {
    caller.subject().to_owned()
}

fn route(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("route");
    for (algorithm, name) in [(Algorithm::HS256, "HS256"), (Algorithm::RS256, "RS256")] {
        let (verifier, token) = setup(algorithm);
        let authorization = format!("Bearer {token}");
        for cache in [false, true] {
            let mut security = Security::builder().bearer(verifier.clone());
            if cache {
                security = security.verified_token_cache(1_000);
            }
            let app: axum::Router = SecureRouter::new(security.build().unwrap())
                .route("/me", get(me))
                .into_router();
            let label = if cache {
                format!("{name}+cache")
            } else {
                name.to_owned()
            };
            group.bench_function(label, |b| {
                b.iter(|| {
                    let request = Request::builder()
                        .uri("/me")
                        .header("authorization", &authorization)
                        .body(Body::empty())
                        .unwrap();
                    let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                });
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = verification, route
}
criterion_main!(benches);
