//! The showcase's OpenAPI document and documentation page, through the very
//! router `cargo run --example secure_api` serves: every route of the route
//! table is documented with the security it enforces, and no role name is
//! published.

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use common::{bearer, json_post, request, send, token_form};
use http::StatusCode;
use portcullis::openapi::DOCS_CSP;
use portcullis::routing::{RouteKind, RouteMethod};
use portcullis::{Requirement, Scheme};
use serde_json::Value;

const SECRET: &[u8] = b"showcase-secret-of-at-least-32-bytes";

fn showcase() -> axum::Router {
    app::build(SECRET, &["https://example.com".to_owned()]).unwrap()
}

async fn document(app: &axum::Router) -> Value {
    let answer = send(app, request("/openapi.json").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    answer.json()
}

/// The scope sets a requirement accepts, as the document should list them.
fn expected_alternatives(requirement: &Requirement) -> Vec<BTreeSet<String>> {
    match *requirement {
        Requirement::Public => Vec::new(),
        Requirement::Authenticated | Requirement::Role(_) | Requirement::AnyRole(_) => {
            vec![BTreeSet::new()]
        }
        Requirement::Scopes(scopes) => vec![scopes.iter().map(|s| (*s).to_owned()).collect()],
        Requirement::All(parts) => parts.iter().fold(vec![BTreeSet::new()], |sets, part| {
            let mut product = Vec::new();
            for set in &sets {
                for branch in expected_alternatives(part) {
                    let merged: BTreeSet<String> = set.union(&branch).cloned().collect();
                    if !product.contains(&merged) {
                        product.push(merged);
                    }
                }
            }
            product
        }),
        Requirement::Any(parts) => {
            let mut all = Vec::new();
            for branch in parts.iter().flat_map(expected_alternatives) {
                if !all.contains(&branch) {
                    all.push(branch);
                }
            }
            all
        }
    }
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        // `required` lists member names, which the contract fixes (the
        // `user` of `GET /secure-data`'s answer is no role name).
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| *key != "required")
            .for_each(|(_, item)| strings(item, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_route_is_in_the_router_the_document_and_the_manifest_with_the_same_security() {
    let router = app::secure_router(SECRET).unwrap();
    let routes = router.routes().to_vec();
    let manifest = router.manifest();
    let document = document(&showcase()).await;
    assert_eq!(document["openapi"], "3.1.0");

    let mut operations = 0;
    for route in &routes {
        assert_ne!(route.kind(), RouteKind::Fallback);
        let RouteMethod::Only(method) = route.method() else {
            panic!("the showcase routes single methods only: {route}");
        };
        let operation = &document["paths"][route.path()][method.as_str().to_ascii_lowercase()];
        assert!(operation.is_object(), "{route} is not documented");
        operations += 1;
        assert_eq!(operation["operationId"], route.policy_id(), "{route}");

        let documented: Vec<(String, BTreeSet<String>)> = operation["security"]
            .as_array()
            .map(|alternatives| {
                alternatives
                    .iter()
                    .map(|alternative| {
                        let (name, scopes) =
                            alternative.as_object().unwrap().iter().next().unwrap();
                        let scopes = scopes
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|scope| scope.as_str().unwrap().to_owned())
                            .collect();
                        (name.clone(), scopes)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let entry = manifest
            .entries()
            .iter()
            .find(|entry| entry.path == route.path() && entry.method == method.as_str())
            .unwrap_or_else(|| panic!("{route} is not in the manifest"));
        assert_eq!(entry.policy, route.policy_id());
        assert_eq!(entry.requirement, route.requirement().to_string());
        if route.requirement().is_public() {
            assert!(documented.is_empty(), "public {route} documents security");
            assert_eq!(entry.scheme, None);
            continue;
        }
        let (name, manifest_scheme) = match route.scheme() {
            Scheme::Bearer => ("oauth2", "bearer"),
            Scheme::Basic => ("basicAuth", "basic"),
            Scheme::Session => ("sessionCookie", "session"),
        };
        assert_eq!(entry.scheme, Some(manifest_scheme), "{route}");
        let expected: Vec<(String, BTreeSet<String>)> = expected_alternatives(route.requirement())
            .into_iter()
            .map(|scopes| {
                let scopes = if name == "oauth2" {
                    scopes
                } else {
                    BTreeSet::new()
                };
                (name.to_owned(), scopes)
            })
            .collect();
        assert_eq!(documented, expected, "{route}");
        let unauthorized = &operation["responses"]["401"];
        assert!(
            unauthorized["headers"]["WWW-Authenticate"].is_object(),
            "{route}"
        );
        assert_eq!(
            unauthorized["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
        assert!(operation["responses"]["503"]["headers"]["Retry-After"].is_object());
    }
    assert_eq!(manifest.entries().len(), routes.len());
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented, operations,
        "the document has operations no route has"
    );
}

#[tokio::test]
async fn the_document_says_scopes_token_url_and_answers_but_no_role_names() {
    let document = document(&showcase()).await;
    let oauth = &document["components"]["securitySchemes"]["oauth2"];
    assert_eq!(oauth["type"], "oauth2");
    let password = &oauth["flows"]["password"];
    assert_eq!(password["tokenUrl"], "/token");
    let scopes: BTreeSet<&str> = password["scopes"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        scopes,
        BTreeSet::from(["items:read", "items:write", "users:delete"])
    );
    assert_eq!(
        document["components"]["securitySchemes"]["basicAuth"]["scheme"],
        "basic"
    );

    let delete = &document["paths"]["/users/{id}"]["delete"];
    assert_eq!(delete["summary"], "Deletes a user.");
    assert_eq!(delete["tags"][0], "app");
    assert_eq!(delete["parameters"][0]["name"], "id");
    assert_eq!(delete["parameters"][0]["in"], "path");
    assert!(delete["responses"]["403"].is_object());
    let me = &document["paths"]["/users/me"]["get"];
    assert!(
        me["responses"]["403"].is_null(),
        "an authenticated-only route cannot be refused with 403"
    );

    let create = &document["paths"]["/items"]["post"];
    for status in ["401", "403", "413", "415", "422", "503"] {
        assert!(
            create["responses"][status].is_object(),
            "POST /items lacks {status}"
        );
    }
    let body = &create["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/NewItem");
    let new_item = &document["components"]["schemas"]["NewItem"];
    assert_eq!(new_item["properties"]["tags"]["maxItems"], 10);
    assert_eq!(new_item["properties"]["tags"]["items"]["minLength"], 1);
    assert_eq!(new_item["properties"]["email"]["format"], "email");
    assert_eq!(new_item["required"], serde_json::json!(["name", "email"]));
    assert_eq!(
        document["paths"]["/comments"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/NewComment"
    );
    assert!(
        document["paths"]["/users/me"]["get"]
            .get("requestBody")
            .is_none()
    );
    let token = &document["paths"]["/token"]["post"];
    assert!(token.get("security").is_none());
    assert_eq!(
        token["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/OAuthError"
    );
    assert!(token["responses"]["429"]["headers"]["Retry-After"].is_object());
    assert!(
        token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
            ["grant_type"]
            .is_object()
    );

    let mut texts = Vec::new();
    strings(&document, &mut texts);
    for role in ["admin", "user", "guest"] {
        assert!(
            !texts.iter().any(|text| text == role),
            "the document publishes the role `{role}`"
        );
    }
    let text = document.to_string();
    assert!(!text.contains("any_role") && !text.contains("role("));
    assert!(!text.contains("x-portcullis-roles"));
}

/// Checks `value` against the document's `schema` for the keywords the
/// showcase's answers use: `$ref`, `type`, `required`, `properties`, `items`.
fn conforms(document: &Value, schema: &Value, value: &Value, at: &str) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &document["components"]["schemas"][name];
        assert!(
            target.is_object(),
            "{at}: {reference} is not in the document"
        );
        return conforms(document, target, value, at);
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if let Some(ty) = schema["type"].as_str() {
        assert!(
            ty == kind || (ty == "number" && kind == "integer"),
            "{at}: {value} is not of type {ty}"
        );
    }
    if let Some(minimum) = schema["minimum"].as_f64() {
        assert!(
            value.as_f64().unwrap() >= minimum,
            "{at}: {value} < {minimum}"
        );
    }
    if let Value::Object(members) = value {
        let properties = schema["properties"].as_object().unwrap();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap();
            assert!(members.contains_key(name), "{at}: `{name}` is missing");
        }
        for (name, member) in members {
            let property = properties
                .get(name)
                .unwrap_or_else(|| panic!("{at}: `{name}` is not documented"));
            conforms(document, property, member, &format!("{at}/{name}"));
        }
    }
    if let Value::Array(items) = value {
        for (index, item) in items.iter().enumerate() {
            conforms(document, &schema["items"], item, &format!("{at}/{index}"));
        }
    }
}

/// The schema of an operation's `status` answer.
fn answer_schema<'a>(document: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    let schema = &document["paths"][path][method]["responses"][status]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} documents no {status} body"
    );
    schema
}

#[tokio::test]
async fn success_answers_have_their_handlers_types_and_the_live_answers_match() {
    let app = showcase();
    let document = document(&app).await;

    // `Result<Json<Item>, Problem>`: 200 with the Item schema, whose
    // properties are the struct's fields.
    let item = answer_schema(&document, "/items/{id}", "get", "200");
    assert_eq!(item["$ref"], "#/components/schemas/Item");
    let schema = &document["components"]["schemas"]["Item"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["properties"]["id"]["type"], "integer");
    assert_eq!(schema["properties"]["tags"]["type"], "array");
    assert_eq!(schema["properties"]["tags"]["items"]["type"], "string");
    assert_eq!(
        schema["required"],
        serde_json::json!(["id", "name", "email", "tags", "owner"])
    );
    // `(StatusCode, Json<Item>)` with `#[response(status = 201)]`.
    let create = &document["paths"]["/items"]["post"]["responses"];
    assert_eq!(
        answer_schema(&document, "/items", "post", "201")["$ref"],
        "#/components/schemas/Item"
    );
    assert!(create.get("200").is_none(), "{create}");
    assert_eq!(create["201"]["description"], "Created");
    // `impl IntoResponse` with `#[response(body = SessionStarted)]`.
    assert_eq!(
        answer_schema(&document, "/session/login", "post", "200")["$ref"],
        "#/components/schemas/SessionStarted"
    );
    // A return type naming no body documents none.
    let logout = &document["paths"]["/logout"]["post"]["responses"];
    assert!(logout.get("200").is_none() && logout["default"].is_object());
    // Every operation keeps the handler's other answers.
    assert!(document["paths"]["/items/{id}"]["get"]["responses"]["default"].is_object());

    // Typed path parameters: `Path<u64>` is an integer.
    for (path, method) in [("/items/{id}", "get"), ("/users/{id}", "delete")] {
        let id = &document["paths"][path][method]["parameters"][0];
        assert_eq!(id["name"], "id");
        assert_eq!(id["schema"]["type"], "integer", "{path}");
        // Its whole range: `int64` would leave out half the ids it accepts.
        assert_eq!(id["schema"]["format"], "uint64", "{path}");
        assert_eq!(id["schema"]["minimum"], 0, "{path}");
        assert_eq!(id["schema"]["maximum"], u64::MAX, "{path}");
    }

    // The answers the showcase gives match what the document says.
    let token = send(
        &app,
        token_form("grant_type=password&username=admin&password=admin-pass"),
    )
    .await
    .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = send(
        &app,
        json_post(
            "/items",
            Some(&token),
            r#"{"name":"Widget","email":"shop@example.com","tags":["new"]}"#,
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    conforms(
        &document,
        answer_schema(&document, "/items", "post", "201"),
        &created.json(),
        "POST /items",
    );
    let id = created.json()["id"].as_u64().unwrap();
    for (path, template) in [
        (format!("/items/{id}"), "/items/{id}"),
        ("/admin/stats".to_owned(), "/admin/stats"),
        ("/users/me".to_owned(), "/users/me"),
        ("/health".to_owned(), "/health"),
    ] {
        let answer = send(&app, bearer(&path, &token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
        let schema = answer_schema(&document, template, "get", "200");
        conforms(&document, schema, &answer.json(), &path);
    }
}

mod parameters {
    use axum::Json;
    use axum::extract::{Path, Query};
    use portcullis::Validate;
    use portcullis::openapi::{ApiDoc, ToSchema, utoipa};
    use portcullis::prelude::*;
    use portcullis::routing::get;
    use serde::Deserialize;
    use serde_json::{Value, json};

    #[derive(Deserialize, Validate)]
    #[allow(dead_code)]
    struct Search {
        #[validate(length(min = 2, max = 40))]
        q: String,
        #[validate(range(min = 1, max = 100))]
        limit: Option<u32>,
    }

    #[derive(Deserialize, ToSchema)]
    #[allow(dead_code)]
    struct Slot {
        day: String,
        hour: u8,
    }

    /// Searches a shop's items.
    #[requires_scope("items:read")]
    async fn search(
        Path((shop, page)): Path<(String, u32)>,
        Query(search): Query<Search>,
    ) -> Json<Vec<u64>> {
        let _ = (shop, page, search.q);
        Json(Vec::new())
    }

    /// Reads a slot.
    #[public]
    async fn slot(Path(slot): Path<Slot>) -> &'static str {
        let _ = (slot.day, slot.hour);
        "free"
    }

    fn document() -> Value {
        let security = Security::builder().build().unwrap();
        let router: SecureRouter = SecureRouter::new(security)
            .route("/shops/{shop}/pages/{page}", get(search))
            .route("/slots/{hour}/{day}", get(slot));
        serde_json::to_value(ApiDoc::new("params", "1").document(router.routes())).unwrap()
    }

    fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
        operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == name)
            .unwrap_or_else(|| panic!("no parameter `{name}`: {operation}"))
    }

    #[test]
    fn path_and_query_parameters_carry_their_types_and_rules() {
        let document = document();
        let search = &document["paths"]["/shops/{shop}/pages/{page}"]["get"];
        // A tuple: by position.
        assert_eq!(parameter(search, "shop")["schema"]["type"], "string");
        let page = parameter(search, "page");
        assert_eq!(page["in"], "path");
        assert_eq!(page["schema"]["type"], "integer");
        assert_eq!(page["schema"]["format"], "uint32");
        assert_eq!(page["schema"]["maximum"], u32::MAX);
        // `Query<T>` with `T: Validate`: one parameter per field, with its rules.
        let q = parameter(search, "q");
        assert_eq!(q["in"], "query");
        assert_eq!(q["required"], true);
        assert_eq!(
            (
                q["schema"]["minLength"].clone(),
                q["schema"]["maxLength"].clone()
            ),
            (json!(2), json!(40))
        );
        let limit = parameter(search, "limit");
        assert_eq!(limit["in"], "query");
        assert_eq!(limit["required"], false);
        assert_eq!(limit["schema"]["maximum"], 100.0);
        assert_eq!(search["parameters"].as_array().unwrap().len(), 4);
        // A query can fail validation: 400 and 422 are documented.
        assert!(search["responses"]["422"].is_object());
        // `Json<Vec<u64>>`: an array of integers, inline.
        let answer = &search["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(answer["type"], "array");
        assert_eq!(answer["items"]["type"], "integer");

        // A struct: by name, whatever the order in the template.
        let slot = &document["paths"]["/slots/{hour}/{day}"]["get"];
        assert_eq!(parameter(slot, "hour")["schema"]["type"], "integer");
        assert_eq!(parameter(slot, "day")["schema"]["type"], "string");
        assert!(slot["responses"].get("200").is_none());
    }
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary_with_its_own_csp() {
    let app = showcase();
    let page = send(&app, request("/docs").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.header("content-security-policy"), Some(DOCS_CSP));
    assert!(
        page.text.contains("/docs/swagger-ui-bundle.js"),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("https://"),
        "the page loads from another host"
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));

    for (asset, kind) in [
        ("/docs/swagger-ui-bundle.js", "javascript"),
        ("/docs/swagger-ui.css", "text/css"),
        ("/docs/swagger-initializer.js", "javascript"),
    ] {
        let answer = send(&app, request(asset).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::OK, "{asset}");
        assert!(
            answer.header("content-type").unwrap().contains(kind),
            "{asset}"
        );
        assert_eq!(answer.header("content-security-policy"), Some(DOCS_CSP));
    }
    let initializer = send(
        &app,
        request("/docs/swagger-initializer.js")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(initializer.text.contains("/openapi.json"));

    let missing = send(
        &app,
        request("/docs/nothing.js").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Every other route keeps the closed policy.
    let health = send(&app, request("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(
        health.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

mod schemas {
    use portcullis::Validate;
    use portcullis::openapi::utoipa::{PartialSchema, ToSchema};
    use serde::Deserialize;
    use serde_json::{Value, json};

    fn no_spaces(value: &str) -> Result<(), &'static str> {
        if value.contains(' ') {
            Err("no spaces")
        } else {
            Ok(())
        }
    }

    #[derive(Deserialize, Validate)]
    #[allow(dead_code)]
    struct Address {
        #[validate(length(min = 1, max = 80))]
        street: String,
        #[validate(regex = "^[0-9]{5}$")]
        zip: String,
    }

    #[derive(Deserialize, Validate)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Signup {
        #[validate(sanitize(trim), length(min = 3, max = 50))]
        display_name: String,
        #[validate(email)]
        email: String,
        #[validate(url)]
        homepage: Option<String>,
        #[validate(range(min = 13, max = 130))]
        age: u32,
        #[validate(range(min = 0.5))]
        ratio: f64,
        #[validate(one_of("free", "pro"))]
        plan: String,
        #[validate(length(min = 1, max = 10), each(length(min = 1, max = 30)))]
        tags: Vec<String>,
        #[validate(nested)]
        address: Address,
        #[validate(each(nested))]
        others: Vec<Address>,
        #[validate(custom = no_spaces)]
        handle: String,
        #[validate(regex = "(?i)^[a-z]+$")]
        code: String,
        #[validate(required, length(max = 5))]
        referral: Option<String>,
        #[validate(skip)]
        #[serde(default)]
        newsletter: bool,
    }

    fn schema_of<T: ToSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn the_derive_emits_the_rules_as_a_schema() {
        assert_eq!(<Signup as ToSchema>::name(), "Signup");
        let schema = schema_of::<Signup>();
        let properties = &schema["properties"];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| name.as_str().unwrap())
            .collect();
        assert!(required.contains(&"displayName") && required.contains(&"referral"));
        assert!(!required.contains(&"homepage") && !required.contains(&"newsletter"));

        // A trim before `length`: the bounds are said in words, not as
        // keywords the raw input would be checked against.
        let name = &properties["displayName"];
        assert!(name.get("minLength").is_none(), "{name}");
        assert!(
            name["description"]
                .as_str()
                .unwrap()
                .contains("3 to 50 characters after sanitizing")
        );
        assert_eq!(properties["email"]["format"], "email");
        assert_eq!(properties["homepage"]["format"], "uri");
        assert_eq!(properties["homepage"]["type"], json!(["string", "null"]));
        assert_eq!(properties["age"]["type"], "integer");
        assert_eq!(properties["age"]["minimum"], 13.0);
        assert_eq!(properties["age"]["maximum"], 130.0);
        assert_eq!(properties["ratio"]["type"], "number");
        assert_eq!(properties["plan"]["enum"], json!(["free", "pro"]));
        let tags = &properties["tags"];
        assert_eq!(
            (tags["minItems"].clone(), tags["maxItems"].clone()),
            (json!(1), json!(10))
        );
        assert_eq!(tags["items"]["maxLength"], 30);
        assert_eq!(
            properties["address"]["properties"]["zip"]["pattern"],
            "^[0-9]{5}$"
        );
        assert_eq!(properties["address"]["required"], json!(["street", "zip"]));
        assert_eq!(
            properties["others"]["items"]["properties"]["street"]["maxLength"],
            80
        );
        assert!(
            properties["handle"]["description"]
                .as_str()
                .unwrap()
                .contains("no_spaces")
        );
        assert!(properties["code"].get("pattern").is_none());
        assert!(
            properties["code"]["description"]
                .as_str()
                .unwrap()
                .contains("(?i)")
        );
        assert_eq!(properties["referral"]["maxLength"], 5);
        assert_eq!(properties["newsletter"]["type"], "boolean");
        let _: fn() -> _ = <Address as PartialSchema>::schema;
    }
}

/// The session sign-in reads its credentials with the showcase's own
/// extractor, which the attribute cannot see; `ApiDoc::session_login` tells
/// the document, so clients (and schemathesis) send a body the route takes.
#[tokio::test]
async fn the_session_login_documents_its_credentials_as_a_form_or_json() {
    let document = document(&showcase()).await;
    let body = &document["paths"]["/session/login"]["post"]["requestBody"];
    assert_eq!(body["required"], true, "{body}");
    for media in ["application/x-www-form-urlencoded", "application/json"] {
        let schema = &body["content"][media]["schema"];
        assert_eq!(schema["type"], "object", "{media}: {schema}");
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .expect("required fields")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            required,
            BTreeSet::from(["password", "username"]),
            "{media}"
        );
    }
}
