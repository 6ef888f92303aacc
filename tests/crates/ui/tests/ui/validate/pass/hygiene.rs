//! Generated code names nothing the user can shadow.
#![no_implicit_prelude]

#[allow(dead_code)]
type Result = ();
#[allow(dead_code)]
type Option = ();
#[allow(dead_code, non_upper_case_globals)]
const Ok: () = ();
#[allow(dead_code)]
struct Some;
#[allow(dead_code)]
struct None;
#[allow(dead_code)]
mod axum {}
#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod std {}
#[allow(dead_code)]
mod portcullis {}

#[derive(::portcullis::Validate)]
struct Item {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    name: ::std::string::String,
    #[validate(email)]
    email: ::std::option::Option<::std::string::String>,
    #[validate(each(range(min = 1, max = 5)))]
    scores: ::std::vec::Vec<u8>,
}

#[::portcullis::validated]
async fn create(::axum::Json(item): ::axum::Json<Item>) -> ::std::string::String {
    item.name
}

fn main() {
    let _ = create;
    let item = Item {
        name: ::std::string::String::new(),
        email: ::std::option::Option::None,
        scores: ::std::vec::Vec::new(),
    };
    let _ = <Item as ::portcullis::Validate>::validate(&item);
}
