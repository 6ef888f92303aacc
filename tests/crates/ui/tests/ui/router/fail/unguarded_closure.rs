use portcullis::routing::get;
use portcullis::{SecureRouter, Security};

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::new(security).route("/health", get(|| async { "ok" }));
}
