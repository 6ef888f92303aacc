use portcullis::prelude::*;

#[requires_role("admin")]
#[response(status = 42)]
async fn stats() {}

fn main() {}
