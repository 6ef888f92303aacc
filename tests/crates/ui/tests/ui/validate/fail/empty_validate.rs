use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate()]
    name: String,
}

fn main() {}
