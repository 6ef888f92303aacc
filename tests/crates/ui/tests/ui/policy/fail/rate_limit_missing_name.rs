use portcullis::requires_role;

#[requires_role("admin", rate_limit(5 per minute))]
async fn stats() {}

fn main() {}
