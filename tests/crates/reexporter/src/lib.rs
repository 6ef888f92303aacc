//! Re-exports Portcullis for applications that depend only on this crate.

pub use portcullis;
