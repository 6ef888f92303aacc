use portcullis::Validate;

#[derive(Validate)]
enum Item {
    A,
}

fn main() {}
