//! The second look at a JSON body that did not deserialize: every missing
//! member and every member of the wrong type at once, as FastAPI and
//! pydantic report them, instead of serde's first error only.
//!
//! `#[derive(Validate)]` implements [`Validate::describe_json`] from the
//! struct's serde attributes (names, aliases, `default`, `skip`, `flatten`).
//! It runs only when deserializing failed, so a valid body costs nothing more.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
pub use serde_json::{Map, Value};

use super::errors::{Path, ValidationErrors};
use super::validate::Validate;

/// The first of `names` (a member's name, then its aliases) present in
/// `object`, with its value: errors point at the name the client sent.
#[inline]
pub fn member<'v>(
    object: &'v Map<String, Value>,
    names: &[&'static str],
) -> Option<(&'static str, &'v Value)> {
    names
        .iter()
        .find_map(|name| object.get(*name).map(|value| (*name, value)))
}

/// Records `value`'s problems as a value of type `F`, chosen at compile time
/// by method resolution (most specific first): a type that describes itself
/// ([`ViaValidate`]), one serde can read ([`ViaDeserialize`]), or neither
/// ([`ViaNothing`], for generic fields whose bounds are not known here).
pub struct Probe<F: ?Sized>(PhantomData<fn() -> F>);

impl<F: ?Sized> Probe<F> {
    /// The probe for fields of type `F`.
    #[inline]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<F: ?Sized> Default for Probe<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// A field whose type derives `Validate` (or holds one): its own members are
/// reported; anything else is read by serde.
pub trait ViaValidate {
    /// Records the problems of `value`, a member at `path`.
    fn check(&self, value: &Value, path: &Path<'_>, errors: &mut ValidationErrors);
    /// Records the problems of the members a flattened field takes from `object`.
    fn flatten(&self, object: &Value, path: &Path<'_>, errors: &mut ValidationErrors);
}

impl<F: Validate + DeserializeOwned> ViaValidate for &&Probe<F> {
    #[inline]
    fn check(&self, value: &Value, path: &Path<'_>, errors: &mut ValidationErrors) {
        if !F::describe_json(value, path, errors) {
            deserialize::<F>(value, path, errors);
        }
    }

    #[inline]
    fn flatten(&self, object: &Value, path: &Path<'_>, errors: &mut ValidationErrors) {
        F::describe_json(object, path, errors);
    }
}

/// A field serde can read but that does not describe itself.
pub trait ViaDeserialize {
    /// Records the problems of `value`, a member at `path`.
    fn check(&self, value: &Value, path: &Path<'_>, errors: &mut ValidationErrors);
    /// Flattened fields without a description report nothing of their own.
    fn flatten(&self, object: &Value, path: &Path<'_>, errors: &mut ValidationErrors);
}

impl<F: DeserializeOwned> ViaDeserialize for &Probe<F> {
    #[inline]
    fn check(&self, value: &Value, path: &Path<'_>, errors: &mut ValidationErrors) {
        deserialize::<F>(value, path, errors);
    }

    #[inline]
    fn flatten(&self, _: &Value, _: &Path<'_>, _: &mut ValidationErrors) {}
}

/// A field whose type is not known to be readable here (a generic parameter).
pub trait ViaNothing {
    /// Reports nothing: serde's own first error stands for it.
    fn check(&self, value: &Value, path: &Path<'_>, errors: &mut ValidationErrors);
    /// Reports nothing.
    fn flatten(&self, object: &Value, path: &Path<'_>, errors: &mut ValidationErrors);
}

impl<F: ?Sized> ViaNothing for Probe<F> {
    #[inline]
    fn check(&self, _: &Value, _: &Path<'_>, _: &mut ValidationErrors) {}

    #[inline]
    fn flatten(&self, _: &Value, _: &Path<'_>, _: &mut ValidationErrors) {}
}

/// Stands for a borrowed field type (`&'a str`): present or not, never read here.
pub struct Borrowed;

/// Reads `value` as an `F`, recording serde's first error under `path`.
fn deserialize<F: DeserializeOwned>(value: &Value, path: &Path<'_>, errors: &mut ValidationErrors) {
    if let Err(error) = serde_path_to_error::deserialize::<_, F>(value) {
        let message = error.inner().to_string();
        super::serde_error::push_data_error(errors, path.to_pointer(), error.path(), &message);
    }
}

/// Every problem of a JSON body of type `T` that did not deserialize, or
/// `None` when `T` does not describe itself.
pub(crate) fn describe<T: Validate>(bytes: &[u8]) -> Option<ValidationErrors> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let mut errors = ValidationErrors::new();
    T::describe_json(&value, &Path::root(), &mut errors).then_some(errors)
}
