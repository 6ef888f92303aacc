use portcullis::Roles;

#[derive(Roles)]
enum Role {
    #[portcullis(implies(User))]
    Admin,
    #[portcullis(implies(Admin))]
    User,
}

fn main() {}
