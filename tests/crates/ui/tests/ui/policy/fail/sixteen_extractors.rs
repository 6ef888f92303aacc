use axum::http::{HeaderMap, Method, Uri, Version};
use portcullis::authenticated;

#[authenticated]
async fn busy(
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
    _: Method, _: Uri, _: Version, _: HeaderMap,
) {}

fn main() {}
