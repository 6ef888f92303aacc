use portcullis::Roles;

#[derive(Roles)]
struct Role {
    name: String,
}

fn main() {}
