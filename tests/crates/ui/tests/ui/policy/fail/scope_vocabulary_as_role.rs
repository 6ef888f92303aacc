use portcullis::{Scopes, requires_role};

#[derive(Scopes)]
enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
}

#[requires_role(Scope::ItemsRead)]
async fn stats() {}

fn main() {}
