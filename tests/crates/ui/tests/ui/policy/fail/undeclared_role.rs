use portcullis::{Roles, requires_role};

#[derive(Roles)]
enum Role {
    Admin,
    User,
}

#[requires_role(Role::Admn)]
async fn stats() {}

fn main() {
    let _ = (Role::Admin, Role::User);
}
