use axum::extract::Query;
use axum::Json;
use portcullis::{Validate, validated};
use serde::Deserialize;

#[derive(Deserialize, Validate)]
struct Page {
    #[validate(range(max = 100))]
    limit: Option<u32>,
}

#[derive(Deserialize, Validate)]
struct NewItem {
    #[validate(length(min = 3))]
    name: String,
}

type ItemBody = Json<NewItem>;

#[validated]
async fn create(Query(page): Query<Page>, Json(item): ItemBody) -> String {
    format!("{}{:?}", item.name, page.limit)
}

fn main() {}
