use portcullis::public;

#[public(rate_limit("login", 0 per minute))]
async fn login() {}

fn main() {}
