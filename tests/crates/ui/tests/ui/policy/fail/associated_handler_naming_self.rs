use portcullis::requires_role;

struct Api;

impl Api {
    const NAME: &'static str = "stats";

    #[requires_role("admin")]
    async fn stats() -> &'static str {
        Self::NAME
    }
}

fn main() {}
