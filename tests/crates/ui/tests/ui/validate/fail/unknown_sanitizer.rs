use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(sanitize(trim, uppercase))]
    name: String,
}

fn main() {}
