//! [`Valid`]: the extractor wrapper that hands a handler only sanitized,
//! validated input.

use std::fmt;
use std::ops::Deref;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::{Form, Json};
use http::request::Parts;
use http::{HeaderMap, Method, header};
use serde::de::DeserializeOwned;

use super::decode::{self, DecodeError};
use super::rejection::ValidationRejection;
use super::validate::Validate;
use crate::context;
use crate::problem::ProblemResponder;

/// Proof that an extracted value passed its sanitizers and rules: only the
/// extractors in this module build one.
///
/// Works with `Json<T>`, `Form<T>` and `Query<T>` whose `T` derives
/// [`Validate`], and with the shapes axum reads them in: `Option<Json<T>>`
/// (`None` without a `Content-Type`) and `Result<Json<T>, _>` (likewise
/// `Form` and `Query`), whose `Err` holds axum's rejection when the input
/// cannot be read; input that reads but breaks a rule is refused with a 422
/// either way. A wrong content type answers 415, an unreadable body 400, a
/// body beyond the limit 413, and wrong or invalid values 422 with one entry
/// per failing value; see [`ValidationRejection`]. `#[validated]` on a
/// handler does the same without changing its parameter types.
///
/// ```
/// use axum::{Json, Router, routing::post};
/// use portcullis::Validate;
/// use portcullis::validation::Valid;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Validate)]
/// struct NewItem {
///     #[validate(length(min = 3, max = 50))]
///     name: String,
/// }
///
/// async fn create(item: Valid<Json<NewItem>>) -> String {
///     let Json(item) = item.into_inner();
///     item.name
/// }
///
/// let app: Router = Router::new().route("/items", post(create));
/// ```
#[derive(Clone, Copy)]
pub struct Valid<E>(E);

impl<E> Valid<E> {
    /// The validated extractor, such as `Json(item)`.
    pub fn into_inner(self) -> E {
        self.0
    }
}

impl<E> Deref for Valid<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.0
    }
}

impl<E> AsRef<E> for Valid<E> {
    fn as_ref(&self) -> &E {
        &self.0
    }
}

impl<E: fmt::Debug> fmt::Debug for Valid<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Valid").field(&self.0).finish()
    }
}

const EXPECT_JSON: &str = "the request body must be JSON (`Content-Type: application/json`)";
const EXPECT_FORM: &str =
    "the request body must be a form (`Content-Type: application/x-www-form-urlencoded`)";
const BODY_INVALID: &str = "the request body failed validation";
const QUERY_INVALID: &str = "the query string failed validation";

impl<S, T> FromRequest<S> for Valid<Json<T>>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ValidationRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let responder = context::responder();
        if !has_media_type(req.headers(), |essence| {
            essence.eq_ignore_ascii_case("application/json")
                || (starts_with_ignore_case(essence, "application/")
                    && ends_with_ignore_case(essence, "+json"))
        }) {
            return Err(ValidationRejection::unsupported_media_type(
                EXPECT_JSON,
                responder,
            ));
        }
        let bytes = read_body(req, state, &responder).await?;
        let value = decode::json_described::<T>(&bytes).map_err(|error| {
            reject(
                error,
                BODY_INVALID,
                "the request body is not valid JSON",
                &responder,
            )
        })?;
        check(value, BODY_INVALID, responder).map(|value| Self(Json(value)))
    }
}

impl<S, T> FromRequest<S> for Valid<Form<T>>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ValidationRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let responder = context::responder();
        if req.method() == Method::GET || req.method() == Method::HEAD {
            // As axum's `Form`: a GET or HEAD form travels in the query string.
            return validated_query(req.uri().query(), responder).map(|value| Self(Form(value)));
        }
        if !has_media_type(req.headers(), |essence| {
            essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        }) {
            return Err(ValidationRejection::unsupported_media_type(
                EXPECT_FORM,
                responder,
            ));
        }
        let bytes = read_body(req, state, &responder).await?;
        let value = decode::urlencoded(&bytes).map_err(|error| {
            reject(
                error,
                BODY_INVALID,
                "the request body is not a valid form",
                &responder,
            )
        })?;
        check(value, BODY_INVALID, responder).map(|value| Self(Form(value)))
    }
}

impl<S, T> FromRequestParts<S> for Valid<axum::extract::Query<T>>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ValidationRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let responder = context::responder();
        validated_query(parts.uri.query(), responder).map(|value| Self(axum::extract::Query(value)))
    }
}

/// As axum's `Option<Json<T>>`: `None` without a `Content-Type`, otherwise
/// the body is read, sanitized and validated as for `Valid<Json<T>>`.
impl<S, T> FromRequest<S> for Valid<Option<Json<T>>>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ValidationRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !req.headers().contains_key(header::CONTENT_TYPE) {
            return Ok(Self(None));
        }
        let Valid(json) = Valid::<Json<T>>::from_request(req, state).await?;
        Ok(Self(Some(json)))
    }
}

