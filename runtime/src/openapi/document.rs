//! The OpenAPI 3.1 document of a route table.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use http::Method;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ComponentsBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Content, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required, Schema,
};

use crate::policy::{Requirement, Scheme};
use crate::routing::{RouteEntry, RouteKind, RouteMethod};

/// The name of the problem-document schema in `components.schemas`.
const PROBLEM_SCHEMA: &str = "Problem";
/// The name of the RFC 6749 error schema in `components.schemas`.
const OAUTH_ERROR_SCHEMA: &str = "OAuthError";
/// The media type of every failure.
const PROBLEM_JSON: &str = "application/problem+json";

/// Settings of the OpenAPI document [`SecureRouter::openapi`](crate::SecureRouter::openapi)
/// serves, or that [`ApiDoc::document`] builds from a route table.
///
/// Everything about security comes from the route table: each operation's
/// `security` (bearer scopes, `any(…)` as alternatives, Basic, public routes
/// none), its `operationId` (the policy id), tag (the handler's module),
/// summary and description (the handler's doc comment), and the problem
/// answers its policy can give. Role names are left out unless
/// [`ApiDoc::publish_roles`] asks for an `x-portcullis-roles` extension.
///
/// ```
/// use portcullis::openapi::ApiDoc;
/// use portcullis::prelude::*;
/// use portcullis::routing::get;
///
/// /// Reads the item.
/// #[requires_scope("items:read")]
/// async fn item() -> &'static str { "{}" }
///
/// # let security = Security::builder().build().unwrap();
/// let router: SecureRouter = SecureRouter::new(security).route("/items/{id}", get(item));
/// let document = ApiDoc::new("shop", "1.0.0").token_url("/token").document(router.routes());
/// let json = serde_json::to_value(&document).unwrap();
/// let operation = &json["paths"]["/items/{id}"]["get"];
/// assert_eq!(operation["summary"], "Reads the item.");
/// assert_eq!(operation["security"][0]["oauth2"][0], "items:read");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ApiDoc {
    title: String,
    version: String,
    description: Option<String>,
    token_url: Option<String>,
    session_cookie: Option<String>,
    session_login: Option<String>,
    scope_descriptions: BTreeMap<String, String>,
    publish_roles: bool,
}

