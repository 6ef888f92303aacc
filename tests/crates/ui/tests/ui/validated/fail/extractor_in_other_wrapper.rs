use axum::Json;
use portcullis::{Validate, validated};
use serde::Deserialize;

#[derive(Deserialize, Validate)]
struct NewItem {
    #[validate(length(min = 3))]
    name: String,
}

#[validated]
async fn create(item: Box<Json<NewItem>>) -> String {
    item.0.name
}

fn main() {}
