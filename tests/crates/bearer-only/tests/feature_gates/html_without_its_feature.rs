use portcullis::Validate;

#[derive(Validate)]
struct NewComment {
    #[validate(sanitize(html), length(min = 1, max = 500))]
    body: String,
}

fn main() {
    let _ = NewComment { body: String::new() };
}
