use portcullis::requires_role;

#[requires_role("")]
async fn stats() {}

fn main() {}