impl ApiDoc {
    /// A document titled `title` for API version `version`.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            version: version.into(),
            description: None,
            token_url: None,
            session_cookie: None,
            session_login: None,
            scope_descriptions: BTreeMap::new(),
            publish_roles: false,
        }
    }

    /// The API's description (Markdown).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Documents bearer tokens as an OAuth 2 password flow whose token URL
    /// is `url` (the `/token` route of [`crate::oauth`]), with the scopes
    /// the routes require; that route is documented with its form body and
    /// its RFC 6749 answers. Without it, bearer tokens are an HTTP `bearer`
    /// scheme with `bearerFormat: JWT`, whose requirements carry no scopes
    /// (the 403 answers still say a scope may be missing).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Documents the session cookie named `name` as the `sessionCookie`
    /// scheme (an API key in a cookie), for routes authenticated by it.
    pub fn session_cookie(mut self, name: impl Into<String>) -> Self {
        self.session_cookie = Some(name.into());
        self
    }

    /// Documents `POST path` as the session sign-in: its body is a
    /// `username` and a `password`, as a form or as JSON (what
    /// [`crate::extract::Session::sign_in`] takes). The handler reads them
    /// with an extractor of its own, which the attribute cannot see, so the
    /// document learns the body here, as it learns `/token`'s from
    /// [`ApiDoc::token_url`].
    pub fn session_login(mut self, path: impl Into<String>) -> Self {
        self.session_login = Some(path.into());
        self
    }

    /// A description of `scope` for the OAuth 2 flow (the scope's own name
    /// otherwise).
    pub fn scope(mut self, scope: impl Into<String>, description: impl Into<String>) -> Self {
        self.scope_descriptions
            .insert(scope.into(), description.into());
        self
    }

    /// Lists each operation's role names in an `x-portcullis-roles`
    /// extension. Off by default: role names tell an attacker which
    /// accounts to go after, so they stay in the policy manifest.
    pub fn publish_roles(mut self) -> Self {
        self.publish_roles = true;
        self
    }

    /// The OpenAPI 3.1 document of `routes`: every route but fallbacks,
    /// in path order.
    pub fn document(&self, routes: &[RouteEntry]) -> OpenApi {
        let mut paths = Paths::new();
        let mut scopes = BTreeSet::new();
        let mut schemes = BTreeSet::new();
        let mut schemas = BTreeMap::new();
        let mut seen_ids = BTreeSet::new();
        for route in routes {
            if route.kind() == RouteKind::Fallback {
                continue;
            }
            collect_scopes(route.requirement(), &mut scopes);
            if !route.requirement().is_public() {
                schemes.insert(self.scheme_name(route.scheme()));
            }
            let template = openapi_path(route.path());
            let methods = http_methods(route.method());
            for method in methods {
                let mut operation = self.operation(route, &mut schemas);
                // One handler on several paths or methods: the first keeps
                // the policy id, the others add method and path.
                let id = operation.operation_id.take().unwrap_or_default();
                let id = if seen_ids.insert(id.clone()) {
                    id
                } else {
                    format!("{id}:{}:{}", method_name(&method), route.path())
                };
                seen_ids.insert(id.clone());
                operation.operation_id = Some(id);
                paths.add_path_operation(&template, vec![method], operation);
            }
        }
        let mut info = InfoBuilder::new()
            .title(self.title.clone())
            .version(self.version.clone());
        if let Some(description) = &self.description {
            info = info.description(Some(description.clone()));
        }
        OpenApiBuilder::new()
            .info(info.build())
            .paths(paths)
            .components(Some(self.components(&scopes, &schemes, schemas)))
            .build()
    }

    /// The name of `scheme`'s entry in `components.securitySchemes`.
    fn scheme_name(&self, scheme: Scheme) -> &'static str {
        match scheme {
            Scheme::Bearer if self.token_url.is_some() => "oauth2",
            Scheme::Bearer => "bearerAuth",
            Scheme::Basic => "basicAuth",
            Scheme::Session => "sessionCookie",
        }
    }

    fn operation(
        &self,
        route: &RouteEntry,
        schemas: &mut BTreeMap<String, RefOr<Schema>>,
    ) -> utoipa::openapi::path::Operation {
        let policy = route.policy();
        let mut doc = policy.doc.splitn(2, '\n');
        let summary = doc.next().map(str::trim).filter(|line| !line.is_empty());
        let description = doc.next().map(str::trim).filter(|rest| !rest.is_empty());
        let mut operation = OperationBuilder::new()
            .operation_id(Some(route.policy_id()))
            .tag(tag_of(policy.id))
            .summary(summary)
            .description(description);
        let names = path_parameters(route.path());
        let typed = path_schemas(&names, policy.parameters.path);
        for (name, schema) in names.into_iter().zip(typed) {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(schema)),
            );
        }
        for parameter in query_parameters(policy.parameters.query) {
            operation = operation.parameter(parameter);
        }
        let requirement = route.requirement();
        if !requirement.is_public() {
            let name = self.scheme_name(route.scheme());
            let oauth = name == "oauth2";
            let mut alternatives = scope_alternatives(requirement);
            if alternatives.is_empty() {
                // `any()` with no branch grants nothing; document it as
                // needing a credential rather than as open.
                alternatives.push(BTreeSet::new());
            }
            for scopes in alternatives {
                let scopes: Vec<&str> = if oauth {
                    scopes.into_iter().collect()
                } else {
                    Vec::new()
                };
                operation = operation.security(SecurityRequirement::new(name, scopes));
            }
            if self.publish_roles {
                let mut roles = BTreeSet::new();
                collect_roles(requirement, &mut roles);
                operation = operation.extensions(Some(
                    ExtensionsBuilder::new()
                        .add("x-portcullis-roles", serde_json::json!(roles))
                        .build(),
                ));
            }
        }
        if self.is_token_route(route) {
            operation = operation
                .request_body(Some(token_request()))
                .response("200", token_response())
                .response(
                    "400",
                    json_response(
                        "The grant was refused (RFC 6749 section 5.2)",
                        OAUTH_ERROR_SCHEMA,
                        "application/json",
                    ),
                );
        } else {
            if self.is_session_login(route) {
                operation = operation.request_body(Some(credentials_request()));
            } else if let Some(body) = &policy.request_body {
                operation = operation.request_body(Some(request_body(body, schemas)));
            }
            if let Some(success) = &policy.response_body {
                operation = operation.response(
                    success.status.to_string(),
                    success_response(success, schemas),
                );
            }
            operation = operation.response(
                "default",
                ResponseBuilder::new()
                    .description("The handler's answer")
                    .build(),
            );
        }
        for (status, description) in problem_statuses(route, self.is_token_route(route)) {
            operation = operation.response(status, problem_response(status, description, route));
        }
        operation.build()
    }

    fn is_token_route(&self, route: &RouteEntry) -> bool {
        self.token_url.as_deref() == Some(route.path())
            && route.method() == &RouteMethod::Only(Method::POST)
            && route.requirement().is_public()
    }

    fn is_session_login(&self, route: &RouteEntry) -> bool {
        self.session_login.as_deref() == Some(route.path())
            && route.method() == &RouteMethod::Only(Method::POST)
    }

    fn components(
        &self,
        scopes: &BTreeSet<&'static str>,
        schemes: &BTreeSet<&'static str>,
        schemas: BTreeMap<String, RefOr<Schema>>,
    ) -> utoipa::openapi::Components {
        let mut components = ComponentsBuilder::new()
            .schemas_from_iter(schemas)
            .schema(PROBLEM_SCHEMA, problem_schema())
            .schema(OAUTH_ERROR_SCHEMA, oauth_error_schema());
        let uses = |name: &str| schemes.contains(name);
        if let Some(url) = &self.token_url {
            let scopes = Scopes::from_iter(scopes.iter().map(|scope| {
                let description = self
                    .scope_descriptions
                    .get(*scope)
                    .map_or(*scope, String::as_str);
                ((*scope).to_owned(), description.to_owned())
            }));
            components = components.security_scheme(
                "oauth2",
                SecurityScheme::OAuth2(OAuth2::with_description(
                    [Flow::Password(Password::new(url.clone(), scopes))],
                    "A bearer JWT from the password grant; the scopes each operation lists are required",
                )),
            );
        } else if uses("bearerAuth") {
            components = components.security_scheme(
                "bearerAuth",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
        if uses("basicAuth") {
            components = components.security_scheme(
                "basicAuth",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
            );
        }
        if let Some(cookie) = &self.session_cookie {
            components = components.security_scheme(
                "sessionCookie",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    cookie.clone(),
                    "The session cookie set at login; unsafe methods also need CSRF proof (`X-CSRF-Token`)".to_owned(),
                ))),
            );
        }
        components.build()
    }
}

