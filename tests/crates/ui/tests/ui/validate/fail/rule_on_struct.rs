use portcullis::Validate;

#[derive(Validate)]
#[validate(length(min = 1))]
struct Item {
    #[validate(length(min = 3))]
    name: String,
}

fn main() {}
