use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(email)]
    age: u32,
}

fn main() {}
