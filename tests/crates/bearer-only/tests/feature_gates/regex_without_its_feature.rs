use portcullis::Validate;

#[derive(Validate)]
struct NewPage {
    #[validate(regex = "^[a-z0-9-]+$")]
    slug: String,
}

fn main() {
    let _ = NewPage { slug: String::new() };
}
