use portcullis::validated;

#[validated]
async fn health() -> &'static str {
    "ok"
}

fn main() {}
