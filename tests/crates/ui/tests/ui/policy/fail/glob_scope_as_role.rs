use portcullis::{Scopes, requires_role};

#[derive(Scopes)]
enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
}

use Scope::*;

#[requires_role(ItemsRead)]
async fn stats() {}

fn main() {}
