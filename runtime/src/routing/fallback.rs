//! 404 and 405 answers in the problem shape.

use axum::response::Response;
use http::StatusCode;
use http::request::Parts;

use crate::problem::Problem;
use crate::security::Security;

pub(crate) async fn not_found(parts: Parts) -> Response {
    Security::responder_of(&parts).respond(Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no resource at this path",
    ))
}

pub(crate) async fn method_not_allowed(parts: Parts) -> Response {
    Security::responder_of(&parts).respond(Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this resource does not accept the request method",
    ))
}
