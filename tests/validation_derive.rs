//! `#[derive(Validate)]`: every rule at its boundaries, sanitizers, pointers.

#![allow(missing_docs, clippy::unwrap_used)]

use std::borrow::Cow;

use portcullis::Validate;
use serde::Deserialize;

fn pointers(errors: &portcullis::validation::ValidationErrors) -> Vec<(&str, &str)> {
    errors
        .as_slice()
        .iter()
        .map(|e| (e.pointer.as_str(), e.detail.as_ref()))
        .collect()
}

/// The contract's `POST /items` body.
#[derive(Debug, Clone, Deserialize, Validate)]
struct NewItem {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    name: String,
    #[validate(sanitize(trim, lowercase), email)]
    email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    tags: Option<Vec<String>>,
}

fn item(name: &str) -> NewItem {
    NewItem {
        name: name.to_owned(),
        email: "ada@example.com".to_owned(),
        tags: None,
    }
}

#[test]
fn name_length_boundaries_count_characters() {
    for (name, ok) in [
        ("ab".to_owned(), false),
        ("abc".to_owned(), true),
        ("a".repeat(50), true),
        ("a".repeat(51), false),
        ("日本".to_owned(), false),
        ("日本語".to_owned(), true),
        ("é".repeat(50), true),
        ("é".repeat(51), false),
        ("😀".repeat(3), true),
    ] {
        let result = item(&name).validate();
        assert_eq!(
            result.is_ok(),
            ok,
            "{} characters: {name:?}",
            name.chars().count()
        );
        if let Err(errors) = result {
            assert_eq!(
                pointers(&errors),
                [("#/name", "must be between 3 and 50 characters long")]
            );
        }
    }
}

#[test]
fn sanitizers_run_before_rules() {
    let mut padded = NewItem {
        name: "   ab   ".into(),
        email: "  Ada@Example.COM ".into(),
        tags: None,
    };
    let errors = padded.sanitize_and_validate().unwrap_err();
    assert_eq!(padded.name, "ab");
    assert_eq!(padded.email, "ada@example.com");
    assert_eq!(
        pointers(&errors),
        [("#/name", "must be between 3 and 50 characters long")]
    );
    let mut fine = NewItem {
        name: "  abc ".into(),
        ..padded
    };
    assert!(fine.sanitize_and_validate().is_ok());
    assert_eq!(fine.name, "abc");
}

#[test]
fn every_failing_field_is_reported_at_once() {
    let mut tags: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
    tags[3] = String::new();
    tags[5] = "x".repeat(31);
    let body = NewItem {
        name: "ab".into(),
        email: "not-an-email".into(),
        tags: Some(tags),
    };
    let errors = body.validate().unwrap_err();
    assert_eq!(
        pointers(&errors),
        [
            ("#/name", "must be between 3 and 50 characters long"),
            ("#/email", "must be a valid email address"),
            ("#/tags", "must contain at most 10 items"),
            ("#/tags/3", "must be between 1 and 30 characters long"),
            ("#/tags/5", "must be between 1 and 30 characters long"),
        ]
    );
}

#[test]
fn tag_boundaries() {
    let with_tags = |tags: Vec<String>| NewItem {
        tags: Some(tags),
        ..item("abc")
    };
    assert!(with_tags(vec![]).validate().is_ok());
    assert!(with_tags(vec!["t".into(); 10]).validate().is_ok());
    assert!(with_tags(vec!["t".into(); 11]).validate().is_err());
    assert!(with_tags(vec!["x".repeat(30)]).validate().is_ok());
    assert!(with_tags(vec!["ü".repeat(30)]).validate().is_ok());
    assert!(with_tags(vec!["x".repeat(31)]).validate().is_err());
    assert!(with_tags(vec![String::new()]).validate().is_err());
    assert!(item("abc").validate().is_ok(), "absent tags are valid");
}

#[derive(Debug, Validate)]
struct Numbers {
    #[validate(range(min = 18, max = 130))]
    age: u8,
    #[validate(range(min = -1.5, max = 1.5))]
    ratio: f64,
    #[validate(range(min = 1))]
    count: Option<i64>,
    #[validate(one_of(1, 2, 3))]
    level: u32,
}

