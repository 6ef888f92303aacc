use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(length(min = 3))]
    name: String,
    count: u32,
}

fn main() {}
