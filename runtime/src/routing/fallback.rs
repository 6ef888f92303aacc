//! 404 and 405 answers in the problem shape.

use axum::response::Response;
use http::StatusCode;

use crate::hardening::problem_for_status;
use crate::security::Security;

pub(crate) async fn not_found(security: Security) -> Response {
    security
        .responder()
        .respond(problem_for_status(StatusCode::NOT_FOUND))
}

pub(crate) async fn method_not_allowed(security: Security) -> Response {
    security
        .responder()
        .respond(problem_for_status(StatusCode::METHOD_NOT_ALLOWED))
}
