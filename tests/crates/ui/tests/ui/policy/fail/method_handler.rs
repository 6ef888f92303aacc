use portcullis::authenticated;

struct Api;

impl Api {
    #[authenticated]
    async fn me(&self) {}
}

fn main() {}