/// The handler sees axum's rejection in the `Err` arm when the body cannot be
/// read as `T`; a body that reads but breaks a rule never reaches it (422).
impl<S, T, R> FromRequest<S> for Valid<Result<Json<T>, R>>
where
    S: Send + Sync,
    T: Validate,
    Json<T>: FromRequest<S, Rejection = R>,
{
    type Rejection = ValidationRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let responder = context::responder();
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => {
                check(value, BODY_INVALID, responder).map(|value| Self(Ok(Json(value))))
            }
            Err(rejection) => Ok(Self(Err(rejection))),
        }
    }
}

/// As for `Result<Json<T>, _>`: the `Err` arm only sees forms that do not read.
impl<S, T, R> FromRequest<S> for Valid<Result<Form<T>, R>>
where
    S: Send + Sync,
    T: Validate,
    Form<T>: FromRequest<S, Rejection = R>,
{
    type Rejection = ValidationRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let responder = context::responder();
        match Form::<T>::from_request(req, state).await {
            Ok(Form(value)) => {
                check(value, BODY_INVALID, responder).map(|value| Self(Ok(Form(value))))
            }
            Err(rejection) => Ok(Self(Err(rejection))),
        }
    }
}

/// As for `Result<Json<T>, _>`: the `Err` arm only sees query strings that do not read.
impl<S, T, R> FromRequestParts<S> for Valid<Result<axum::extract::Query<T>, R>>
where
    S: Send + Sync,
    T: Validate,
    axum::extract::Query<T>: FromRequestParts<S, Rejection = R>,
{
    type Rejection = ValidationRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let responder = context::responder();
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => check(value, QUERY_INVALID, responder)
                .map(|value| Self(Ok(axum::extract::Query(value)))),
            Err(rejection) => Ok(Self(Err(rejection))),
        }
    }
}

/// Decodes, sanitizes and validates a query string.
fn validated_query<T: DeserializeOwned + Validate>(
    query: Option<&str>,
    responder: ProblemResponder,
) -> Result<T, ValidationRejection> {
    let value = decode::urlencoded(query.unwrap_or_default().as_bytes())
        .map_err(|error| reject(error, QUERY_INVALID, QUERY_INVALID, &responder))?;
    check(value, QUERY_INVALID, responder)
}

/// Sanitizes and validates a decoded value.
fn check<T: Validate>(
    mut value: T,
    detail: &'static str,
    responder: ProblemResponder,
) -> Result<T, ValidationRejection> {
    match value.sanitize_and_validate() {
        Ok(()) => Ok(value),
        Err(errors) => {
            tracing::debug!(target: "portcullis::validation", failures = errors.len(), "input failed validation");
            Err(ValidationRejection::invalid(detail, errors, responder))
        }
    }
}

fn reject(
    error: DecodeError,
    invalid: &'static str,
    malformed: &'static str,
    responder: &ProblemResponder,
) -> ValidationRejection {
    match error {
        DecodeError::Syntax => ValidationRejection::malformed(malformed, responder.clone()),
        DecodeError::Data(errors) => {
            ValidationRejection::invalid(invalid, errors, responder.clone())
        }
    }
}

/// Reads the whole body within the router's `DefaultBodyLimit`.
async fn read_body<S: Send + Sync>(
    req: Request,
    state: &S,
    responder: &ProblemResponder,
) -> Result<Bytes, ValidationRejection> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
            ValidationRejection::payload_too_large(responder.clone())
        } else {
            tracing::debug!(target: "portcullis::validation", error = %rejection.body_text(), "request body could not be read");
            ValidationRejection::malformed("the request body could not be read", responder.clone())
        }
    })
}

/// Whether the `Content-Type` essence (type/subtype, parameters dropped) is accepted.
fn has_media_type(headers: &HeaderMap, accept: impl Fn(&str) -> bool) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| accept(essence.trim()))
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    let Some(start) = text.len().checked_sub(suffix.len()) else {
        return false;
    };
    text.is_char_boundary(start) && text[start..].eq_ignore_ascii_case(suffix)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn with(content_type: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers
    }

    fn json(essence: &str) -> bool {
        essence.eq_ignore_ascii_case("application/json")
            || (starts_with_ignore_case(essence, "application/")
                && ends_with_ignore_case(essence, "+json"))
    }

    #[test]
    fn media_types() {
        assert!(has_media_type(&with("application/json"), json));
        assert!(has_media_type(
            &with("Application/JSON; charset=utf-8"),
            json
        ));
        assert!(has_media_type(&with("application/merge-patch+json"), json));
        assert!(!has_media_type(&with("text/plain"), json));
        assert!(!has_media_type(&with("application/jsonx"), json));
        assert!(!has_media_type(&with("+json"), json));
        assert!(!has_media_type(&HeaderMap::new(), json));
    }
}
