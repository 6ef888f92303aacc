//! Validating the contract's `POST /items` body: the derive against the same
//! rules written with `validator` and `garde`.
//!
//! Run with `cargo bench --bench validate`.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

/// Portcullis: `#[derive(portcullis::Validate)]`.
#[derive(portcullis::Validate)]
struct PortcullisItem {
    #[validate(length(min = 3, max = 50))]
    name: String,
    #[validate(email)]
    email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    tags: Option<Vec<String>>,
}

/// validator 0.20: no per-item rule, so the tags use a custom function.
#[derive(validator::Validate)]
struct ValidatorItem {
    #[validate(length(min = 3, max = 50))]
    name: String,
    #[validate(email)]
    email: String,
    #[validate(length(max = 10), custom(function = "validator_tags"))]
    tags: Option<Vec<String>>,
}

fn validator_tags(tags: &[String]) -> Result<(), validator::ValidationError> {
    for tag in tags {
        let length = tag.chars().count();
        if !(1..=30).contains(&length) {
            return Err(validator::ValidationError::new("length"));
        }
    }
    Ok(())
}

/// garde 0.22: lengths counted in characters, as the contract says.
#[derive(garde::Validate)]
struct GardeItem {
    #[garde(length(chars, min = 3, max = 50))]
    name: String,
    #[garde(email)]
    email: String,
    #[garde(length(max = 10), inner(inner(length(chars, min = 1, max = 30))))]
    tags: Option<Vec<String>>,
}

struct Input {
    name: &'static str,
    email: &'static str,
    tags: Option<Vec<String>>,
}

fn valid() -> Input {
    Input {
        name: "Widget deluxe",
        email: "ada.lovelace@example.com",
        tags: Some(
            ["tools", "hardware", "sale", "new"]
                .map(String::from)
                .to_vec(),
        ),
    }
}

fn invalid() -> Input {
    let mut tags: Vec<String> = (0..11).map(|n| format!("tag{n}")).collect();
    tags[3] = String::new();
    Input {
        name: "ab",
        email: "not an email",
        tags: Some(tags),
    }
}

fn portcullis_item(input: &Input) -> PortcullisItem {
    PortcullisItem {
        name: input.name.into(),
        email: input.email.into(),
        tags: input.tags.clone(),
    }
}

fn validator_item(input: &Input) -> ValidatorItem {
    ValidatorItem {
        name: input.name.into(),
        email: input.email.into(),
        tags: input.tags.clone(),
    }
}

fn garde_item(input: &Input) -> GardeItem {
    GardeItem {
        name: input.name.into(),
        email: input.email.into(),
        tags: input.tags.clone(),
    }
}

fn bench(c: &mut Criterion) {
    for (case, input) in [("valid", valid()), ("invalid", invalid())] {
        let portcullis = portcullis_item(&input);
        let validator = validator_item(&input);
        let garde = garde_item(&input);
        let expect_ok = case == "valid";
        assert_eq!(
            portcullis::Validate::validate(&portcullis).is_ok(),
            expect_ok
        );
        assert_eq!(validator::Validate::validate(&validator).is_ok(), expect_ok);
        assert_eq!(garde::Validate::validate(&garde).is_ok(), expect_ok);

        let mut group = c.benchmark_group(format!("items_{case}"));
        group.bench_function("portcullis", |b| {
            b.iter(|| portcullis::Validate::validate(black_box(&portcullis)))
        });
        group.bench_function("validator", |b| {
            b.iter(|| validator::Validate::validate(black_box(&validator)))
        });
        group.bench_function("garde", |b| {
            b.iter(|| garde::Validate::validate(black_box(&garde)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = bench
}
criterion_main!(benches);
