use portcullis::requires;

#[requires(any())]
async fn stats() {}

fn main() {}
