use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(lenght(min = 3))]
    name: String,
}

fn main() {}
