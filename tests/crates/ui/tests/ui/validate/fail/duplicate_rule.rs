use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(length(min = 3), email, length(max = 50))]
    name: String,
}

fn main() {}