/// The request body of a handler, its schema under its type's name in
/// `components.schemas` (any JSON value for a type without a schema).
fn request_body(
    body: &super::schema::RequestBody,
    schemas: &mut BTreeMap<String, RefOr<Schema>>,
) -> utoipa::openapi::request_body::RequestBody {
    let content = match (body.schema)() {
        Some((name, schema)) => {
            let reference = Ref::from_schema_name(name.as_ref());
            schemas.insert(name.into_owned(), schema);
            Content::new(Some(reference))
        }
        None => Content::new(Some(Schema::from(
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
                .build(),
        ))),
    };
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(body.media_type, content)
        .build()
}

/// The success answer of a handler: its status, and its JSON body's
/// schema (named ones go into `components.schemas`).
fn success_response(
    success: &super::schema::ResponseBody,
    schemas: &mut BTreeMap<String, RefOr<Schema>>,
) -> utoipa::openapi::Response {
    let reason = http::StatusCode::from_u16(success.status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("Success");
    let mut response = ResponseBuilder::new().description(reason);
    if let Some(schema) = success.schema {
        let mut components = Vec::new();
        let schema = schema(&mut components);
        schemas.extend(components);
        response = response.content("application/json", Content::new(Some(schema)));
    }
    response.build()
}

/// The schema of each path parameter `names` lists: by name from a
/// `Path<Struct>`'s properties, by position from a tuple's elements or a
/// single scalar, a string where the handler's type has no schema.
fn path_schemas(
    names: &[String],
    typed: Option<fn() -> super::schema::PathSchemas>,
) -> Vec<RefOr<Schema>> {
    let found = typed.map(|typed| typed()).unwrap_or_default();
    if let [Some((_, RefOr::T(Schema::Object(object))))] = found.as_slice()
        && !object.properties.is_empty()
    {
        return names
            .iter()
            .map(|name| {
                object
                    .properties
                    .get(name)
                    .cloned()
                    .map_or_else(|| RefOr::T(string_schema()), unsigned)
            })
            .collect();
    }
    (0..names.len())
        .map(|index| match found.get(index) {
            Some(Some((_, schema))) => unsigned(schema.clone()),
            _ => RefOr::T(string_schema()),
        })
        .collect()
}

/// One query parameter per property of a `Query<T>`'s schema, required as
/// the schema says.
fn query_parameters(
    typed: Option<fn() -> Option<super::schema::NamedSchema>>,
) -> Vec<utoipa::openapi::path::Parameter> {
    let Some(Some((_, RefOr::T(Schema::Object(object))))) = typed.map(|typed| typed()) else {
        return Vec::new();
    };
    object
        .properties
        .iter()
        .map(|(name, schema)| {
            let required = if object.required.contains(name) {
                Required::True
            } else {
                Required::False
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(required)
                .schema(Some(unsigned(schema.clone())))
                .build()
        })
        .collect()
}

/// An unsigned integer's schema with its whole range: utoipa says `u64` is
/// an `int64` with `minimum: 0`, whose implied maximum (2^63 - 1) is less
/// than the parameter accepts; the format becomes `uint64` (`uint32`) with
/// the type's `maximum`, so no accepted value lies outside the document.
fn unsigned(schema: RefOr<Schema>) -> RefOr<Schema> {
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
    let RefOr::T(Schema::Object(mut object)) = schema else {
        return schema;
    };
    let unsigned = match object.minimum {
        Some(utoipa::Number::UInt(minimum)) => minimum == 0,
        Some(utoipa::Number::Int(minimum)) => minimum == 0,
        Some(utoipa::Number::Float(minimum)) => minimum == 0.0,
        None => false,
    };
    if unsigned {
        let widened = match object.format {
            Some(SchemaFormat::KnownFormat(KnownFormat::Int64)) => Some(("uint64", u64::MAX)),
            Some(SchemaFormat::KnownFormat(KnownFormat::Int32)) => {
                Some(("uint32", u64::from(u32::MAX)))
            }
            _ => None,
        };
        if let Some((format, maximum)) = widened {
            object.format = Some(SchemaFormat::Custom(format.to_owned()));
            object.maximum = Some(utoipa::Number::UInt(
                usize::try_from(maximum).unwrap_or(usize::MAX),
            ));
        }
    }
    RefOr::T(Schema::Object(object))
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Delete => "delete",
        HttpMethod::Options => "options",
        HttpMethod::Head => "head",
        HttpMethod::Patch => "patch",
        HttpMethod::Trace => "trace",
    }
}

/// The handler's module: the policy id without its last segment and crate.
fn tag_of(policy_id: &str) -> String {
    let mut segments: Vec<&str> = policy_id.split("::").collect();
    segments.pop();
    segments
        .last()
        .map_or_else(|| "default".to_owned(), |&module| module.to_owned())
}

/// axum's `{*rest}` wildcard as an OpenAPI template `{rest}`.
fn openapi_path(path: &str) -> String {
    path.replace("{*", "{")
}

fn path_parameters(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_start_matches('*').to_owned())
        .collect()
}

