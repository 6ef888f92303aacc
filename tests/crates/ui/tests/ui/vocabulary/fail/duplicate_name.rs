use portcullis::Scopes;

#[derive(Scopes)]
enum Scope {
    #[portcullis(name = "items:read")]
    ItemsRead,
    #[portcullis(name = "items:read")]
    ItemsList,
}

fn main() {}
