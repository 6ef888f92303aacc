use portcullis::authenticated;

#[authenticated(
    rate_limit("api", 100 per minute),
    rate_limit("api", 1000 per hour, key = subject)
)]
async fn feed() {}

fn main() {}