fn http_methods(method: &RouteMethod) -> Vec<HttpMethod> {
    let one = |method: &Method| {
        Some(match *method {
            Method::GET => HttpMethod::Get,
            Method::POST => HttpMethod::Post,
            Method::PUT => HttpMethod::Put,
            Method::DELETE => HttpMethod::Delete,
            Method::PATCH => HttpMethod::Patch,
            Method::HEAD => HttpMethod::Head,
            Method::OPTIONS => HttpMethod::Options,
            Method::TRACE => HttpMethod::Trace,
            _ => return None,
        })
    };
    match method {
        RouteMethod::Only(method) => one(method).into_iter().collect(),
        RouteMethod::Any => vec![
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete,
        ],
    }
}

/// The scope sets any one of which (with the roles, not published) lets a
/// caller in: `all` multiplies out, `any` lists its branches.
pub(crate) fn scope_alternatives(requirement: &Requirement) -> Vec<BTreeSet<&'static str>> {
    match *requirement {
        Requirement::Public => Vec::new(),
        Requirement::Authenticated | Requirement::Role(_) | Requirement::AnyRole(_) => {
            vec![BTreeSet::new()]
        }
        Requirement::Scopes(scopes) => vec![scopes.iter().copied().collect()],
        Requirement::All(parts) => parts.iter().fold(vec![BTreeSet::new()], |sets, part| {
            let branches = scope_alternatives(part);
            let mut product = Vec::new();
            for set in &sets {
                for branch in &branches {
                    let merged: BTreeSet<_> = set.union(branch).copied().collect();
                    if !product.contains(&merged) {
                        product.push(merged);
                    }
                }
            }
            product
        }),
        Requirement::Any(parts) => {
            let mut all: Vec<BTreeSet<&'static str>> = Vec::new();
            for branch in parts.iter().flat_map(scope_alternatives) {
                if !all.contains(&branch) {
                    all.push(branch);
                }
            }
            all
        }
    }
}

