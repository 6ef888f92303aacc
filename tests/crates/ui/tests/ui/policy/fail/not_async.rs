use portcullis::requires_role;

#[requires_role("admin")]
fn stats() -> &'static str {
    "{}"
}

fn main() {}
