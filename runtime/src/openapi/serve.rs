//! `GET /openapi.json` and the Swagger UI page at `/docs`, as public routes
//! of the route table.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use super::document::{ApiDoc, to_json};
use crate::extract::Guard;
use crate::policy::{Policy, Requirement};
use crate::problem::Problem;
use crate::routing::{SecureRouter, get};

/// The Content-Security-Policy of the documentation page and its assets:
/// its own scripts, styles, images and calls, nothing from elsewhere, never
/// framed. Every other route keeps the closed default.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of the OpenAPI document's route: public.
#[derive(Debug)]
pub struct DocumentPolicy;

impl Policy for DocumentPolicy {
    const ID: &'static str = "portcullis::openapi::document";
    const REQUIREMENT: Requirement = Requirement::Public;
    const DOC: &'static str = "The OpenAPI 3.1 document of every route";
}

/// The policy of the documentation page: public.
#[derive(Debug)]
pub struct DocsPolicy;

impl Policy for DocsPolicy {
    const ID: &'static str = "portcullis::openapi::docs";
    const REQUIREMENT: Requirement = Requirement::Public;
    const DOC: &'static str = "The interactive documentation page";
}

/// The policy of the documentation page's assets: public.
#[derive(Debug)]
pub struct DocsAssetPolicy;

impl Policy for DocsAssetPolicy {
    const ID: &'static str = "portcullis::openapi::docs_asset";
    const REQUIREMENT: Requirement = Requirement::Public;
    const DOC: &'static str = "A script, style sheet or image of the documentation page";
}

impl<S: Clone + Send + Sync + 'static> SecureRouter<S> {
    /// Serves the OpenAPI document of this router's routes at
    /// `/openapi.json` and a Swagger UI page for it at `/docs` (its assets
    /// under `/docs/…`, compiled into the binary), all public routes of the
    /// route table, the document describing them too.
    ///
    /// Add it after the other routes: the document lists the routes added
    /// before it. The page and its assets carry their own
    /// Content-Security-Policy ([`DOCS_CSP`]), which the hardening layer
    /// leaves in place.
    ///
    /// ```
    /// use portcullis::openapi::ApiDoc;
    /// use portcullis::prelude::*;
    /// use portcullis::routing::get;
    ///
    /// #[public]
    /// async fn health() -> &'static str { "ok" }
    ///
    /// # let security = Security::builder().build().unwrap();
    /// let router: SecureRouter = SecureRouter::new(security)
    ///     .route("/health", get(health))
    ///     .openapi(&ApiDoc::new("demo", "1.0.0"));
    /// assert!(router.routes().iter().any(|route| route.path() == "/openapi.json"));
    /// ```
    pub fn openapi(self, doc: &ApiDoc) -> Self {
        let document: Arc<OnceLock<Arc<str>>> = Arc::default();
        let served = Arc::clone(&document);
        let config = Arc::new(
            utoipa_swagger_ui::Config::new(["/openapi.json"])
                .validator_url("none")
                .try_it_out_enabled(true),
        );
        let page = Arc::clone(&config);
        let router = self
            .route(
                "/openapi.json",
                get(move |_: Guard<DocumentPolicy>| {
                    let served = served.get().cloned();
                    async move { serve_document(served) }
                }),
            )
            .route(
                "/docs",
                get(move |_: Guard<DocsPolicy>| {
                    let page = Arc::clone(&page);
                    async move { serve_docs("index.html", &page) }
                }),
            )
            .route(
                "/docs/{file}",
                get(move |_: Guard<DocsAssetPolicy>, Path(file): Path<String>| {
                    let config = Arc::clone(&config);
                    async move { serve_docs(&file, &config) }
                }),
            );
        let json = to_json(&doc.document(router.routes()));
        let _ = document.set(Arc::from(json.as_ref()));
        router
    }
}

fn serve_document(document: Option<Arc<str>>) -> Response {
    let Some(document) = document else {
        return Problem::internal().into_response();
    };
    let mut response = Response::new(Body::from(document.to_string()));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn serve_docs(file: &str, config: &Arc<utoipa_swagger_ui::Config<'static>>) -> Response {
    let file = match utoipa_swagger_ui::serve(file, Arc::clone(config)) {
        Ok(Some(file)) => file,
        Ok(None) => {
            return Problem::new(StatusCode::NOT_FOUND, "not_found", "no such file")
                .into_response();
        }
        Err(error) => {
            tracing::error!(target: "portcullis::openapi", %error, "the documentation page could not be built");
            return Problem::internal().into_response();
        }
    };
    let bytes = if file.content_type.starts_with("text/html") {
        // The page names its assets relative to a directory; `/docs`
        // without a slash would resolve them at the root.
        let page = String::from_utf8_lossy(&file.bytes)
            .replace("\"./", "\"/docs/")
            .replace("href=\"index.css\"", "href=\"/docs/index.css\"");
        page.into_bytes()
    } else {
        file.bytes.into_owned()
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    if let Ok(content_type) = HeaderValue::try_from(file.content_type) {
        headers.insert(CONTENT_TYPE, content_type);
    }
    if file.gzpipped {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
