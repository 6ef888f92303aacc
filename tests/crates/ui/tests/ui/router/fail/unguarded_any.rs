use portcullis::routing::any;
use portcullis::{SecureRouter, Security};

async fn everything() -> &'static str {
    "{}"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::new(security).route("/everything", any(everything));
}
