use portcullis::prelude::*;

async fn open() -> &'static str {
    "anyone"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let plain: axum::Router = axum::Router::new().route("/open", axum::routing::get(open));
    let _app = SecureRouter::new(security).nest("/api", plain);
}
