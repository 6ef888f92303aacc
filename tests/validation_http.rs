//! The validating extractors through a real axum router: every status the
//! contract lists for input (201, 400, 413, 415, 422), in the problem shape.

#![allow(missing_docs, clippy::unwrap_used)]

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Form, Query};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use portcullis::validation::Valid;
use portcullis::{Problem, ProblemResponder, Security, Validate, validated};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower::ServiceExt as _;

#[derive(Debug, Deserialize, Serialize, Validate)]
struct NewItem {
    #[validate(sanitize(trim), length(min = 3, max = 50))]
    name: String,
    #[validate(sanitize(trim, lowercase), email)]
    email: String,
    #[validate(length(max = 10), each(length(min = 1, max = 30)))]
    tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Validate)]
struct Search {
    #[validate(length(min = 1, max = 20))]
    q: String,
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
}

#[derive(Debug, Deserialize, Validate)]
struct Login {
    #[validate(sanitize(trim, lowercase), length(min = 3))]
    username: String,
    #[validate(length(min = 8))]
    password: String,
}

/// The `#[validated]` form: the body sees `Json(item)` as written.
#[validated]
async fn create(Json(item): Json<NewItem>) -> impl IntoResponse {
    (StatusCode::CREATED, Json(item))
}

/// The extractor form.
async fn create_plain(item: Valid<Json<NewItem>>) -> impl IntoResponse {
    let Json(item) = item.into_inner();
    (StatusCode::CREATED, Json(item))
}

/// Other parameters stay as they are; a plain binding stays a plain binding.
#[validated]
async fn create_with_headers(headers: HeaderMap, body: axum::Json<NewItem>) -> impl IntoResponse {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        StatusCode::CREATED,
        Json(json!({ "agent": agent, "name": body.0.name })),
    )
}

#[validated]
async fn search(Query(search): Query<Search>) -> String {
    format!("{}:{}", search.q, search.limit.unwrap_or(10))
}

#[validated]
async fn login(Form(login): Form<Login>) -> String {
    format!("{}:{}", login.username, login.password.len())
}

/// What a policy attribute leaves behind: a first parameter with the guard.
struct Anyone;

impl portcullis::Policy for Anyone {
    const ID: &'static str = "validation_http::create_guarded";
    const REQUIREMENT: portcullis::Requirement = portcullis::Requirement::Public;
}

/// As after `#[public] #[validated]`: the guard parameter is not touched.
#[validated]
async fn create_guarded(
    __portcullis_guard: ::portcullis::__private::Guard<Anyone>,
    Json(item): Json<NewItem>,
) -> impl IntoResponse {
    let _ = __portcullis_guard;
    (StatusCode::CREATED, Json(item))
}

#[derive(Debug, Deserialize, Validate)]
struct Page {
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
}

/// A visible query beside a body taken as a `Result` (a common axum
/// pattern): both are validated; the `Err` arm only sees unreadable bodies.
#[validated]
async fn create_paged(
    Query(page): Query<Page>,
    body: Result<Json<NewItem>, JsonRejection>,
) -> axum::response::Response {
    match body {
        Ok(Json(item)) => (
            StatusCode::CREATED,
            Json(json!({"name": item.name, "limit": page.limit})),
        )
            .into_response(),
        Err(rejection) => (StatusCode::IM_A_TEAPOT, rejection.body_text()).into_response(),
    }
}

