use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(sanitize(trim))]
    count: u32,
}

fn main() {}
