use portcullis::requires_scope;

const ITEMS_READ: &str = "";

#[requires_scope(ITEMS_READ)]
async fn items() {}

fn main() {}