#[test]
fn range_and_one_of_on_numbers() {
    let ok = Numbers {
        age: 18,
        ratio: -1.5,
        count: None,
        level: 3,
    };
    assert!(ok.validate().is_ok());
    let edge = Numbers {
        age: 130,
        ratio: 1.5,
        count: Some(1),
        level: 1,
    };
    assert!(edge.validate().is_ok());
    let bad = Numbers {
        age: 17,
        ratio: 1.6,
        count: Some(0),
        level: 4,
    };
    assert_eq!(
        pointers(&bad.validate().unwrap_err()),
        [
            ("#/age", "must be between 18 and 130"),
            ("#/ratio", "must be between -1.5 and 1.5"),
            ("#/count", "must be at least 1"),
            ("#/level", "must be one of: 1, 2, 3"),
        ]
    );
    let nan = Numbers {
        ratio: f64::NAN,
        ..ok
    };
    assert_eq!(
        pointers(&nan.validate().unwrap_err()),
        [("#/ratio", "must be between -1.5 and 1.5")]
    );
}

fn no_admin(name: &str) -> Result<(), &'static str> {
    if name.eq_ignore_ascii_case("admin") {
        Err("is reserved")
    } else {
        Ok(())
    }
}

fn even(value: &u32) -> Result<(), String> {
    if value.is_multiple_of(2) {
        Ok(())
    } else {
        Err(String::from("must be even"))
    }
}

#[derive(Debug, Validate)]
struct Profile {
    #[validate(custom = no_admin, length(min = 2))]
    handle: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(regex = "^[a-z0-9-]+$")]
    slug: Cow<'static, str>,
    #[validate(one_of("light", "dark"))]
    theme: String,
    #[validate(custom = even)]
    seats: u32,
    #[validate(required, email)]
    contact: Option<String>,
}

fn profile() -> Profile {
    Profile {
        handle: "ada".into(),
        homepage: Some("https://example.com/ada".into()),
        slug: Cow::Borrowed("ada-lovelace"),
        theme: "dark".into(),
        seats: 2,
        contact: Some("ada@example.com".into()),
    }
}

#[test]
fn text_rules_custom_and_required() {
    assert!(profile().validate().is_ok());
    let bad = Profile {
        handle: "Admin".into(),
        homepage: Some("example.com".into()),
        slug: Cow::Borrowed("Ada Lovelace"),
        theme: "blue".into(),
        seats: 3,
        contact: None,
    };
    assert_eq!(
        pointers(&bad.validate().unwrap_err()),
        [
            ("#/handle", "is reserved"),
            ("#/homepage", "must be a valid absolute URL"),
            ("#/slug", "does not have the expected format"),
            ("#/theme", "must be one of: light, dark"),
            ("#/seats", "must be even"),
            ("#/contact", "is required"),
        ]
    );
    let bad_contact = Profile {
        contact: Some("nope".into()),
        homepage: None,
        ..profile()
    };
    assert_eq!(
        pointers(&bad_contact.validate().unwrap_err()),
        [("#/contact", "must be a valid email address")]
    );
}

#[test]
fn the_first_failing_rule_of_a_field_is_reported() {
    let short_admin = Profile {
        handle: "a".into(),
        ..profile()
    };
    assert_eq!(
        pointers(&short_admin.validate().unwrap_err()),
        [("#/handle", "must be at least 2 characters long")]
    );
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct Address {
    #[validate(sanitize(trim), length(min = 1))]
    street_name: String,
    #[serde(rename = "zip")]
    #[validate(regex = r"^\d{5}$")]
    postal_code: String,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "kebab-case")]
struct Customer {
    #[validate(nested)]
    home_address: Address,
    #[validate(nested)]
    billing_address: Option<Address>,
    #[validate(length(max = 2), nested)]
    other_addresses: Vec<Address>,
    #[serde(rename(serialize = "type", deserialize = "kind"))]
    #[validate(one_of("person", "company"))]
    r#type: String,
    #[validate(sanitize(html))]
    bio: Option<String>,
}

fn address(street: &str, zip: &str) -> Address {
    Address {
        street_name: street.into(),
        postal_code: zip.into(),
    }
}

