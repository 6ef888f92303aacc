//! Every way to route a guarded handler compiles.

use portcullis::prelude::*;
use portcullis::routing::{MethodFilter, any, delete, get, head, on, options, patch, post, put, trace};

#[authenticated]
async fn handler() -> &'static str {
    "{}"
}

#[public]
async fn fallback() -> &'static str {
    "fallback"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let router = SecureRouter::new(security)
        .route("/a", get(handler).post(handler).put(handler).patch(handler).delete(handler))
        .route("/b", head(handler).options(handler).trace(handler))
        .route("/c", post(handler))
        .route("/d", put(handler))
        .route("/e", patch(handler))
        .route("/f", delete(handler))
        .route("/g", options(handler))
        .route("/h", trace(handler))
        .route("/i", on(MethodFilter::GET.or(MethodFilter::POST), handler))
        .route("/j", any(handler))
        .fallback(fallback);
    assert_eq!(router.routes().len(), 18);
    let _app: axum::Router = router.into_router();
}
