use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(length(max = 3))]
    count: u32,
}

fn main() {}
