use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(required)]
    name: String,
}

fn main() {}
