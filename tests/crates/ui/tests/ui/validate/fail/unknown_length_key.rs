use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(length(min = 3, maximum = 50))]
    name: String,
}

fn main() {}
