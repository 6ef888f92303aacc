//! The checks behind `#[validate(...)]`: each returns `Ok(())` or the message
//! that goes into the `errors` list.
//!
//! Messages are written by Portcullis and never quote the checked value.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::{Display, Write as _};
use std::rc::Rc;
use std::sync::Arc;
#[cfg(feature = "regex")]
use std::sync::OnceLock;

use email_address::EmailAddress;
#[cfg(feature = "regex")]
use regex::Regex;

#[cfg(not(feature = "regex"))]
use super::feature_gate::RegexFeatureOff;
#[cfg(not(feature = "url"))]
use super::feature_gate::UrlFeatureOff;

/// What a failed rule reports: a short message for the `errors` list.
pub type Outcome = Result<(), Cow<'static, str>>;

/// A string-like value that `email`, `url` and `regex` can check.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a string type",
    label = "`email`, `url` and `regex` check text",
    note = "use these rules on `String`, `&str`, `Cow<str>` or `Box<str>` fields"
)]
pub trait Text {
    /// The text to check.
    fn text(&self) -> &str;
}

impl Text for str {
    fn text(&self) -> &str {
        self
    }
}
impl Text for String {
    fn text(&self) -> &str {
        self
    }
}
impl Text for Cow<'_, str> {
    fn text(&self) -> &str {
        self
    }
}
impl Text for Box<str> {
    fn text(&self) -> &str {
        self
    }
}
impl Text for Arc<str> {
    fn text(&self) -> &str {
        self
    }
}
impl Text for Rc<str> {
    fn text(&self) -> &str {
        self
    }
}
impl<T: Text + ?Sized> Text for &T {
    fn text(&self) -> &str {
        T::text(self)
    }
}

/// What a length counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    /// Unicode scalar values of a string (not bytes).
    Characters,
    /// Items of a collection.
    Items,
}

/// A value with a length that `length(min, max)` can check.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no length to check",
    label = "`length` counts the characters of a string or the items of a collection",
    note = "use `range(min, max)` for numbers"
)]
pub trait Length {
    /// What [`Length::length`] counts.
    const UNIT: LengthUnit;
    /// The number of characters or items.
    fn length(&self) -> usize;

    /// Whether the length lies within `min..=max` (each bound optional).
    fn length_within(&self, min: Option<usize>, max: Option<usize>) -> bool {
        let length = self.length();
        min.is_none_or(|min| length >= min) && max.is_none_or(|max| length <= max)
    }
}

/// Whether text of `bytes` UTF-8 bytes has between `min` and `max`
/// characters, answered from the byte count alone when it can be: a
/// character takes one to four bytes.
fn text_within(text: &str, min: Option<usize>, max: Option<usize>) -> bool {
    let bytes = text.len();
    let surely_long_enough = min.is_none_or(|min| bytes / 4 >= min);
    let surely_short_enough = max.is_none_or(|max| bytes <= max);
    if surely_long_enough && surely_short_enough {
        return true;
    }
    let characters = text.chars().count();
    min.is_none_or(|min| characters >= min) && max.is_none_or(|max| characters <= max)
}

