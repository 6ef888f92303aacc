use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(each(length(max = 3)))]
    name: String,
}

fn main() {}
