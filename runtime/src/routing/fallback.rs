//! 404 and 405 answers in the problem shape.

use axum::response::Response;
use http::StatusCode;

use crate::problem::{Problem, ProblemResponder};

pub(crate) async fn not_found(responder: ProblemResponder) -> Response {
    responder.respond(Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no resource at this path",
    ))
}

pub(crate) async fn method_not_allowed(responder: ProblemResponder) -> Response {
    responder.respond(Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this resource does not accept the request method",
    ))
}
