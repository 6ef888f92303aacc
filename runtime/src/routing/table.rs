//! The route table: every route of a [`super::SecureRouter`] as data.

use std::fmt;

use axum::routing::MethodFilter;
use http::Method;

use crate::policy::{PolicyInfo, Requirement, Scheme, VocabularyInfo};
use crate::rate_limit::RateLimit;
use crate::security::Security;

/// Which requests of a path a route answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RouteMethod {
    /// One HTTP method. A `GET` route also answers `HEAD` (axum runs the
    /// handler and drops the body); that is not listed separately.
    Only(Method),
    /// Every method: [`super::any`], a fallback, or a public service.
    Any,
}

impl fmt::Display for RouteMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Only(method) => f.write_str(method.as_str()),
            Self::Any => f.write_str("*"),
        }
    }
}

/// What answers a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouteKind {
    /// A handler with a policy attribute.
    Handler,
    /// A handler with a policy attribute answering paths no route matches.
    Fallback,
    /// A service mounted as public on purpose (static files, a probe).
    PublicService,
}

/// One route: its method, path template and policy.
///
/// CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) are
/// answered by the CORS layer before routing, so they are not routes and do
/// not appear.
///
/// ```
/// use portcullis::prelude::*;
/// use portcullis::routing::{RouteMethod, get};
///
/// #[requires_role("admin")]
/// async fn stats() -> &'static str { "{}" }
///
/// # let security = Security::builder().build().unwrap();
/// let router: SecureRouter = SecureRouter::new(security).route("/admin/stats", get(stats));
/// let route = &router.routes()[0];
/// assert_eq!(route.method(), &RouteMethod::Only(http::Method::GET));
/// assert_eq!(route.path(), "/admin/stats");
/// assert!(route.policy_id().ends_with("::stats"));
/// assert_eq!(route.requirement().to_string(), "role(admin)");
/// ```
#[derive(Clone)]
pub struct RouteEntry {
    method: RouteMethod,
    path: String,
    kind: RouteKind,
    policy: &'static PolicyInfo,
    /// The configuration the route was built with (merged and nested
    /// routers keep their own), for the checks of `build`.
    security: Security,
}

impl RouteEntry {
    pub(crate) fn new(
        method: RouteMethod,
        path: String,
        kind: RouteKind,
        policy: &'static PolicyInfo,
        security: Security,
    ) -> Self {
        Self {
            method,
            path,
            kind,
            policy,
            security,
        }
    }

    /// The HTTP method, or [`RouteMethod::Any`].
    pub fn method(&self) -> &RouteMethod {
        &self.method
    }

    /// The path template as given to the router (`/users/{id}`), with the
    /// prefix of any `nest`; `*` for a fallback.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What answers the route.
    pub fn kind(&self) -> RouteKind {
        self.kind
    }

    /// The policy's stable id: the handler's module path and name.
    pub fn policy_id(&self) -> &'static str {
        self.policy.id
    }

    /// The handler's name: the last segment of the policy id.
    pub fn handler(&self) -> &'static str {
        self.policy.id.rsplit("::").next().unwrap_or(self.policy.id)
    }

    /// What the caller must satisfy.
    pub fn requirement(&self) -> &'static Requirement {
        &self.policy.requirement
    }

    /// How the caller authenticates (meaningless for public routes).
    pub fn scheme(&self) -> Scheme {
        self.policy.scheme
    }

    /// The role vocabularies the policy names.
    pub fn role_vocabularies(&self) -> &'static [VocabularyInfo] {
        self.policy.role_vocabularies
    }

    /// The rate limits declared with the policy, with their declared
    /// quotas; [`RouteEntry::quota_of`] gives the one in force.
    pub fn rate_limits(&self) -> &'static [RateLimit] {
        self.policy.rate_limits
    }

    /// The quota in force for one of the route's limits: the configured
    /// override for its name, or the declared one.
    pub fn quota_of(&self, limit: &RateLimit) -> crate::rate_limit::Quota {
        self.security.quota_of(limit)
    }

    /// The whole policy description.
    pub fn policy(&self) -> &'static PolicyInfo {
        self.policy
    }

    pub(crate) fn nested_under(mut self, prefix: &str) -> Self {
        let prefix = prefix.trim_end_matches('/');
        self.path = match self.path.as_str() {
            "*" => format!("{prefix}/*"),
            "/" => prefix.to_owned(),
            path => format!("{prefix}{path}"),
        };
        self
    }

    /// What is wrong with the route under its configuration, if anything.
    pub(crate) fn misconfiguration(&self) -> Option<String> {
        if self.policy.requirement.is_public() {
            return None;
        }
        if !self.security.supports(self.policy.scheme) {
            return Some(format!(
                "route {self} uses the {} scheme, but its `Security` has no {} authenticator; add `.{}(..)` to the security builder",
                self.policy.scheme.as_str(),
                self.policy.scheme.as_str(),
                match self.policy.scheme {
                    Scheme::Bearer => "bearer",
                    Scheme::Basic => "basic",
                    Scheme::Session => "sessions",
                },
            ));
        }
        self.policy.role_vocabularies.iter().find_map(|vocabulary| {
            vocabulary
                .missing_from(self.security.role_hierarchy())
                .map(|(role, implied)| {
                    format!(
                        "route {self} names roles of `{}`, whose `{role}` implies `{implied}`, but its `Security` was not given that hierarchy; add `.roles::<{}>()` to the security builder",
                        vocabulary.name, vocabulary.name,
                    )
                })
        })
    }
}

impl fmt::Display for RouteEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.method, self.path, self.policy.id)?;
        for limit in self.policy.rate_limits {
            let quota = self.security.quota_of(limit);
            write!(f, " rate_limit({}: {} by {})", limit.name, quota, limit.key)?;
        }
        Ok(())
    }
}

impl fmt::Debug for RouteEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteEntry")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("policy_id", &self.policy.id)
            .field("requirement", &self.policy.requirement)
            .field("scheme", &self.policy.scheme)
            .field("rate_limits", &self.policy.rate_limits)
            .finish()
    }
}

/// The methods an axum [`MethodFilter`] lets through, in a fixed order.
pub(crate) fn methods_of(filter: MethodFilter) -> Vec<Method> {
    [
        (MethodFilter::GET, Method::GET),
        (MethodFilter::HEAD, Method::HEAD),
        (MethodFilter::POST, Method::POST),
        (MethodFilter::PUT, Method::PUT),
        (MethodFilter::PATCH, Method::PATCH),
        (MethodFilter::DELETE, Method::DELETE),
        (MethodFilter::OPTIONS, Method::OPTIONS),
        (MethodFilter::TRACE, Method::TRACE),
        (MethodFilter::CONNECT, Method::CONNECT),
    ]
    .into_iter()
    .filter(|(one, _)| filter.or(*one) == filter)
    .map(|(_, method)| method)
    .collect()
}
