//! The boxed future that trait objects (user stores, revocation stores) return.

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future, so stores can be held as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
