use portcullis::prelude::*;

#[public]
async fn health() -> &'static str {
    "ok"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::new(security).route("/health", axum::routing::get(health));
}
