use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use portcullis::{Validate, validated};
use serde::Deserialize;

#[derive(Deserialize, Validate)]
struct NewItem {
    #[validate(length(min = 3, max = 50))]
    name: String,
}

#[derive(Deserialize, Validate)]
struct Page {
    #[validate(range(min = 1, max = 100))]
    size: u32,
}

/// Docs and attributes are kept.
#[validated]
#[allow(clippy::unused_async)]
pub(crate) async fn create(
    State(prefix): State<String>,
    headers: HeaderMap,
    mut body: Json<NewItem>,
) -> String {
    body.name.push('!');
    format!("{prefix}{}{}", headers.len(), body.0.name)
}

#[validated]
async fn list(Query(page): Query<Page>, axum::Form(item): Form<NewItem>) -> String {
    format!("{} {}", page.size, item.name)
}

#[validated]
async fn search(Query(Page { size }): axum::extract::Query<Page>) -> String {
    size.to_string()
}

fn main() {
    let _: Router = Router::new()
        .route("/items", post(create).get(search))
        .route("/list", post(list))
        .with_state(String::from(">"));
}
