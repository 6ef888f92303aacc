use portcullis::Validate;

#[derive(Validate)]
#[validate(custom = ordered)]
struct Range {
    #[validate(skip)]
    start: u32,
    #[validate(skip)]
    end: u32,
}

fn ordered(range: &Range) -> Result<(), &'static str> {
    if range.start <= range.end { Ok(()) } else { Err("`start` must not be after `end`") }
}

fn main() {
    let errors = Range { start: 2, end: 1 }.validate().unwrap_err();
    assert_eq!(errors.as_slice()[0].pointer, "#");
    assert!(Range { start: 1, end: 2 }.validate().is_ok());
}
