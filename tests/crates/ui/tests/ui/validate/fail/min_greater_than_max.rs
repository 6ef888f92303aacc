use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(length(min = 50, max = 3))]
    name: String,
}

fn main() {}
