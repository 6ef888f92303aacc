//! Reading bodies and query strings into typed values, with failures turned
//! into fixed messages addressed by JSON pointer.

use serde::de::DeserializeOwned;

use super::describe;
use super::errors::ValidationErrors;
use super::serde_error::push_data_error;
use super::validate::Validate;

/// Why input could not become a value.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// Not parseable at all (400).
    Syntax,
    /// Parsed, but some values have the wrong type or are missing (422).
    Data(ValidationErrors),
}

/// Parses a JSON document, refusing trailing data. serde_json's recursion
/// limit (128 levels) bounds deeply nested input.
pub(crate) fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => match deserializer.end() {
            Ok(()) => Ok(value),
            Err(_) => Err(DecodeError::Syntax),
        },
        Err(error) => match error.inner().classify() {
            serde_json::error::Category::Data => {
                let message = error.inner().to_string();
                Err(DecodeError::Data(data_error(error.path(), &message)))
            }
            _ => {
                tracing::debug!(target: "portcullis::validation", error = %error.inner(), "request body is not JSON");
                Err(DecodeError::Syntax)
            }
        },
    }
}

/// As [`json`], and when the body does not deserialize, every missing or
/// mistyped member of `T` at once (see `describe`), not only serde's first.
pub(crate) fn json_described<T: DeserializeOwned + Validate>(
    bytes: &[u8],
) -> Result<T, DecodeError> {
    match json(bytes) {
        Err(DecodeError::Data(first)) => Err(DecodeError::Data(merge(
            describe::describe::<T>(bytes),
            first,
        ))),
        other => other,
    }
}

/// The described errors, with serde's own error added when they do not
/// cover its pointer (an unknown member, say); serde's alone without them.
fn merge(described: Option<ValidationErrors>, first: ValidationErrors) -> ValidationErrors {
    let Some(mut all) = described.filter(|errors| !errors.is_empty()) else {
        return first;
    };
    for error in first.into_vec() {
        if !all
            .as_slice()
            .iter()
            .any(|seen| seen.pointer == error.pointer)
        {
            all.push_pointer(error.pointer, error.detail);
        }
    }
    all
}

/// Parses `application/x-www-form-urlencoded` input (a body or a query string).
pub(crate) fn urlencoded<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let message = error.inner().to_string();
        DecodeError::Data(data_error(error.path(), &message))
    })
}

/// One 422 entry for a serde data error: the pointer from the path serde
/// reached, and a fixed detail chosen from the kind of error. serde's own text
/// quotes the input, so it is only logged.
fn data_error(path: &serde_path_to_error::Path, message: &str) -> ValidationErrors {
    let mut errors = ValidationErrors::new();
    push_data_error(&mut errors, String::from("#"), path, message);
    errors
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        tags: Option<Vec<String>>,
        count: Option<u8>,
    }

    fn data(result: Result<Item, DecodeError>) -> Vec<(String, String)> {
        match result {
            Err(DecodeError::Data(errors)) => errors
                .into_vec()
                .into_iter()
                .map(|e| (e.pointer, e.detail.into_owned()))
                .collect(),
            other => panic!("expected a data error, got {other:?}"),
        }
    }

    #[test]
    fn json_type_errors_point_at_the_value() {
        let errors = data(json(br#"{"name":"ok","tags":["a","b","c",4]}"#));
        assert_eq!(
            errors,
            [("#/tags/3".to_owned(), "has the wrong type".to_owned())]
        );
        let errors = data(json(br#"{"name":5}"#));
        assert_eq!(
            errors,
            [("#/name".to_owned(), "has the wrong type".to_owned())]
        );
        let errors = data(json(br#"{"name":"x","count":300}"#));
        assert_eq!(
            errors,
            [(
                "#/count".to_owned(),
                "has a value that is not allowed".to_owned()
            )]
        );
    }

    #[test]
    fn json_missing_fields_point_at_the_field() {
        let errors = data(json(br#"{"tags":[]}"#));
        assert_eq!(errors, [("#/name".to_owned(), "is required".to_owned())]);
    }

    #[test]
    fn json_syntax_errors_and_trailing_data_are_syntax() {
        for body in [&b"{"[..], b"not json", b"{\"name\":\"a\"} x", b""] {
            assert!(
                matches!(json::<Item>(body), Err(DecodeError::Syntax)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            json::<serde_json::Value>(deep.as_bytes()),
            Err(DecodeError::Syntax)
        ));
        let deep_objects = "{\"a\":".repeat(50_000);
        assert!(matches!(
            json::<Item>(deep_objects.as_bytes()),
            Err(DecodeError::Syntax | DecodeError::Data(_))
        ));
    }

    #[test]
    fn urlencoded_errors_point_at_the_field() {
        let errors = data(urlencoded(b"name=x&count=abc"));
        assert_eq!(errors, [("#/count".to_owned(), "is not valid".to_owned())]);
        let errors = data(urlencoded(b"count=1"));
        assert_eq!(errors, [("#/name".to_owned(), "is required".to_owned())]);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
        inner: Option<Box<Strict>>,
    }

    #[test]
    fn unknown_and_duplicate_members_point_at_their_object() {
        let unknown = json::<Strict>(br#"{"name":"a","inner":{"name":"b","<evil>":1}}"#);
        match unknown {
            Err(DecodeError::Data(errors)) => {
                let error = &errors.as_slice()[0];
                assert_eq!(error.pointer, "#/inner");
                assert_eq!(error.detail, "contains a member that is not allowed");
            }
            other => panic!("expected a data error, got {other:?}"),
        }
        let duplicate = json::<Strict>(br#"{"name":"a","name":"b"}"#);
        match duplicate {
            Err(DecodeError::Data(errors)) => {
                assert_eq!(
                    errors.as_slice()[0].detail,
                    "contains a member more than once"
                );
            }
            other => panic!("expected a data error, got {other:?}"),
        }
    }

    #[test]
    fn details_never_quote_the_input() {
        let errors = data(json(br#"{"name":"<script>","count":"<b>"}"#));
        for (pointer, detail) in errors {
            assert!(!pointer.contains('<') && !detail.contains('<'));
        }
    }
}
