use portcullis::requires_role;

#[requires_role("admin", "user")]
async fn stats() {}

fn main() {}
