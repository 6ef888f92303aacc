use portcullis::requires_role;
use portcullis::requires_role as rr;

#[requires_role("admin")]
#[rr("user")]
async fn stats() {}

fn main() {}
