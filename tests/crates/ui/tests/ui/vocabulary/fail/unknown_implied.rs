use portcullis::Roles;

#[derive(Roles)]
enum Role {
    #[portcullis(implies(Usr))]
    Admin,
    User,
}

fn main() {}
