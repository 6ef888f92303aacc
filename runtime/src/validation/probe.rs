//! The check `#[validated]` makes on parameters whose type it cannot read:
//! a type alias or wrapper that hides a `Json`, `Form` or `Query` would
//! otherwise reach the handler unvalidated.
//!
//! Method resolution does the work at compile time: `(&&Param::<T>::new()).kind()`
//! finds [`Extractor::kind`] when `T` is one of the extractors `#[validated]`
//! rewrites, and [`Other::kind`] for every other type; [`seen`] accepts only
//! the second. Nothing happens at run time.

use std::marker::PhantomData;

use axum::extract::Query;
use axum::{Form, Json};

/// Stands for a handler parameter of type `T`.
pub struct Param<T: ?Sized>(PhantomData<fn() -> T>);

impl<T: ?Sized> Param<T> {
    /// The probe for a parameter of type `T`.
    #[inline]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> Default for Param<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`Extractor::kind`] finds: an extractor behind another name.
pub struct Hidden<E: ?Sized>(PhantomData<fn() -> E>);

/// What [`Other::kind`] finds: a parameter `#[validated]` leaves alone.
pub struct Unrelated;

/// Implemented for the extractors `#[validated]` validates.
pub trait Extractor<E: ?Sized> {
    /// Marks the parameter as a hidden extractor.
    fn kind(&self) -> Hidden<E>;
}

/// Implemented for every parameter type; found only when [`Extractor`] is not.
pub trait Other {
    /// Marks the parameter as unrelated to validation.
    fn kind(&self) -> Unrelated;
}

impl<T: ?Sized> Other for Param<T> {
    #[inline]
    fn kind(&self) -> Unrelated {
        Unrelated
    }
}

macro_rules! extractors {
    ($($ty:ty => [$($generic:ident),*]),* $(,)?) => {$(
        impl<$($generic),*> Extractor<$ty> for &Param<$ty> {
            #[inline]
            fn kind(&self) -> Hidden<$ty> {
                Hidden(PhantomData)
            }
        }
    )*};
}

extractors! {
    Json<T> => [T],
    Form<T> => [T],
    Query<T> => [T],
    Option<Json<T>> => [T],
    Result<Json<T>, R> => [T, R],
    Result<Form<T>, R> => [T, R],
    Result<Query<T>, R> => [T, R],
}

/// Accepts a parameter `#[validated]` may leave alone.
#[diagnostic::on_unimplemented(
    message = "this parameter is a `Json`, `Form` or `Query` that `#[validated]` cannot see",
    label = "its type hides the extractor (a type alias or another name), so its input would not be validated",
    note = "`#[validated]` reads parameter types as written: write the extractor itself, such as `Json<NewItem>`, `Option<Json<NewItem>>` or `Result<Json<NewItem>, JsonRejection>`, or take `Valid<…>`"
)]
pub trait Visible {}

impl Visible for Unrelated {}

/// Compiles only for parameters that are not hidden extractors.
#[inline]
pub fn seen<K: Visible>(_: K) {}
