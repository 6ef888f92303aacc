use portcullis::requires_any_role;

const ADMIN: &str = "admin";

#[requires_any_role("admin", ADMIN)]
async fn stats() {}

fn main() {}
