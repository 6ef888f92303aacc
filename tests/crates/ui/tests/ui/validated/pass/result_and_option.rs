use axum::extract::Query;
use axum::extract::rejection::JsonRejection;
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

#[validated]
async fn create(Query(page): Query<Page>, body: Result<Json<NewItem>, JsonRejection>) -> String {
    match body {
        Ok(Json(item)) => format!("{}{:?}", item.name, page.limit),
        Err(rejection) => rejection.body_text(),
    }
}

#[validated]
async fn maybe(body: Option<Json<NewItem>>) -> String {
    body.map(|Json(item)| item.name).unwrap_or_default()
}

fn main() {
    let _ = axum::Router::<()>::new()
        .route("/items", axum::routing::post(create))
        .route("/maybe", axum::routing::post(maybe));
}