/// An optional body: absent without a `Content-Type`, validated when sent.
#[validated]
async fn create_optional(body: Option<Json<NewItem>>) -> axum::response::Response {
    match body {
        Some(Json(item)) => (StatusCode::CREATED, item.name).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

#[derive(Debug, Deserialize, Validate)]
struct Address {
    #[validate(length(min = 1))]
    city: String,
    #[validate(length(min = 5))]
    zip: String,
}

#[derive(Debug, Deserialize, Validate)]
struct Contact {
    #[validate(length(min = 3))]
    phone: String,
}

/// serde's renames, aliases, defaults and flattening, all honoured when
/// every missing or mistyped member is reported.
#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[validate(length(min = 1))]
    display_name: String,
    #[serde(alias = "mail")]
    #[validate(email)]
    email_address: String,
    #[serde(default)]
    #[validate(range(max = 10))]
    level: u8,
    #[serde(rename = "home")]
    #[validate(nested)]
    address: Address,
    #[serde(flatten)]
    #[validate(nested)]
    contact: Contact,
    #[validate(each(nested))]
    previous: Vec<Address>,
}

#[validated]
async fn create_profile(Json(profile): Json<Profile>) -> String {
    format!("{}:{}", profile.display_name, profile.previous.len())
}

fn app() -> Router {
    Router::new()
        .route("/paged/items", post(create_paged))
        .route("/optional/items", post(create_optional))
        .route("/profiles", post(create_profile))
        .route("/items", post(create))
        .route("/plain/items", post(create_plain))
        .route("/headers/items", post(create_with_headers))
        .route("/search", get(search))
        .route("/login", post(login))
        .layer(DefaultBodyLimit::max(portcullis::DEFAULT_BODY_LIMIT))
}

async fn send(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn json_request(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

/// Sends `body` to `path` and returns the status and the parsed problem.
async fn fetch_problem(path: &str, request: Request<Body>) -> (StatusCode, Value) {
    let (status, headers, body) = send(app(), request).await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/problem+json",
        "{path}"
    );
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["status"], status.as_u16());
    for member in ["type", "title", "detail", "code"] {
        assert!(value[member].is_string(), "{member} missing in {value}");
    }
    (status, value)
}

fn errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn valid_bodies_are_sanitized_and_reach_the_handler() {
    for path in ["/items", "/plain/items"] {
        let body = json!({"name": "  Widget ", "email": " Ada@Example.com", "tags": ["a", "b"]});
        let (status, _, body) = send(app(), json_request(path, body.to_string())).await;
        assert_eq!(status, StatusCode::CREATED, "{path}");
        let item: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            item,
            json!({"name": "Widget", "email": "ada@example.com", "tags": ["a", "b"]})
        );
    }
}

