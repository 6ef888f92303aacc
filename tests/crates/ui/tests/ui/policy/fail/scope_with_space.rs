use portcullis::requires_scope;

#[requires_scope("items:read items:write")]
async fn items() {}

fn main() {}