#[test]
fn nested_values_and_renames_give_exact_pointers() {
    let mut customer = Customer {
        home_address: address("  ", "12345"),
        billing_address: Some(address("Main", "1234")),
        other_addresses: vec![
            address("A", "11111"),
            address("B", "x"),
            address("C", "22222"),
        ],
        r#type: "robot".into(),
        bio: Some(
            r#"<b>hi</b><script>alert(1)</script><a href="javascript:x" onclick="y">l</a>"#.into(),
        ),
    };
    let errors = customer.sanitize_and_validate().unwrap_err();
    assert_eq!(
        customer.home_address.street_name, "",
        "nested values are sanitized"
    );
    assert_eq!(
        customer.bio.as_deref(),
        Some(r#"<b>hi</b><a rel="noopener noreferrer">l</a>"#)
    );
    assert_eq!(
        pointers(&errors),
        [
            (
                "#/home-address/streetName",
                "must be at least 1 characters long"
            ),
            ("#/billing-address/zip", "does not have the expected format"),
            ("#/other-addresses", "must contain at most 2 items"),
            (
                "#/other-addresses/1/zip",
                "does not have the expected format"
            ),
            ("#/kind", "must be one of: person, company"),
        ]
    );
}

#[derive(Debug, Deserialize, Validate)]
struct Flattened {
    #[serde(flatten)]
    #[validate(nested)]
    address: Address,
    #[validate(length(min = 1))]
    note: String,
}

#[test]
fn flattened_fields_sit_at_the_parent_level() {
    let value = Flattened {
        address: address("x", "bad"),
        note: String::new(),
    };
    assert_eq!(
        pointers(&value.validate().unwrap_err()),
        [
            ("#/zip", "does not have the expected format"),
            ("#/note", "must be at least 1 characters long")
        ]
    );
}

#[derive(Debug, Validate)]
struct Lists {
    #[validate(each(email))]
    recipients: Vec<String>,
    #[validate(each(nested))]
    addresses: Vec<Address>,
    #[validate(sanitize(trim, lowercase), each(one_of("a", "b")))]
    letters: Vec<String>,
    #[validate(each(range(min = 1, max = 5)))]
    scores: Option<Vec<u8>>,
}

#[test]
fn each_checks_every_item_at_its_index() {
    let mut lists = Lists {
        recipients: vec!["a@example.com".into(), "nope".into()],
        addresses: vec![address("a", "00000"), address("b", "0")],
        letters: vec![" A ".into(), "c".into()],
        scores: Some(vec![1, 5, 6]),
    };
    let errors = lists.sanitize_and_validate().unwrap_err();
    assert_eq!(lists.letters, ["a", "c"]);
    assert_eq!(
        pointers(&errors),
        [
            ("#/recipients/1", "must be a valid email address"),
            ("#/addresses/1/zip", "does not have the expected format"),
            ("#/letters/1", "must be one of: a, b"),
            ("#/scores/2", "must be between 1 and 5"),
        ]
    );
}

#[derive(Debug, Validate)]
struct Generic<T> {
    #[validate(nested)]
    inner: T,
    #[validate(length(min = 1))]
    label: String,
}

#[test]
fn generic_structs_bound_their_nested_types() {
    let value = Generic {
        inner: address("a", "nope"),
        label: "x".into(),
    };
    assert_eq!(
        pointers(&value.validate().unwrap_err()),
        [("#/inner/zip", "does not have the expected format")]
    );
}

/// A field without rules must say so (`skip`); a sanitizer counts as a rule,
/// and a field serde never reads needs neither. A field with no rule at all
/// is a compile error (`tests/ui/validate/fail/field_without_rule.rs`).
#[derive(Debug, Deserialize, Validate)]
struct Plain {
    #[validate(skip)]
    unchecked: u64,
    #[validate(sanitize(trim))]
    only_sanitized: String,
    #[serde(skip)]
    cached: Option<String>,
}

#[test]
fn skipped_and_sanitize_only_fields_pass() {
    let mut plain = Plain {
        unchecked: 7,
        only_sanitized: " x ".into(),
        cached: Some("kept".into()),
    };
    assert!(plain.sanitize_and_validate().is_ok());
    assert_eq!(plain.only_sanitized, "x");
    assert_eq!(
        (plain.unchecked, plain.cached.as_deref()),
        (7, Some("kept"))
    );
}

#[test]
fn errors_render_as_json_pointers_with_escaping() {
    #[derive(Deserialize, Validate)]
    struct Odd {
        #[serde(rename = "a/b~c")]
        #[validate(length(min = 1))]
        field: String,
    }
    let errors = Odd {
        field: String::new(),
    }
    .validate()
    .unwrap_err();
    assert_eq!(errors.as_slice()[0].pointer, "#/a~1b~0c");
}
