//! 404 and 405 answers in the problem shape.

use axum::response::Response;
use http::StatusCode;

use crate::hardening::problem_for_status;
use crate::problem::ProblemResponder;

pub(crate) async fn not_found(responder: ProblemResponder) -> Response {
    responder.respond(problem_for_status(StatusCode::NOT_FOUND))
}

pub(crate) async fn method_not_allowed(responder: ProblemResponder) -> Response {
    responder.respond(problem_for_status(StatusCode::METHOD_NOT_ALLOWED))
}
