use axum::Json;
use portcullis::{Validate, validated};
use serde::Deserialize;

#[derive(Deserialize, Validate)]
struct NewItem {
    #[validate(length(min = 3))]
    name: String,
}

#[validated(strict)]
async fn create(Json(item): Json<NewItem>) -> String {
    item.name
}

fn main() {}
