//! [`ValidationRejection`]: the 400, 413, 415 and 422 answers of the
//! validating extractors.

use std::fmt;

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::errors::ValidationErrors;
use crate::problem::{Problem, ProblemResponder};

/// The problem `code` of a 422 answer.
pub const VALIDATION_FAILED: &str = "validation_failed";

/// Why a validating extractor refused a request.
///
/// Every variant answers with a fixed problem document rendered by the
/// request's [`ProblemResponder`]: nothing from serde, a parser or the request
/// body is copied into it. A 422 lists each failing value by JSON pointer.
pub struct ValidationRejection {
    problem: Box<Problem>,
    responder: ProblemResponder,
}

impl ValidationRejection {
    /// 415: the body is not of the media type the extractor reads.
    pub(crate) fn unsupported_media_type(
        expected: &'static str,
        responder: ProblemResponder,
    ) -> Self {
        Self::new(
            Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                expected,
            ),
            responder,
        )
    }

    /// 413: the body is larger than the configured limit.
    pub(crate) fn payload_too_large(responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than this endpoint accepts",
            ),
            responder,
        )
    }

    /// 400: the body could not be read or parsed at all.
    pub(crate) fn malformed(detail: &'static str, responder: ProblemResponder) -> Self {
        Self::new(
            Problem::new(StatusCode::BAD_REQUEST, "malformed_body", detail),
            responder,
        )
    }

    /// 422: the input was read but some values are wrong.
    pub(crate) fn invalid(
        detail: &'static str,
        errors: ValidationErrors,
        responder: ProblemResponder,
    ) -> Self {
        Self::new(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, VALIDATION_FAILED, detail)
                .with_errors(errors.into_vec()),
            responder,
        )
    }

    fn new(problem: Problem, responder: ProblemResponder) -> Self {
        Self {
            problem: Box::new(problem),
            responder,
        }
    }

    /// The problem document the client receives.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.problem.status()
    }
}

impl fmt::Debug for ValidationRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationRejection")
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ValidationRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.problem, f)
    }
}

impl std::error::Error for ValidationRejection {}

impl IntoResponse for ValidationRejection {
    fn into_response(self) -> Response {
        self.responder.respond(*self.problem)
    }
}
