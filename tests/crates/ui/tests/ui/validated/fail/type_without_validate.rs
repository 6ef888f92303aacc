use axum::Json;
use portcullis::validated;
use serde::Deserialize;

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[validated]
async fn create(Json(item): Json<NewItem>) -> String {
    item.name
}

fn main() {}
