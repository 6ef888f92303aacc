use portcullis::{Principal, public};

#[public]
async fn greeting(caller: Principal) -> String {
    caller.subject().to_owned()
}

fn main() {}
