use axum::extract::Path;
use portcullis::routing::delete;
use portcullis::{SecureRouter, Security};

async fn delete_user(Path(id): Path<u32>) -> String {
    id.to_string()
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::new(security).route("/users/{id}", delete(delete_user));
}
