use portcullis::requires_role;

#[requires_role("admin", crate = "not a path")]
async fn stats() {}

fn main() {}
