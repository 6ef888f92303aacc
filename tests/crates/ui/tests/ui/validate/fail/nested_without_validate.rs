use portcullis::Validate;

struct Address {
    city: String,
}

#[derive(Validate)]
struct Customer {
    #[validate(nested)]
    address: Address,
}

fn main() {}
