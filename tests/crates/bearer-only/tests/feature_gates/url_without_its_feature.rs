use portcullis::Validate;

#[derive(Validate)]
struct NewLink {
    #[validate(url)]
    target: String,
}

fn main() {
    let _ = NewLink { target: String::new() };
}
