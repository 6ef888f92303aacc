use portcullis::public;

#[public(rate_limit("login", 5 per fortnight))]
async fn login() {}

fn main() {}
