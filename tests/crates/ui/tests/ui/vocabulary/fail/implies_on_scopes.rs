use portcullis::Scopes;

#[derive(Scopes)]
enum Scope {
    #[portcullis(name = "items:write", implies(ItemsRead))]
    ItemsWrite,
    #[portcullis(name = "items:read")]
    ItemsRead,
}

fn main() {}
