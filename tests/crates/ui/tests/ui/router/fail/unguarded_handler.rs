use portcullis::routing::get;
use portcullis::{SecureRouter, Security};

async fn stats() -> &'static str {
    "{}"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::new(security).route("/admin/stats", get(stats));
}
