//! The route × principal matrix: every route called as every sample
//! caller, compared with what the route's policy says.

use std::fmt;

use axum::body::Body;
use base64::Engine as _;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{Method, Request, StatusCode};
use tower::ServiceExt as _;

use super::TestKeys;
use crate::hierarchy::RoleHierarchy;
use crate::policy::Scheme;
use crate::routing::{RouteEntry, RouteKind, RouteMethod, SecureRouter};

/// A sample caller of a [`RouteMatrix`]: anonymous, a bearer token minted
/// with the test keys, or HTTP Basic credentials the application knows.
///
/// The roles and scopes given are what the application will see for the
/// caller: minted into the token for bearer callers, and for Basic callers
/// the ones their account holds in the application's user directory.
#[derive(Clone)]
pub struct SamplePrincipal {
    name: String,
    credential: Credential,
    roles: Vec<String>,
    scopes: Vec<String>,
}

#[derive(Clone)]
enum Credential {
    Anonymous,
    Bearer { subject: String },
    Basic { username: String, password: String },
}

impl fmt::Debug for SamplePrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password stays out of test output.
        f.debug_struct("SamplePrincipal")
            .field("name", &self.name)
            .field("roles", &self.roles)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl SamplePrincipal {
    /// A caller without credentials.
    pub fn anonymous() -> Self {
        Self {
            name: "anonymous".to_owned(),
            credential: Credential::Anonymous,
            roles: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// A bearer token for `subject`, minted by the matrix's test keys with
    /// the roles and scopes set next.
    pub fn bearer(subject: &str) -> Self {
        Self {
            name: format!("bearer {subject}"),
            credential: Credential::Bearer {
                subject: subject.to_owned(),
            },
            roles: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// HTTP Basic credentials of an account in the application's user
    /// directory; give it the roles and scopes that account holds.
    pub fn basic(username: &str, password: &str) -> Self {
        Self {
            name: format!("basic {username}"),
            credential: Credential::Basic {
                username: username.to_owned(),
                password: password.to_owned(),
            },
            roles: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// The caller's roles.
    #[must_use]
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(mut self, roles: I) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The caller's scopes.
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self.name = match &self.credential {
            Credential::Anonymous => self.name,
            _ => format!(
                "{} [{}]",
                self.name.split(" [").next().unwrap_or_default(),
                self.scopes.join(" ")
            ),
        };
        self
    }

    /// The name failures report the caller by.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    fn scheme(&self) -> Option<Scheme> {
        match self.credential {
            Credential::Anonymous => None,
            Credential::Bearer { .. } => Some(Scheme::Bearer),
            Credential::Basic { .. } => Some(Scheme::Basic),
        }
    }

    fn authorization(&self, keys: &TestKeys) -> Option<String> {
        match &self.credential {
            Credential::Anonymous => None,
            Credential::Bearer { subject } => Some(
                keys.user(subject)
                    .roles(self.roles.iter().map(String::as_str))
                    .scopes(self.scopes.iter().map(String::as_str))
                    .authorization(),
            ),
            Credential::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
        }
    }
}

/// One route and caller on which the answer and the policy disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The route (`GET /admin/stats (app::stats)`).
    pub route: String,
    /// The caller's name.
    pub principal: String,
    /// Whether the policy lets the caller in.
    pub expected_allowed: bool,
    /// The status the application answered.
    pub status: StatusCode,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} as {}: the policy {} the caller, but the answer was {}",
            self.route,
            self.principal,
            if self.expected_allowed {
                "allows"
            } else {
                "refuses"
            },
            self.status
        )
    }
}

/// Calls every route of a router as every sample caller, each call on a
/// fresh application so side effects (a logout, a delete) stay in it, and
/// compares allowed (any answer but 401 or 403) and refused (401 or 403)
/// with what the route's policy says of the caller.
///
/// Path parameters are `1` unless [`RouteMatrix::path_parameter`] says
/// otherwise; unsafe methods send the JSON body `{}` (or the one given by
/// [`RouteMatrix::body`]): the decision runs before any extractor, so a
/// body the handler would refuse still shows whether the caller got in.
///
/// ```no_run
/// # async fn demo(router: portcullis::SecureRouter, build: fn() -> axum::Router) {
/// use portcullis::testing::{RouteMatrix, SamplePrincipal, TestKeys};
///
/// let keys = TestKeys::from_secret(b"the-applications-secret-of-32-bytes").unwrap();
/// RouteMatrix::new(&router, keys, build)
///     .principal(SamplePrincipal::anonymous())
///     .principal(SamplePrincipal::bearer("ada").roles(["admin"]).scopes(["items:read"]))
///     .assert_agrees()
///     .await;
/// # }
/// ```
pub struct RouteMatrix<F> {
    routes: Vec<RouteEntry>,
    hierarchy: RoleHierarchy,
    keys: TestKeys,
    factory: F,
    principals: Vec<SamplePrincipal>,
    parameters: Vec<(String, String)>,
    bodies: Vec<(String, String)>,
}

