use portcullis::public;

#[public(rate_limit("login", 5 per minute, key = email))]
async fn login() {}

fn main() {}
