use portcullis::requires_any_role;

#[requires_any_role("user", "admin", "user")]
async fn items() {}

fn main() {}
