//! RFC 9457 problem documents: the one shape of every failure Portcullis answers.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// The media type of every problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One failing input value, addressed by a JSON pointer such as `#/tags/3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Where the value sits in the request body, as a URI fragment JSON pointer.
    pub pointer: String,
    /// What is wrong with it, in words written by Portcullis or the application.
    pub detail: Cow<'static, str>,
}

/// An RFC 9457 problem document with the `code` extension member.
///
/// Every text in it is fixed by Portcullis or the application: nothing from a
/// library error, a token or the request is copied in.
///
/// ```
/// use portcullis::Problem;
/// use http::StatusCode;
///
/// let problem = Problem::new(StatusCode::FORBIDDEN, "insufficient_role", "a required role is missing");
/// assert_eq!(problem.status(), StatusCode::FORBIDDEN);
/// assert_eq!(problem.code(), "insufficient_role");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    type_uri: Cow<'static, str>,
    title: Cow<'static, str>,
    status: u16,
    detail: Cow<'static, str>,
    code: Cow<'static, str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

impl Problem {
    /// A problem of `status` with a machine-readable `code` and a short `detail`.
    ///
    /// The title is the status's reason phrase and the type is `about:blank`,
    /// as RFC 9457 section 4.2.1 asks when no more specific type is defined.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            type_uri: Cow::Borrowed("about:blank"),
            title: Cow::Borrowed(status.canonical_reason().unwrap_or("Error")),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.into(),
            errors: Vec::new(),
        }
    }

    /// The same problem with a per-field error list (used for 422 answers).
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// The same problem with another `type` URI.
    #[must_use]
    pub fn with_type(mut self, type_uri: impl Into<Cow<'static, str>>) -> Self {
        self.type_uri = type_uri.into();
        self
    }

    /// The same problem with another `title`.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = title.into();
        self
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The machine-readable code, such as `invalid_token`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The per-field errors of a validation failure.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The generic 500 answer: it says nothing about what went wrong.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the server could not complete the request",
        )
    }

    /// Renders the document as JSON with `Content-Type: application/problem+json`.
    pub fn to_response(&self) -> Response {
        let body = serde_json::to_vec(self).unwrap_or_else(|_| {
            br#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"the server could not complete the request","code":"internal_error"}"#.to_vec()
        });
        let mut response = (self.status(), body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

/// The one place where problems become responses; an application may replace it.
///
/// Every rejection Portcullis produces under a [`crate::SecureRouter`] goes
/// through the responder configured on [`crate::Security`], so an application
/// can add a `type` URI scheme of its own, translate details, or add headers.
/// Headers the protocol requires (such as `WWW-Authenticate`) are added after
/// the responder runs, so a custom responder cannot lose them.
///
/// ```
/// use portcullis::{Problem, ProblemResponder};
///
/// let responder = ProblemResponder::new(|problem: Problem| {
///     problem.with_type("https://errors.example.com/auth").to_response()
/// });
/// # let _ = responder;
/// ```
#[derive(Clone)]
pub struct ProblemResponder(Option<Arc<dyn Fn(Problem) -> Response + Send + Sync>>);

impl ProblemResponder {
    /// A responder that renders problems with `render`.
    pub fn new(render: impl Fn(Problem) -> Response + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(render)))
    }

    /// Turns `problem` into the response the client sees.
    pub fn respond(&self, problem: Problem) -> Response {
        match &self.0 {
            Some(render) => render(problem),
            None => problem.to_response(),
        }
    }
}

impl Default for ProblemResponder {
    /// The built-in rendering: [`Problem::to_response`].
    fn default() -> Self {
        Self(None)
    }
}

impl fmt::Debug for ProblemResponder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProblemResponder(custom)"
        } else {
            "ProblemResponder(default)"
        })
    }
}
