use portcullis::requires_role;

const ADMIN: &str = " ";

#[requires_role(ADMIN)]
async fn stats() {}

fn main() {}
