use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(skip, length(min = 3))]
    name: String,
}

fn main() {}