macro_rules! text_length {
    ($($ty:ty),*) => {$(
        impl Length for $ty {
            const UNIT: LengthUnit = LengthUnit::Characters;
            fn length(&self) -> usize {
                let text: &str = self;
                text.chars().count()
            }
            fn length_within(&self, min: Option<usize>, max: Option<usize>) -> bool {
                text_within(self, min, max)
            }
        }
    )*};
}
text_length!(str, String, Cow<'_, str>, Box<str>, Arc<str>, Rc<str>);

macro_rules! collection_length {
    ($([$($generics:tt)*] $ty:ty),*) => {$(
        impl<$($generics)*> Length for $ty {
            const UNIT: LengthUnit = LengthUnit::Items;
            fn length(&self) -> usize {
                self.len()
            }
        }
    )*};
}
collection_length!(
    [T] [T], [T] Vec<T>, [T] VecDeque<T>, [T, const N: usize] [T; N], [K, V, H] HashMap<K, V, H>,
    [T, H] HashSet<T, H>, [K, V] BTreeMap<K, V>, [T] BTreeSet<T>
);

impl<T: Length + ?Sized> Length for &T {
    const UNIT: LengthUnit = T::UNIT;
    fn length(&self) -> usize {
        T::length(self)
    }
    fn length_within(&self, min: Option<usize>, max: Option<usize>) -> bool {
        T::length_within(self, min, max)
    }
}

/// `length(min, max)`: between `min` and `max` characters or items, inclusive.
///
/// ```
/// use portcullis::validation::rules::length;
///
/// assert!(length("ab", Some(3), Some(50)).is_err());
/// assert!(length("abc", Some(3), Some(50)).is_ok());
/// assert!(length("été", Some(3), Some(3)).is_ok()); // three characters, five bytes
/// ```
pub fn length<T: Length + ?Sized>(value: &T, min: Option<usize>, max: Option<usize>) -> Outcome {
    if value.length_within(min, max) {
        return Ok(());
    }
    let (lead, unit) = match T::UNIT {
        LengthUnit::Characters => ("must be", " characters long"),
        LengthUnit::Items => ("must contain", " items"),
    };
    Err(Cow::Owned(match (min, max) {
        (Some(min), Some(max)) if min == max => format!("{lead} exactly {min}{unit}"),
        (Some(min), Some(max)) => format!("{lead} between {min} and {max}{unit}"),
        (Some(min), None) => format!("{lead} at least {min}{unit}"),
        (None, Some(max)) => format!("{lead} at most {max}{unit}"),
        (None, None) => format!("{lead} of a different length"),
    }))
}

/// `range(min, max)`: a number between `min` and `max`, inclusive. A value
/// that cannot be compared (a floating-point NaN) fails.
///
/// ```
/// use portcullis::validation::rules::range;
///
/// assert!(range(&17_u8, Some(18), None).is_err());
/// assert!(range(&18_u8, Some(18), None).is_ok());
/// assert!(range(&f64::NAN, Some(0.0), Some(1.0)).is_err());
/// ```
pub fn range<T: PartialOrd + Display>(value: &T, min: Option<T>, max: Option<T>) -> Outcome {
    let above_min = min.as_ref().is_none_or(|min| value >= min);
    let below_max = max.as_ref().is_none_or(|max| value <= max);
    if above_min && below_max {
        return Ok(());
    }
    Err(Cow::Owned(match (min, max) {
        (Some(min), Some(max)) => format!("must be between {min} and {max}"),
        (Some(min), None) => format!("must be at least {min}"),
        (None, Some(max)) => format!("must be at most {max}"),
        (None, None) => String::from("must be a comparable number"),
    }))
}

/// `email`: a plain address such as `ada@example.com`, checked by the
/// `email_address` parser (RFC 5321/5322). Display names (`Ada <ada@…>`) and
/// domain literals are refused, and the domain needs at least two labels.
///
/// ```
/// use portcullis::validation::rules::email;
///
/// assert!(email("ada@example.com").is_ok());
/// assert!(email("ada@localhost").is_err());
/// assert!(email("Ada <ada@example.com>").is_err());
/// ```
pub fn email<T: Text + ?Sized>(value: &T) -> Outcome {
    if is_plain_address(value.text()) {
        Ok(())
    } else {
        Err(Cow::Borrowed("must be a valid email address"))
    }
}

/// The `email_address` parser's local-part and domain checks, without its
/// allocation of a parsed address: split at the last `@` as it does, refuse a
/// display name (`<`), a domain literal (`[…]`) and a single-label domain.
fn is_plain_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.starts_with('<')
        && !domain.starts_with('[')
        && domain.contains('.')
        && EmailAddress::is_valid_local_part(local)
        && EmailAddress::is_valid_domain(domain)
}

/// `url`: an absolute URL, checked by the `url` parser (WHATWG URL standard).
///
/// ```
/// use portcullis::validation::rules::url;
///
/// assert!(url("https://example.com/a?b=c").is_ok());
/// assert!(url("/relative/path").is_err());
/// ```
#[cfg(feature = "url")]
pub fn url<T: Text + ?Sized>(value: &T) -> Outcome {
    match ::url::Url::parse(value.text()) {
        Ok(_) => Ok(()),
        Err(_) => Err(Cow::Borrowed("must be a valid absolute URL")),
    }
}

/// Without the `url` feature: a compile error naming the feature (the bound
/// is implemented by nothing), so no value is ever accepted unchecked.
#[cfg(not(feature = "url"))]
pub fn url<T: Text + UrlFeatureOff + ?Sized>(_value: &T) -> Outcome {
    Err(Cow::Borrowed("must be a valid absolute URL"))
}

