use portcullis::public;

#[public(rate_limit("health", 5 per second, key = subject))]
async fn health() {}

fn main() {}
