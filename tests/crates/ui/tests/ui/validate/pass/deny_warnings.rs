//! Expansions are warning-free, even under pedantic lints.
#![deny(warnings, missing_docs, unreachable_pub, rust_2018_idioms)]
#![deny(clippy::all, clippy::pedantic)]

use axum::Json;
use portcullis::{Validate, validated};
use serde::Deserialize;

#[derive(Deserialize, Validate)]
struct Supplier {
    #[validate(length(min = 1))]
    name: String,
}

/// A new item.
#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct NewItem {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    display_name: String,
    #[validate(email)]
    email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    tags: Option<Vec<String>>,
    #[validate(nested)]
    supplier: Option<Supplier>,
    #[validate(each(nested))]
    others: Vec<Supplier>,
}

/// Creates an item.
#[validated]
pub async fn create(Json(item): Json<NewItem>) -> String {
    let supplier = item.supplier.map_or(0, |supplier| supplier.name.len());
    let others = item
        .others
        .iter()
        .map(|other| other.name.len())
        .sum::<usize>();
    format!(
        "{} {} {} {supplier} {others}",
        item.display_name,
        item.email,
        item.tags.map_or(0, |tags| tags.len())
    )
}

fn main() {
    let _ = create;
}
