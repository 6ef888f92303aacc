use portcullis::requires;

#[requires(rol = "admin")]
async fn stats() {}

fn main() {}
