use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(regex = "^[a-z+$")]
    slug: String,
}

fn main() {}
