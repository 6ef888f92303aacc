//! Rate limits declared on routes: buckets per client address, per
//! authenticated subject or per form field, kept in a [`RateLimitStore`].

mod store;

pub use store::{Admission, Quota, RateLimitStore};