#[tokio::test]
async fn other_parameters_are_untouched() {
    let mut request = json_request(
        "/headers/items",
        json!({"name": "abc", "email": "a@example.com"}).to_string(),
    );
    request
        .headers_mut()
        .insert(header::USER_AGENT, "tests".parse().unwrap());
    let (status, _, body) = send(app(), request).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"agent": "tests", "name": "abc"})
    );
    let bad = json_request(
        "/headers/items",
        json!({"name": "ab", "email": "a@example.com"}).to_string(),
    );
    let (status, _) = fetch_problem("/headers/items", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_guard_parameter_from_a_policy_attribute_is_left_alone() {
    // Guarded handlers run only through a `SecureRouter`.
    let app = || secure_app(Security::builder().build().unwrap());
    let good = json!({"name": "abc", "email": "a@example.com"}).to_string();
    assert_eq!(
        send(app(), json_request("/items", good)).await.0,
        StatusCode::CREATED
    );
    let bad = json!({"name": "ab", "email": "a@example.com"}).to_string();
    let (status, _, _) = send(app(), json_request("/items", bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn failing_fields_are_all_listed_in_a_422() {
    let mut tags: Vec<Value> = (0..10).map(|n| json!(format!("t{n}"))).collect();
    tags[3] = json!("");
    let body = json!({"name": "ab", "email": "not an email", "tags": tags});
    for path in ["/items", "/plain/items"] {
        let (status, problem) = fetch_problem(path, json_request(path, body.to_string())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(
            errors(&problem),
            [
                (
                    "#/name".to_owned(),
                    "must be between 3 and 50 characters long".to_owned()
                ),
                (
                    "#/email".to_owned(),
                    "must be a valid email address".to_owned()
                ),
                (
                    "#/tags/3".to_owned(),
                    "must be between 1 and 30 characters long".to_owned()
                ),
            ]
        );
    }
}

#[tokio::test]
async fn name_boundaries_over_http() {
    for (name, expected) in [
        ("ab".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
        ("abc".to_owned(), StatusCode::CREATED),
        ("x".repeat(50), StatusCode::CREATED),
        ("x".repeat(51), StatusCode::UNPROCESSABLE_ENTITY),
        ("ßüé".to_owned(), StatusCode::CREATED),
        ("日本".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let body = json!({"name": name, "email": "ada@example.com"}).to_string();
        let (status, _, _) = send(app(), json_request("/items", body)).await;
        assert_eq!(status, expected, "{name:?}");
    }
}

#[tokio::test]
async fn wrong_json_types_and_missing_fields_are_422_on_the_field() {
    let cases = [
        (
            json!({"name": 5, "email": "a@example.com"}),
            "#/name",
            "has the wrong type",
        ),
        (
            json!({"name": "abc", "email": "a@example.com", "tags": ["a", "b", "c", 4]}),
            "#/tags/3",
            "has the wrong type",
        ),
        (
            json!({"name": "abc", "email": "a@example.com", "tags": "a"}),
            "#/tags",
            "has the wrong type",
        ),
        (json!({"name": "abc"}), "#/email", "is required"),
        (json!(["abc"]), "#", "has the wrong number of items"),
    ];
    for (body, pointer, detail) in cases {
        let (status, problem) =
            fetch_problem("/items", json_request("/items", body.to_string())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            errors(&problem),
            [(pointer.to_owned(), detail.to_owned())],
            "{body}"
        );
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_are_400() {
    for body in [
        "{",
        "not json",
        r#"{"name":"abc","email":"a@example.com"} trailing"#,
        "",
        "\u{0}",
    ] {
        let (status, problem) = fetch_problem("/items", json_request("/items", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(problem["code"], "malformed_body");
        assert!(problem.get("errors").is_none());
    }
}

#[tokio::test]
async fn wrong_content_types_are_415() {
    let body = json!({"name": "abc", "email": "a@example.com"}).to_string();
    let no_type = Request::post("/items")
        .body(Body::from(body.clone()))
        .unwrap();
    let (status, problem) = fetch_problem("/items", no_type).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(problem["code"], "unsupported_media_type");
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonp",
    ] {
        let request = Request::post("/items")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.clone()))
            .unwrap();
        let (status, _) = fetch_problem("/items", request).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
    }
    let suffixed = Request::post("/items")
        .header(
            header::CONTENT_TYPE,
            "application/vnd.api+json; charset=utf-8",
        )
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(app(), suffixed).await.0, StatusCode::CREATED);
    let json_to_form = json_request("/login", "username=ada&password=longenough");
    assert_eq!(
        fetch_problem("/login", json_to_form).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[tokio::test]
async fn bodies_beyond_the_limit_are_413() {
    let name = "x".repeat(portcullis::DEFAULT_BODY_LIMIT);
    let body = json!({"name": name, "email": "a@example.com"}).to_string();
    let (status, problem) = fetch_problem("/items", json_request("/items", body)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem["code"], "payload_too_large");
    // A smaller, configured limit applies too.
    let small = Router::new()
        .route("/items", post(create))
        .layer(DefaultBodyLimit::max(16));
    let (status, _, _) = send(
        small,
        json_request(
            "/items",
            json!({"name": "abcdef", "email": "a@example.com"}).to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn deep_or_huge_json_is_refused_without_crashing() {
    let deep_array = "[".repeat(60_000);
    let (status, _) = fetch_problem("/items", json_request("/items", deep_array)).await;
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status}"
    );
    let deep_value = format!(
        r#"{{"name":{}1{},"email":"a@example.com"}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let (status, problem) = fetch_problem("/items", json_request("/items", deep_value)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [("#/name".to_owned(), "has the wrong type".to_owned())]
    );
    let deep_tags = format!(
        r#"{{"name":"abc","email":"a@example.com","tags":{}{}"#,
        "[".repeat(30_000),
        "]".repeat(30_000)
    );
    let (status, _) = fetch_problem("/items", json_request("/items", deep_tags)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let many_tags =
        json!({"name": "abc", "email": "a@example.com", "tags": vec!["t"; 5_000]}).to_string();
    let (status, problem) = fetch_problem("/items", json_request("/items", many_tags)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [(
            "#/tags".to_owned(),
            "must contain at most 10 items".to_owned()
        )]
    );
}

#[tokio::test]
async fn answers_never_echo_the_input_or_library_messages() {
    let hostile = "<script>alert('x')</script>";
    let bodies = [
        json!({"name": hostile, "email": hostile, "tags": [hostile]}).to_string(),
        json!({"name": 12345678, "email": hostile}).to_string(),
        format!(r#"{{"name": "{hostile}""#),
        json!({"name": "abc", "email": "a@example.com", "tags": [9, hostile]}).to_string(),
    ];
    for body in bodies {
        let (_, _, response) = send(app(), json_request("/items", body.clone())).await;
        let text = String::from_utf8(response).unwrap();
        for leak in [
            "script",
            "alert",
            "12345678",
            "invalid type",
            "expected",
            "line",
            "column",
            "serde",
        ] {
            assert!(!text.contains(leak), "{leak:?} leaked for {body}: {text}");
        }
    }
}

#[tokio::test]
async fn query_parameters_are_validated() {
    let (status, _, body) = send(
        app(),
        Request::get("/search?q=rust&limit=5")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"rust:5"[..]));
    let (status, problem) = fetch_problem(
        "/search",
        Request::get("/search?q=&limit=500")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["detail"], "the query string failed validation");
    assert_eq!(
        errors(&problem),
        [
            (
                "#/q".to_owned(),
                "must be between 1 and 20 characters long".to_owned()
            ),
            ("#/limit".to_owned(), "must be between 1 and 100".to_owned()),
        ]
    );
    let (status, problem) = fetch_problem(
        "/search",
        Request::get("/search?q=a&limit=many")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [("#/limit".to_owned(), "is not valid".to_owned())]
    );
    let (status, problem) = fetch_problem(
        "/search",
        Request::get("/search").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [("#/q".to_owned(), "is required".to_owned())]
    );
}

#[tokio::test]
async fn forms_are_validated() {
    let form = |body: &'static str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, body) = send(app(), form("username=+Ada+&password=longenough")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"ada:10"[..]));
    let (status, problem) = fetch_problem("/login", form("username=ad&password=short")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [
            (
                "#/username".to_owned(),
                "must be at least 3 characters long".to_owned()
            ),
            (
                "#/password".to_owned(),
                "must be at least 8 characters long".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn the_configured_responder_renders_rejections() {
    let responder = ProblemResponder::new(|problem: Problem| {
        problem
            .with_type("https://errors.example.com/input")
            .to_response()
    });
    let security = Security::builder()
        .problem_responder(responder)
        .build()
        .unwrap();
    // The configuration reaches the extractors of a secure route.
    let app = secure_app(security);
    let body = json!({"name": "ab", "email": "a@example.com"}).to_string();
    let (status, _, body) = send(app.clone(), json_request("/items", body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["type"], "https://errors.example.com/input");
    let (status, _, body) =
        send(app, Request::post("/items").body(Body::from("{}")).unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["type"],
        "https://errors.example.com/input"
    );
}

/// A `SecureRouter` (with a guarded handler) installs the configured body limit.
fn secure_app(security: Security) -> Router {
    portcullis::SecureRouter::new(security)
        .route("/items", portcullis::routing::post(create_guarded))
        .into_router()
}

#[tokio::test]
async fn secure_router_body_limit_answers_413() {
    let just_under =
        json!({"name": "abc", "email": "a@example.com", "pad": "x".repeat(60 * 1024)}).to_string();
    let over =
        json!({"name": "abc", "email": "a@example.com", "pad": "x".repeat(64 * 1024)}).to_string();
    let default_limit = || secure_app(Security::builder().build().unwrap());
    assert_eq!(
        send(default_limit(), json_request("/items", just_under))
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, headers, body) = send(default_limit(), json_request("/items", over)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["code"],
        "payload_too_large"
    );

    let small = || secure_app(Security::builder().body_limit(1024).build().unwrap());
    let medium =
        json!({"name": "abc", "email": "a@example.com", "pad": "x".repeat(2048)}).to_string();
    assert_eq!(
        send(small(), json_request("/items", medium)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let tiny = json!({"name": "abc", "email": "a@example.com"}).to_string();
    assert_eq!(
        send(small(), json_request("/items", tiny)).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_body_taken_as_a_result_is_validated_before_the_handler() {
    // Parses, but breaks `length(min = 3)`: 422, the handler never runs.
    let short = json!({"name": "x", "email": "a@example.com"}).to_string();
    let (status, problem) =
        fetch_problem("/paged/items", json_request("/paged/items?limit=5", short)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [(
            "#/name".to_owned(),
            "must be between 3 and 50 characters long".to_owned()
        )]
    );
    // Unreadable: the handler's `Err` arm answers.
    let (status, _, _) = send(app(), json_request("/paged/items?limit=5", "{")).await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT);
    // The visible query is validated as before.
    let good = json!({"name": "abc", "email": "a@example.com"}).to_string();
    let (status, _) = fetch_problem(
        "/paged/items",
        json_request("/paged/items?limit=0", good.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, body) = send(app(), json_request("/paged/items?limit=5", good)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"name": "abc", "limit": 5})
    );
}

#[tokio::test]
async fn an_optional_body_is_validated_when_sent() {
    let empty = Request::post("/optional/items")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(app(), empty).await.0, StatusCode::NO_CONTENT);
    let short = json!({"name": "x", "email": "a@example.com"}).to_string();
    let (status, _) =
        fetch_problem("/optional/items", json_request("/optional/items", short)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let good = json!({"name": "abc", "email": "a@example.com"}).to_string();
    let (status, _, body) = send(app(), json_request("/optional/items", good)).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::CREATED, &b"abc"[..])
    );
}

#[tokio::test]
async fn every_missing_field_is_listed_at_once() {
    let cases = [
        (
            json!({}),
            vec![("#/name", "is required"), ("#/email", "is required")],
        ),
        (
            json!({"name": 5, "tags": "a"}),
            vec![
                ("#/name", "has the wrong type"),
                ("#/email", "is required"),
                ("#/tags", "has the wrong type"),
            ],
        ),
        (
            json!({"email": "a@example.com", "tags": ["a", 4, "c", 5]}),
            vec![
                ("#/name", "is required"),
                ("#/tags/1", "has the wrong type"),
            ],
        ),
    ];
    for (body, expected) in cases {
        let (status, problem) =
            fetch_problem("/items", json_request("/items", body.to_string())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(pointer, detail)| (pointer.to_owned(), detail.to_owned()))
            .collect();
        assert_eq!(errors(&problem), expected, "{body}");
    }
}

#[tokio::test]
async fn missing_fields_follow_renames_aliases_defaults_and_flatten() {
    let body = json!({
        "mail": 5,
        "home": {"zip": 1},
        "previous": [{"city": "a", "zip": "12345"}, {"zip": "x"}],
    });
    let (status, problem) =
        fetch_problem("/profiles", json_request("/profiles", body.to_string())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [
            ("#/displayName".to_owned(), "is required".to_owned()),
            ("#/mail".to_owned(), "has the wrong type".to_owned()),
            ("#/home/city".to_owned(), "is required".to_owned()),
            ("#/home/zip".to_owned(), "has the wrong type".to_owned()),
            ("#/phone".to_owned(), "is required".to_owned()),
            ("#/previous/1/city".to_owned(), "is required".to_owned()),
        ]
    );
    // The same body, complete: it deserializes, and the rules run as usual.
    let body = json!({
        "displayName": "Ada",
        "emailAddress": "ada@example.com",
        "home": {"city": "London", "zip": "12345"},
        "phone": "12",
        "previous": [],
    });
    let (status, problem) =
        fetch_problem("/profiles", json_request("/profiles", body.to_string())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&problem),
        [(
            "#/phone".to_owned(),
            "must be at least 3 characters long".to_owned()
        )]
    );
}
