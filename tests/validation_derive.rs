use portcullis::Validate;

#[derive(Validate)]
struct Item {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    name: String,
}

#[test]
fn smoke() {
    let mut item = Item { name: "  ab ".into() };
    assert!(item.sanitize_and_validate().is_err());
}
