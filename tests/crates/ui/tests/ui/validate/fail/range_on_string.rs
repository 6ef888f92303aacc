use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(range(min = 3))]
    name: String,
}

fn main() {}
