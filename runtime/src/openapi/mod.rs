//! OpenAPI 3.1 from the route table (feature `openapi`): each operation's
//! security from its policy, problem answers, and request schemas from
//! `#[derive(Validate)]`; served with a Swagger UI page built into the
//! binary by [`SecureRouter::openapi`](crate::SecureRouter::openapi).

mod document;
#[doc(hidden)]
pub mod schema;
mod serve;

pub use document::ApiDoc;
pub use serve::{DOCS_CSP, DocsAssetPolicy, DocsPolicy, DocumentPolicy};

/// utoipa itself, for schemas written by hand (`utoipa::ToSchema`).
pub use utoipa;
/// utoipa's `ToSchema`, trait and derive, for the types handlers answer
/// with (`Json<Item>`): the document refers to their schemas. The derive's
/// output names `utoipa::…`, so the module that derives it also says
/// `use portcullis::openapi::utoipa;`.
///
/// ```
/// use portcullis::openapi::{ToSchema, utoipa};
///
/// #[derive(serde::Serialize, ToSchema)]
/// struct Stats {
///     items: u64,
///     users: u64,
/// }
/// # assert_eq!(<Stats as ToSchema>::name(), "Stats");
/// ```
pub use utoipa::ToSchema;
/// utoipa's OpenAPI model, which [`ApiDoc::document`] returns.
pub use utoipa::openapi::OpenApi;
