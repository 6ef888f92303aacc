use portcullis::routing::{MethodFilter, on};
use portcullis::{SecureRouter, Security};

async fn upsert() -> &'static str {
    "{}"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::new(security)
        .route("/items", on(MethodFilter::PUT.or(MethodFilter::PATCH), upsert));
}
