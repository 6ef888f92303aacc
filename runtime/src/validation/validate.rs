//! The [`Validate`] trait that `#[derive(Validate)]` implements.

use super::errors::{Path, ValidationErrors};

/// A value that can clean itself up and check itself against declared rules.
///
/// Derive it with `#[derive(Validate)]` rather than implementing it by hand:
/// the derive reads `#[validate(...)]` on each field.
/// Handlers receive only validated values through [`crate::validation::Valid`]
/// or `#[validated]`.
///
/// ```
/// use portcullis::Validate;
///
/// #[derive(Validate)]
/// struct Signup {
///     #[validate(sanitize(trim), length(min = 3, max = 50))]
///     name: String,
///     #[validate(email)]
///     email: String,
/// }
///
/// let mut signup = Signup { name: "  al ".into(), email: "nope".into() };
/// let errors = signup.sanitize_and_validate().unwrap_err();
/// assert_eq!(signup.name, "al");
/// let pointers: Vec<_> = errors.as_slice().iter().map(|e| e.pointer.as_str()).collect();
/// assert_eq!(pointers, ["#/name", "#/email"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Validate`",
    label = "this type has no validation rules",
    note = "add `#[derive(portcullis::Validate)]` to `{Self}` and describe its rules with `#[validate(...)]`"
)]
pub trait Validate {
    /// Applies the `#[validate(sanitize(...))]` steps in place, nested values included.
    fn sanitize(&mut self);

    /// Checks every rule, recording each failing value under `path` in
    /// `errors`. Nothing is recorded when the value is valid.
    fn validate_into(&self, path: &Path<'_>, errors: &mut ValidationErrors);

    /// Checks every rule: `Ok(())`, or every failing value at once.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.validate_into(&Path::root(), &mut errors);
        errors.into_result()
    }

    /// Sanitizes, then validates: what the extractors do with a request body.
    fn sanitize_and_validate(&mut self) -> Result<(), ValidationErrors> {
        self.sanitize();
        self.validate()
    }

    /// Records every missing or mistyped member of `value`, a JSON value
    /// that did not deserialize into `Self`, under `path`; `false` when the
    /// type cannot tell (then serde's first error is reported alone).
    ///
    /// `#[derive(Validate)]` implements it from the serde attributes; the
    /// extractors call it only on input that failed to deserialize.
    #[doc(hidden)]
    fn describe_json(
        value: &serde_json::Value,
        path: &Path<'_>,
        errors: &mut ValidationErrors,
    ) -> bool
    where
        Self: Sized,
    {
        let _ = (value, path, errors);
        false
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn sanitize(&mut self) {
        T::sanitize(self);
    }

    fn validate_into(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        T::validate_into(self, path, errors);
    }
}

/// Absent values are valid; present ones are checked.
impl<T: Validate> Validate for Option<T> {
    fn sanitize(&mut self) {
        if let Some(value) = self {
            value.sanitize();
        }
    }

    fn validate_into(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        if let Some(value) = self {
            value.validate_into(path, errors);
        }
    }

    fn describe_json(
        value: &serde_json::Value,
        path: &Path<'_>,
        errors: &mut ValidationErrors,
    ) -> bool {
        value.is_null() || T::describe_json(value, path, errors)
    }
}

/// Each item is checked at its index, such as `#/addresses/2/city`.
impl<T: Validate> Validate for Vec<T> {
    fn sanitize(&mut self) {
        self.iter_mut().for_each(T::sanitize);
    }

    fn validate_into(&self, path: &Path<'_>, errors: &mut ValidationErrors) {
        for (index, item) in self.iter().enumerate() {
            item.validate_into(&Path::index(path, index), errors);
        }
    }

    /// Described when every item describes itself; otherwise serde reads the list.
    fn describe_json(
        value: &serde_json::Value,
        path: &Path<'_>,
        errors: &mut ValidationErrors,
    ) -> bool {
        let Some(items) = value.as_array() else {
            return false;
        };
        let mut found = ValidationErrors::new();
        for (index, item) in items.iter().enumerate() {
            if !T::describe_json(item, &Path::index(path, index), &mut found) {
                return false;
            }
        }
        for error in found.into_vec() {
            errors.push_pointer(error.pointer, error.detail);
        }
        true
    }
}

/// Sanitizes and validates a nested value; the derive calls it for `nested`.
#[doc(hidden)]
#[inline]
pub fn validate_nested<T: Validate + ?Sized>(
    value: &T,
    path: &Path<'_>,
    errors: &mut ValidationErrors,
) {
    value.validate_into(path, errors);
}

/// Sanitizes a nested value; the derive calls it for `nested`.
#[doc(hidden)]
#[inline]
pub fn sanitize_nested<T: Validate + ?Sized>(value: &mut T) {
    value.sanitize();
}

/// Compiles only when `T: Validate`; `#[validated]` spans it on the user's type.
#[doc(hidden)]
#[inline]
pub const fn assert_validate<T: Validate + ?Sized>() {}
