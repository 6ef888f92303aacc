use axum::Json;
use portcullis::prelude::*;

#[derive(serde::Serialize)]
struct Stats {
    users: u64,
}

#[requires_role("admin")]
async fn stats() -> Json<Stats> {
    Json(Stats { users: 3 })
}

fn main() {}