/// A pattern compiled on first use and kept for the life of the program.
///
/// The derive checks the pattern at compile time, so compiling it here does
/// not fail in practice; if it ever did, the rule fails closed.
#[cfg(feature = "regex")]
#[derive(Debug)]
pub struct LazyRegex {
    pattern: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

#[cfg(feature = "regex")]
impl LazyRegex {
    /// A pattern that compiles on first use.
    pub const fn new(pattern: &'static str) -> Self {
        Self {
            pattern,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled pattern, or `None` if it does not compile.
    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| match Regex::new(self.pattern) {
                Ok(regex) => Some(regex),
                Err(error) => {
                    tracing::error!(target: "portcullis::validation", pattern = self.pattern, %error, "a `regex` rule does not compile; the rule fails every value");
                    None
                }
            })
            .as_ref()
    }
}

/// `regex = "…"`: the pattern matches somewhere in the text (anchor it with
/// `^…$` to match the whole text).
///
/// ```
/// use portcullis::validation::rules::{LazyRegex, regex};
///
/// static SLUG: LazyRegex = LazyRegex::new("^[a-z0-9-]+$");
/// assert!(regex("hello-world", &SLUG).is_ok());
/// assert!(regex("Hello World", &SLUG).is_err());
/// ```
#[cfg(feature = "regex")]
pub fn regex<T: Text + ?Sized>(value: &T, pattern: &LazyRegex) -> Outcome {
    match pattern.get() {
        Some(regex) if regex.is_match(value.text()) => Ok(()),
        _ => Err(Cow::Borrowed("does not have the expected format")),
    }
}

/// Without the `regex` feature nothing is compiled: [`regex`] cannot be
/// called, so a `regex = …` rule is a compile error naming the feature.
#[cfg(not(feature = "regex"))]
#[derive(Debug)]
pub struct LazyRegex(());

#[cfg(not(feature = "regex"))]
impl LazyRegex {
    /// Only so the derive's expansion resolves up to the gated call.
    pub const fn new(_pattern: &'static str) -> Self {
        Self(())
    }
}

/// Without the `regex` feature: a compile error naming the feature (the
/// bound is implemented by nothing), so no value is ever accepted unchecked.
#[cfg(not(feature = "regex"))]
pub fn regex<T: Text + RegexFeatureOff + ?Sized>(_value: &T, _pattern: &LazyRegex) -> Outcome {
    Err(Cow::Borrowed("does not have the expected format"))
}

/// `one_of(...)`: equal to one of the allowed values.
///
/// ```
/// use portcullis::validation::rules::one_of;
///
/// assert!(one_of(&String::from("red"), &["red", "green"]).is_ok());
/// assert!(one_of(&3_u8, &[1, 2]).is_err());
/// ```
pub fn one_of<T: PartialEq<U> + ?Sized, U: Display>(value: &T, allowed: &[U]) -> Outcome {
    if allowed.iter().any(|candidate| value == candidate) {
        return Ok(());
    }
    let mut message = String::from("must be one of: ");
    for (n, candidate) in allowed.iter().enumerate() {
        if n > 0 {
            message.push_str(", ");
        }
        let _ = write!(message, "{candidate}");
    }
    Err(Cow::Owned(message))
}

/// `required`: an `Option` field must be present.
pub fn required<T>(value: Option<&T>) -> Outcome {
    match value {
        Some(_) => Ok(()),
        None => Err(Cow::Borrowed("is required")),
    }
}

/// Turns the error of a `custom = path::to::fn` check into a message.
#[doc(hidden)]
#[inline]
pub fn custom_message<E: Into<Cow<'static, str>>>(error: E) -> Cow<'static, str> {
    error.into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_at_the_boundaries() {
        let at = |n: usize| "a".repeat(n);
        assert!(length(at(2).as_str(), Some(3), Some(50)).is_err());
        assert!(length(at(3).as_str(), Some(3), Some(50)).is_ok());
        assert!(length(at(50).as_str(), Some(3), Some(50)).is_ok());
        assert!(length(at(51).as_str(), Some(3), Some(50)).is_err());
        // 2 characters but 6 bytes: still too short.
        assert!(length("日本", Some(3), Some(50)).is_err());
        // 50 characters of 4 bytes each: fits.
        assert!(length("😀".repeat(50).as_str(), Some(3), Some(50)).is_ok());
        assert!(length("😀".repeat(51).as_str(), Some(3), Some(50)).is_err());
    }

    #[test]
    fn the_byte_count_shortcut_agrees_with_counting() {
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "été",
            "日本語",
            "😀😀",
            "a😀b",
            "ünïcödé text",
        ];
        for text in texts {
            for min in [None, Some(0), Some(1), Some(2), Some(3), Some(4), Some(8)] {
                for max in [None, Some(0), Some(1), Some(2), Some(3), Some(5), Some(12)] {
                    let n = text.chars().count();
                    let expected = min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m);
                    assert_eq!(
                        text_within(text, min, max),
                        expected,
                        "{text:?} {min:?} {max:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn length_messages_name_the_unit() {
        assert_eq!(
            length("ab", Some(3), Some(50)).unwrap_err(),
            "must be between 3 and 50 characters long"
        );
        assert_eq!(
            length(&vec![1; 11], None, Some(10)).unwrap_err(),
            "must contain at most 10 items"
        );
        assert_eq!(
            length("", Some(1), None).unwrap_err(),
            "must be at least 1 characters long"
        );
        assert_eq!(
            length("ab", Some(3), Some(3)).unwrap_err(),
            "must be exactly 3 characters long"
        );
    }

    #[test]
    fn range_is_inclusive_and_fails_nan() {
        assert!(range(&0_i32, Some(1), Some(10)).is_err());
        assert!(range(&1_i32, Some(1), Some(10)).is_ok());
        assert!(range(&10_i32, Some(1), Some(10)).is_ok());
        assert!(range(&11_i32, Some(1), Some(10)).is_err());
        assert!(range(&-0.5_f64, Some(0.0), None).is_err());
        assert!(range(&f64::NAN, None, Some(1.0)).is_err());
        assert_eq!(
            range(&11_i32, None, Some(10)).unwrap_err(),
            "must be at most 10"
        );
    }

    const PARSER_OPTIONS: email_address::Options = email_address::Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: false,
        allow_long_local_parts: false,
    };

    #[test]
    fn email_uses_the_parser() {
        for good in [
            "ada@example.com",
            "a.b+tag@sub.example.org",
            "名前@例え.jp",
            "\"a b\"@example.com",
        ] {
            assert!(email(good).is_ok(), "{good}");
            assert!(
                EmailAddress::parse_with_options(good, PARSER_OPTIONS).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "Ada <ada@example.com>",
            "<ada@example.com>",
            "ada@[127.0.0.1]",
            "ada@example..com",
            "ada@.example.com",
            "ada@example.com.",
            "a@b@example.com",
        ] {
            assert_eq!(
                email(bad).is_ok(),
                EmailAddress::parse_with_options(bad, PARSER_OPTIONS).is_ok(),
                "agrees with the parser on {bad}"
            );
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[cfg(feature = "url")]
    #[test]
    fn url_needs_an_absolute_url() {
        assert!(url("https://example.com").is_ok());
        assert!(url("mailto:ada@example.com").is_ok());
        assert!(url("example.com").is_err());
        assert!(url("").is_err());
    }

    #[cfg(feature = "regex")]
    #[test]
    fn regex_compiles_once_and_fails_closed() {
        static DIGITS: LazyRegex = LazyRegex::new("^[0-9]+$");
        assert!(regex("123", &DIGITS).is_ok());
        assert!(regex("12a", &DIGITS).is_err());
        assert!(std::ptr::eq(DIGITS.get().unwrap(), DIGITS.get().unwrap()));
        static BROKEN: LazyRegex = LazyRegex::new("(");
        assert!(regex("(", &BROKEN).is_err());
    }

    #[test]
    fn one_of_lists_the_allowed_values() {
        assert_eq!(
            one_of(&"blue", &["red", "green"]).unwrap_err(),
            "must be one of: red, green"
        );
        assert!(one_of(&Cow::Borrowed("red"), &["red"]).is_ok());
    }

    #[test]
    fn required_and_custom() {
        assert!(required(Some(&1)).is_ok());
        assert_eq!(required::<u8>(None).unwrap_err(), "is required");
        assert_eq!(custom_message("bad"), "bad");
        assert_eq!(custom_message(String::from("worse")), "worse");
    }
}
