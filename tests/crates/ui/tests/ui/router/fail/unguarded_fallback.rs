use portcullis::{SecureRouter, Security};

async fn not_found() -> &'static str {
    "nothing here"
}

fn main() {
    let security = Security::builder().build().unwrap();
    let _app = SecureRouter::<()>::new(security).fallback(not_found);
}
