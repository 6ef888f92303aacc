use portcullis::public;

#[public("admin")]
async fn health() {}

fn main() {}
