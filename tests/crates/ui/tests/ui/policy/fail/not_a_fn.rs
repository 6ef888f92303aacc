use portcullis::requires_role;

#[requires_role("admin")]
struct Stats;

fn main() {}
