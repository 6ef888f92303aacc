//! The compile-time proof that a handler carries a policy.

use crate::extract::{Fused, Guard};
use crate::policy::{DenyAll, Policy};

/// Implemented for the extractor list of handlers whose first parameter is a
/// [`Guard`], which the policy attributes add. [`crate::SecureRouter`] routes
/// only such handlers, so an unguarded handler does not compile.
#[diagnostic::on_unimplemented(
    message = "this handler has no Portcullis policy, so `SecureRouter` will not route it",
    label = "handler without a policy attribute",
    note = "add one of `#[public]`, `#[authenticated]`, `#[requires_role(\"…\")]`, `#[requires_any_role(\"…\", …)]`, `#[requires_scope(\"…\")]` or `#[requires(…)]` on the handler's `async fn` (a closure moves into a named `async fn` first)"
)]
pub trait GuardedHandler {
    /// The handler's policy, which the route table records.
    type Policy: Policy;
}

/// Never an extractor. Its impls give every arity a second candidate, so the
/// compiler infers a handler's extractor list from the handler itself (and
/// then reports the missing policy) instead of from the one guarded impl.
#[doc(hidden)]
#[derive(Debug)]
pub enum NotAnExtractor {}

macro_rules! guarded_tuples {
    ($($ty:ident),*) => {
        impl<M, P: Policy, F: Fused, $($ty,)*> GuardedHandler for (M, Guard<P, F>, $($ty,)*) {
            type Policy = P;
        }
        impl<M, $($ty,)*> GuardedHandler for (M, NotAnExtractor, $($ty,)*) {
            type Policy = DenyAll;
        }
    };
}

guarded_tuples!();
guarded_tuples!(T1);
guarded_tuples!(T1, T2);
guarded_tuples!(T1, T2, T3);
guarded_tuples!(T1, T2, T3, T4);
guarded_tuples!(T1, T2, T3, T4, T5);
guarded_tuples!(T1, T2, T3, T4, T5, T6);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8, T9);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13);
guarded_tuples!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14);
guarded_tuples!(
    T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15
);
