use portcullis::requires_scope;

#[requires_scope("items:read", "   ")]
async fn items() {}

fn main() {}
