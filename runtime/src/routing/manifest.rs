//! The policy manifest: who may call what, for audits and reviews.

use std::fmt;

use http::Method;
use serde::Serialize;

use super::table::{RouteEntry, RouteKind, RouteMethod};
use crate::policy::Scheme;

/// Every route of a router with its policy, as JSON or as a table: what an
/// auditor reads, and what a snapshot test pins so that any change to who
/// can call what shows up in review.
///
/// Built from the route table ([`super::SecureRouter::manifest`]), the one
/// source OpenAPI and the audit log also use; the policy ids are the ones
/// audit events name. Unlike the OpenAPI document, it names roles.
///
/// ```
/// use portcullis::prelude::*;
/// use portcullis::routing::get;
///
/// #[requires_role("admin")]
/// async fn stats() -> &'static str { "{}" }
///
/// # let security = Security::builder().build().unwrap();
/// let router: SecureRouter = SecureRouter::new(security).route("/admin/stats", get(stats));
/// let manifest = router.manifest();
/// assert_eq!(manifest.entries()[0].requirement, "role(admin)");
/// assert!(manifest.to_string().contains("/admin/stats"));
/// assert_eq!(manifest.to_json()[0]["scheme"], "bearer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PolicyManifest {
    entries: Vec<ManifestEntry>,
}

/// One route of a [`PolicyManifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ManifestEntry {
    /// The HTTP method, or `*` for every method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The policy id (the handler's module path and name).
    pub policy: &'static str,
    /// The requirement, roles and scopes included (`all(role(admin), scope(users:delete))`).
    pub requirement: String,
    /// How callers authenticate (`bearer`, `basic`); `None` on public routes.
    pub scheme: Option<&'static str>,
    /// The route's rate limits, as written on its policy; empty without any.
    pub rate_limits: Vec<String>,
    /// Whether unsafe requests need CSRF proof (cookie-authenticated routes).
    pub csrf: bool,
}

impl PolicyManifest {
    /// The manifest of `routes`, sorted by path and method.
    pub fn new(routes: &[RouteEntry]) -> Self {
        let mut entries: Vec<ManifestEntry> = routes.iter().map(ManifestEntry::of).collect();
        entries.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        Self { entries }
    }

    /// The routes, sorted by path and method.
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// The manifest as a JSON array, one object per route.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.entries).unwrap_or_default()
    }
}

impl ManifestEntry {
    fn of(route: &RouteEntry) -> Self {
        let public = route.requirement().is_public();
        Self {
            method: route.method().to_string(),
            path: route.path().to_owned(),
            policy: route.policy_id(),
            requirement: match route.kind() {
                RouteKind::PublicService => "public (service)".to_owned(),
                _ => route.requirement().to_string(),
            },
            scheme: (!public).then(|| scheme_name(route.scheme())),
            // The quota in force: the configured override, or the declared one.
            rate_limits: route
                .rate_limits()
                .iter()
                .map(|limit| format!("{}: {} by {}", limit.name, route.quota_of(limit), limit.key))
                .collect(),
            csrf: !public && cookie_scheme(route.scheme()) && unsafe_method(route.method()),
        }
    }
}

fn scheme_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Bearer => "bearer",
        Scheme::Basic => "basic",
        Scheme::Session => "session",
    }
}

/// Whether the scheme's credential is a cookie, which browsers send by
/// themselves: the session scheme.
fn cookie_scheme(scheme: Scheme) -> bool {
    match scheme {
        Scheme::Bearer | Scheme::Basic => false,
        Scheme::Session => true,
    }
}

fn unsafe_method(method: &RouteMethod) -> bool {
    match method {
        RouteMethod::Only(method) => {
            ![Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE].contains(method)
        }
        RouteMethod::Any => true,
    }
}

impl fmt::Display for PolicyManifest {
    /// A fixed-width table, one route per line under a header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = [
            "METHOD",
            "PATH",
            "POLICY",
            "REQUIREMENT",
            "SCHEME",
            "RATE LIMIT",
            "CSRF",
        ];
        let rows: Vec<[String; 7]> = self
            .entries
            .iter()
            .map(|entry| {
                [
                    entry.method.clone(),
                    entry.path.clone(),
                    entry.policy.to_owned(),
                    entry.requirement.clone(),
                    entry.scheme.unwrap_or("-").to_owned(),
                    if entry.rate_limits.is_empty() {
                        "-".to_owned()
                    } else {
                        entry.rate_limits.join(", ")
                    },
                    if entry.csrf { "yes" } else { "-" }.to_owned(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut line = |cells: &[&str]| -> fmt::Result {
            let mut text = String::new();
            for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
                if index > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            }
            writeln!(f, "{}", text.trim_end())
        };
        line(&header)?;
        for row in &rows {
            line(&row.each_ref().map(String::as_str))?;
        }
        Ok(())
    }
}
