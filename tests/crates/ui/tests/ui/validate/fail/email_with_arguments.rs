use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(email(strict))]
    email: String,
}

fn main() {}
