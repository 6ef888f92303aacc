use portcullis::requires_role;

#[requires_role("admin", scheme = digest)]
async fn stats() {}

fn main() {}
