//! The showcase's request bodies: validated (and sanitized) before a
//! handler sees them. Shared with the fuzz targets under `fuzz/`.

use portcullis::prelude::*;
use serde::Deserialize;

/// `POST /items` body: validated before the handler sees it.
#[derive(Debug, Deserialize, Validate)]
pub(crate) struct NewItem {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    pub(crate) name: String,
    #[validate(sanitize(trim), email)]
    pub(crate) email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    pub(crate) tags: Option<Vec<String>>,
}

/// `POST /comments` body: its HTML is sanitized.
#[derive(Debug, Deserialize, Validate)]
pub(crate) struct NewComment {
    #[validate(sanitize(html), length(min = 1, max = 2000))]
    pub(crate) text: String,
}
