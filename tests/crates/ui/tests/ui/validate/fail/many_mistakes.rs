//! Every mistake is reported at once, not only the first.
use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(length(min = 9, max = 1))]
    name: String,
    #[validate(url)]
    port: u16,
}

fn main() {}
