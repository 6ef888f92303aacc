use portcullis::Validate;

fn not_reserved(name: &str) -> Result<(), &'static str> {
    if name == "root" {
        Err("is reserved")
    } else {
        Ok(())
    }
}

#[derive(Validate)]
struct Address {
    #[validate(length(min = 1, max = 100))]
    city: String,
}

#[derive(Validate)]
struct Everything {
    #[validate(sanitize(trim, lowercase, html), length(min = 3, max = 50), custom = not_reserved)]
    name: String,
    #[validate(email)]
    email: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(regex = "^[a-z]+$")]
    slug: &'static str,
    #[validate(range(min = 0, max = 130))]
    age: u8,
    #[validate(range(min = -1.0))]
    balance: f64,
    #[validate(one_of("light", "dark"))]
    theme: String,
    #[validate(nested)]
    address: Address,
    #[validate(required, nested)]
    billing: Option<Address>,
    #[validate(length(max = 10), each(length(min = 1, max = 30), regex = "^[a-z]+$"))]
    tags: Option<Vec<String>>,
    #[validate(each(nested))]
    others: Vec<Address>,
}

fn main() {
    let value = Everything {
        name: "ada".into(),
        email: "ada@example.com".into(),
        homepage: None,
        slug: "ada",
        age: 36,
        balance: 0.0,
        theme: "dark".into(),
        address: Address {
            city: "London".into(),
        },
        billing: Some(Address {
            city: "London".into(),
        }),
        tags: None,
        others: Vec::new(),
    };
    assert!(value.validate().is_ok());
}