fn collect_scopes(requirement: &Requirement, out: &mut BTreeSet<&'static str>) {
    match *requirement {
        Requirement::Scopes(scopes) => out.extend(scopes.iter().copied()),
        Requirement::All(parts) | Requirement::Any(parts) => {
            parts.iter().for_each(|part| collect_scopes(part, out));
        }
        _ => {}
    }
}

pub(crate) fn collect_roles(requirement: &Requirement, out: &mut BTreeSet<&'static str>) {
    match *requirement {
        Requirement::Role(role) => {
            out.insert(role);
        }
        Requirement::AnyRole(roles) => out.extend(roles.iter().copied()),
        Requirement::All(parts) | Requirement::Any(parts) => {
            parts.iter().for_each(|part| collect_roles(part, out));
        }
        _ => {}
    }
}

/// Whether the requirement checks roles or scopes, so a verified caller
/// may still be refused with 403.
fn can_forbid(requirement: &Requirement) -> bool {
    match *requirement {
        Requirement::Public | Requirement::Authenticated => false,
        Requirement::All(parts) => parts.iter().any(can_forbid),
        _ => true,
    }
}

/// The failures an operation can answer, by status.
fn problem_statuses(route: &RouteEntry, token: bool) -> Vec<(&'static str, &'static str)> {
    let mut statuses = Vec::new();
    let public = route.requirement().is_public();
    let with_body = match route.method() {
        RouteMethod::Only(method) => [Method::POST, Method::PUT, Method::PATCH].contains(method),
        RouteMethod::Any => true,
    };
    let with_params =
        !path_parameters(route.path()).is_empty() || route.policy().parameters.query.is_some();
    if !token && (with_body || with_params) {
        statuses.push(("400", "The request could not be read"));
    }
    if !public {
        statuses.push(("401", "No valid credential"));
        if can_forbid(route.requirement()) {
            statuses.push((
                "403",
                "The credential lacks a role or scope the policy requires",
            ));
        }
    }
    if with_body {
        statuses.push(("413", "The body is larger than the configured limit"));
        statuses.push(("415", "The body's content type is not accepted"));
    }
    if !token && (with_body || with_params) {
        statuses.push((
            "422",
            "The input breaks a rule: one `errors` entry per failing field",
        ));
    }
    if token || declares_rate_limit(route) {
        statuses.push((
            "429",
            "Too many requests; retry after `Retry-After` seconds",
        ));
    }
    if token || !public {
        statuses.push((
            "503",
            "A credential store or the password-hashing gate cannot answer now; retry after `Retry-After` seconds",
        ));
    }
    statuses
}

/// Whether the route declares a rate limit of its own.
fn declares_rate_limit(route: &RouteEntry) -> bool {
    !route.rate_limits().is_empty()
}

