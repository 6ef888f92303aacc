use portcullis::requires;

#[requires(all(scope = "items:read", scope = "items:read"))]
async fn items() {}

fn main() {}