impl<F> fmt::Debug for RouteMatrix<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteMatrix")
            .field("routes", &self.routes.len())
            .field("principals", &self.principals)
            .finish_non_exhaustive()
    }
}

impl<F: Fn() -> axum::Router> RouteMatrix<F> {
    /// A matrix over `router`'s routes, minting bearer tokens with `keys`
    /// and building a fresh application for each call with `factory`.
    pub fn new<S>(router: &SecureRouter<S>, keys: TestKeys, factory: F) -> Self
    where
        S: Clone + Send + Sync + 'static,
    {
        Self {
            routes: router.routes().to_vec(),
            hierarchy: router.security().role_hierarchy().clone(),
            keys,
            factory,
            principals: Vec::new(),
            parameters: Vec::new(),
            bodies: Vec::new(),
        }
    }

    /// Adds a sample caller.
    #[must_use]
    pub fn principal(mut self, principal: SamplePrincipal) -> Self {
        self.principals.push(principal);
        self
    }

    /// The value of path parameter `name` (`1` otherwise).
    #[must_use]
    pub fn path_parameter(mut self, name: &str, value: &str) -> Self {
        self.parameters.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The JSON body sent to `path` (`{}` otherwise).
    #[must_use]
    pub fn body(mut self, path: &str, json: &str) -> Self {
        self.bodies.push((path.to_owned(), json.to_owned()));
        self
    }

    /// Every disagreement between the answers and the policies.
    ///
    /// # Panics
    ///
    /// When a request cannot be built from a route (a path that is not a
    /// URI), which fails the test.
    pub async fn disagreements(&self) -> Vec<Disagreement> {
        let mut found = Vec::new();
        for route in &self.routes {
            if route.kind() == RouteKind::Fallback {
                continue;
            }
            let method = match route.method() {
                RouteMethod::Only(method) => method.clone(),
                RouteMethod::Any => Method::GET,
            };
            for principal in &self.principals {
                let expected_allowed = self.allows(route, principal);
                let status = self.call(route, &method, principal).await;
                let allowed = status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN;
                if allowed != expected_allowed {
                    found.push(Disagreement {
                        route: route.to_string(),
                        principal: principal.name.clone(),
                        expected_allowed,
                        status,
                    });
                }
            }
        }
        found
    }

    /// Fails with every route and caller whose answer disagrees with the
    /// policy.
    ///
    /// # Panics
    ///
    /// On any disagreement, listing them all.
    pub async fn assert_agrees(&self) {
        let found = self.disagreements().await;
        assert!(
            found.is_empty(),
            "{} of {} calls disagree with their policy:\n{}",
            found.len(),
            self.routes.len() * self.principals.len(),
            found
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn allows(&self, route: &RouteEntry, principal: &SamplePrincipal) -> bool {
        let requirement = route.requirement();
        if requirement.is_public() {
            return true;
        }
        principal.scheme() == Some(route.scheme())
            && requirement
                .evaluate_for(&principal.roles, &principal.scopes, &self.hierarchy)
                .is_ok()
    }

    async fn call(
        &self,
        route: &RouteEntry,
        method: &Method,
        principal: &SamplePrincipal,
    ) -> StatusCode {
        let path = self.concrete_path(route.path());
        let mut request = Request::builder().method(method.clone()).uri(&path);
        if let Some(authorization) = principal.authorization(&self.keys) {
            request = request.header(AUTHORIZATION, authorization);
        }
        let body = if [Method::POST, Method::PUT, Method::PATCH].contains(method) {
            request = request.header(CONTENT_TYPE, "application/json");
            let json = self
                .bodies
                .iter()
                .find(|(at, _)| *at == path || *at == route.path())
                .map_or("{}", |(_, json)| json.as_str());
            Body::from(json.to_owned())
        } else {
            Body::empty()
        };
        let request = request
            .body(body)
            .expect("a route's path is a valid request URI");
        let app = (self.factory)();
        match app.oneshot(request).await {
            Ok(response) => response.status(),
            Err(never) => match never {},
        }
    }

    fn concrete_path(&self, template: &str) -> String {
        template
            .split('/')
            .map(|segment| {
                let Some(name) = segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                else {
                    return segment.to_owned();
                };
                let name = name.trim_start_matches('*');
                self.parameters
                    .iter()
                    .find(|(known, _)| known == name)
                    .map_or_else(|| "1".to_owned(), |(_, value)| value.clone())
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}
