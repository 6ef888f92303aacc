use axum::Json;
use axum::extract::{Path, Query};
use axum::response::IntoResponse;
use axum::http::StatusCode;
use portcullis::openapi::{ToSchema, utoipa};
use portcullis::prelude::*;
use portcullis::routing::{get, post};

#[derive(serde::Serialize, ToSchema)]
struct Item {
    id: u64,
}

#[derive(serde::Deserialize, Validate)]
struct Page {
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
}

/// `Json<T>` inside `Result`, typed path and query parameters.
#[requires_scope("items:read")]
async fn item(
    Path((shop, id)): Path<(String, u64)>,
    Query(page): Query<Page>,
) -> Result<Json<Item>, Problem> {
    let _ = (shop, page.limit);
    Ok(Json(Item { id }))
}

/// The status from the attribute, the body from the tuple.
#[requires_role("admin")]
#[response(status = 201)]
async fn create() -> (StatusCode, Json<Item>) {
    (StatusCode::CREATED, Json(Item { id: 1 }))
}

/// The body from the attribute.
#[authenticated]
#[response(body = Item)]
async fn opaque() -> impl IntoResponse {
    Json(Item { id: 2 })
}

/// `impl IntoResponse` and no attribute: nothing to document.
#[public]
async fn plain() -> impl IntoResponse {
    "ok"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _router: axum::Router = SecureRouter::new(security)
        .route("/shops/{shop}/items/{id}", get(item))
        .route("/items", post(create))
        .route("/opaque", get(opaque))
        .route("/plain", get(plain))
        .into_router();
}
