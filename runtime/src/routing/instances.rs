//! Monomorphizations made here, in the runtime, so that applications reuse
//! them instead of generating them again.
//!
//! Debug builds share generics: an instance an upstream crate already
//! contains is linked to, not code-generated, downstream. The bodies of the
//! runtime's `async fn`s (coroutines, generic in the compiler's eyes) are
//! only instantiated where they are polled; when that is only inside the
//! generic route wrapper or an extractor's future, every application crate
//! generated the whole shared decision path (authentication, throttling,
//! revocation, sessions) again. Polling them once here, from a function the
//! static below keeps, makes the runtime hold them. Never called at run
//! time: no request goes through this module.

use std::future::Future;
use std::pin::pin;
use std::task::Context;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::extract::Guard;
use crate::policy::DenyAll;
use crate::principal::Principal;
use crate::security::Security;

use super::{SecureMethodRouter, SecureRouter};

/// Instantiates `future`'s `poll` and drop glue in this crate.
fn poll_once<F: Future>(future: F, cx: &mut Context<'_>) {
    let _ = pin!(future).poll(cx);
}

/// The extractors' futures for the default state `()`. (The decisions they
/// and the route wrapper await are boxed where they are made, in this
/// crate, so they need no instance here.)
fn instantiate(parts: &mut Parts, cx: &mut Context<'_>) {
    // The guard's shared part for each caller it can carry (its policy is
    // immaterial: the per-policy shim stays in the application).
    poll_once(
        <Guard<DenyAll> as FromRequestParts<()>>::from_request_parts(parts, &()),
        cx,
    );
    poll_once(
        <Guard<DenyAll, Principal> as FromRequestParts<()>>::from_request_parts(parts, &()),
        cx,
    );
    poll_once(
        <Guard<DenyAll, Option<Principal>> as FromRequestParts<()>>::from_request_parts(parts, &()),
        cx,
    );
    poll_once(
        <Principal as FromRequestParts<()>>::from_request_parts(parts, &()),
        cx,
    );
    poll_once(
        <Principal as OptionalFromRequestParts<()>>::from_request_parts(parts, &()),
        cx,
    );
}

/// A handler for [`mount`], so that axum's method-router plumbing
/// generic only over the state is instantiated here.
async fn nothing() {}

/// The router's own plumbing for the default state: what `route`, `build`
/// and `into_router` instantiate in axum and here, except the handlers.
fn mount(security: Security, path: &str, method_router: SecureMethodRouter<()>) {
    let axum_router = axum::Router::<()>::new().route(
        path,
        axum::routing::MethodRouter::<()>::new().on(axum::routing::MethodFilter::GET, nothing),
    );
    let router = SecureRouter::<()>::new(security.clone()).route(path, method_router);
    let _ = SecureRouter::<()>::new(security)
        .into_router()
        .merge(axum_router);
    let _ = router.build();
}

/// Keeps [`instantiate`]: statics are always code-generated, and so is what
/// they point to (the linker still drops all of it from binaries).
#[allow(dead_code)]
static EXTRACTORS: fn(&mut Parts, &mut Context<'_>) = instantiate;

/// Keeps [`mount`], as [`EXTRACTORS`].
#[allow(dead_code)]
static ROUTER: fn(Security, &str, SecureMethodRouter<()>) = mount;
