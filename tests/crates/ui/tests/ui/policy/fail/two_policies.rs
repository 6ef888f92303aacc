use portcullis::{authenticated, requires_role};

#[requires_role("admin")]
#[authenticated]
async fn stats() {}

fn main() {}