fn problem_response(
    status: &str,
    description: &str,
    route: &RouteEntry,
) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        Content::new(Some(Ref::from_schema_name(PROBLEM_SCHEMA))),
    );
    match status {
        "401" => {
            let challenge = match route.scheme() {
                Scheme::Bearer => "`Bearer`, with `error=\"invalid_token\"` where a token was sent",
                Scheme::Basic => "`Basic` with the realm",
                Scheme::Session => "`Cookie` (no registered scheme covers cookie sessions)",
            };
            response = response.header(
                "WWW-Authenticate",
                HeaderBuilder::new()
                    .schema(Some(string_schema()))
                    .description(Some(format!("The challenge: {challenge}")))
                    .build(),
            );
        }
        "429" | "503" => {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(0))
                            .build(),
                    ))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        _ => {}
    }
    response.build()
}

fn json_response(description: &str, schema: &str, media: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(media, Content::new(Some(Ref::from_schema_name(schema))))
        .build()
}

fn string_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .build()
        .into()
}

fn string_property(description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .build()
        .into()
}

/// RFC 9457 problem details with the project's `code` and `errors`.
fn problem_schema() -> Schema {
    let error = ObjectBuilder::new()
        .property(
            "pointer",
            string_property("A JSON pointer to the failing field (`#/tags/3`)"),
        )
        .property("detail", string_property("What is wrong with it"))
        .required("pointer")
        .required("detail");
    ObjectBuilder::new()
        .description(Some("An RFC 9457 problem document"))
        .property(
            "type",
            string_property("A URI reference naming the problem type"),
        )
        .property(
            "title",
            string_property("A short summary of the problem type"),
        )
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("The HTTP status code")),
        )
        .property("detail", string_property("What went wrong, for the client"))
        .property(
            "code",
            string_property(
                "A short machine-readable word (`invalid_token`, `validation_failed`, …)",
            ),
        )
        .property(
            "errors",
            ArrayBuilder::new()
                .items(RefOr::T(Schema::from(error.build())))
                .description(Some("For validation failures: one entry per failing field")),
        )
        .required("type")
        .required("title")
        .required("status")
        .into()
}

/// RFC 6749 section 5.2.
fn oauth_error_schema() -> Schema {
    ObjectBuilder::new()
        .property(
            "error",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([
                    "invalid_request",
                    "invalid_client",
                    "invalid_grant",
                    "unauthorized_client",
                    "unsupported_grant_type",
                    "invalid_scope",
                ])),
        )
        .property(
            "error_description",
            string_property("A human-readable explanation"),
        )
        .required("error")
        .into()
}

fn token_request() -> utoipa::openapi::request_body::RequestBody {
    let form = ObjectBuilder::new()
        .property(
            "grant_type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["password"])),
        )
        .property("username", string_property("The account's name"))
        .property("password", string_property("The account's password"))
        .property(
            "scope",
            string_property("Space-separated scopes; narrows the granted ones"),
        )
        .required("grant_type")
        .required("username")
        .required("password")
        .build();
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/x-www-form-urlencoded",
            Content::new(Some(Schema::from(form))),
        )
        .build()
}

/// The session sign-in's body: a username and a password, as a form or as
/// JSON.
fn credentials_request() -> utoipa::openapi::request_body::RequestBody {
    let credentials = || {
        Schema::from(
            ObjectBuilder::new()
                .property("username", string_property("The account's name"))
                .property("password", string_property("The account's password"))
                .required("username")
                .required("password")
                .build(),
        )
    };
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/x-www-form-urlencoded",
            Content::new(Some(credentials())),
        )
        .content("application/json", Content::new(Some(credentials())))
        .build()
}

fn token_response() -> utoipa::openapi::Response {
    let body = ObjectBuilder::new()
        .property("access_token", string_property("The JWT"))
        .property(
            "token_type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["bearer"])),
        )
        .property(
            "expires_in",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("Seconds until the token expires")),
        )
        .property(
            "scope",
            string_property("The granted scopes, space-separated"),
        )
        .required("access_token")
        .required("token_type")
        .required("expires_in")
        .build();
    ResponseBuilder::new()
        .description("A bearer token (RFC 6749 section 5.1)")
        .content("application/json", Content::new(Some(Schema::from(body))))
        .build()
}

/// The document as JSON text, for serving.
pub(crate) fn to_json(document: &OpenApi) -> Cow<'static, str> {
    match document.to_json() {
        Ok(json) => Cow::Owned(json),
        // Serializing plain data cannot fail; answer an empty document if
        // it ever does rather than panic in a request.
        Err(_) => Cow::Borrowed("{}"),
    }
}
