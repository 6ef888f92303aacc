//! Policies: what a handler requires of its caller, fixed at compile time.

use std::fmt;

use crate::hierarchy::RoleHierarchy;
use crate::rate_limit::RateLimit;

/// How a route's caller proves who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `Authorization: Bearer <jwt>` (RFC 6750).
    Bearer,
    /// `Authorization: Basic <base64>` (RFC 7617).
    Basic,
    /// A server-side session, its opaque id carried by a cookie (see
    /// [`crate::auth::session`]); unsafe methods need CSRF proof.
    Session,
}

impl Scheme {
    /// The scheme's name as it appears in the `Authorization` header
    /// (`Session` for the session cookie, which has no such header).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::Basic => "Basic",
            Self::Session => "Session",
        }
    }
}

/// A requirement tree, built by the policy attributes as a constant.
///
/// Evaluating it walks `'static` data: no allocation, nothing read at run time
/// except the caller's verified roles and scopes.
///
/// ```
/// use portcullis::Requirement;
///
/// const WRITE: Requirement = Requirement::All(&[
///     Requirement::AnyRole(&["user", "admin"]),
///     Requirement::Scopes(&["items:write"]),
/// ]);
/// assert_eq!(WRITE.to_string(), "all(any_role(user, admin), scope(items:write))");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Anyone, signed in or not; credentials are not even read.
    Public,
    /// Any verified caller.
    Authenticated,
    /// A caller holding this role, directly or through the role hierarchy.
    Role(&'static str),
    /// A caller holding at least one of these roles.
    AnyRole(&'static [&'static str]),
    /// A caller whose credential carries every one of these scopes.
    Scopes(&'static [&'static str]),
    /// Every requirement holds.
    All(&'static [Requirement]),
    /// At least one requirement holds.
    Any(&'static [Requirement]),
}

/// Which kind of check refused a caller; the 403 answer names the kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// A role check failed.
    Role,
    /// A scope check failed.
    Scope,
}

impl Denial {
    /// The problem `code` of the refusal.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Role => "insufficient_role",
            Self::Scope => "insufficient_scope",
        }
    }
}

impl Requirement {
    /// Checks a caller holding `roles` and `scopes` against the requirement.
    pub fn evaluate_for(
        &self,
        roles: &[String],
        scopes: &[String],
        hierarchy: &RoleHierarchy,
    ) -> Result<(), Denial> {
        match *self {
            Self::Public | Self::Authenticated => Ok(()),
            Self::Role(role) => {
                if hierarchy.grants(roles, role) {
                    Ok(())
                } else {
                    Err(Denial::Role)
                }
            }
            Self::AnyRole(wanted) => {
                if wanted.iter().any(|role| hierarchy.grants(roles, role)) {
                    Ok(())
                } else {
                    Err(Denial::Role)
                }
            }
            Self::Scopes(wanted) => {
                if wanted
                    .iter()
                    .all(|scope| scopes.iter().any(|held| held == scope))
                {
                    Ok(())
                } else {
                    Err(Denial::Scope)
                }
            }
            Self::All(parts) => parts
                .iter()
                .try_for_each(|part| part.evaluate_for(roles, scopes, hierarchy)),
            Self::Any(parts) => {
                let mut first = None;
                for part in parts {
                    match part.evaluate_for(roles, scopes, hierarchy) {
                        Ok(()) => return Ok(()),
                        Err(denial) => {
                            first.get_or_insert(denial);
                        }
                    }
                }
                // `any()` with no branches can only come from a hand-written
                // policy; it grants nothing.
                Err(first.unwrap_or(Denial::Role))
            }
        }
    }

    /// Whether the requirement lets anonymous callers in.
    pub const fn is_public(&self) -> bool {
        matches!(self, Self::Public)
    }
}

fn write_list(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = impl fmt::Display>,
) -> fmt::Result {
    for (index, item) in items.enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Public => f.write_str("public"),
            Self::Authenticated => f.write_str("authenticated"),
            Self::Role(role) => write!(f, "role({role})"),
            Self::AnyRole(roles) => write_call(f, "any_role", roles.iter()),
            Self::Scopes(scopes) => write_call(f, "scope", scopes.iter()),
            Self::All(parts) => write_call(f, "all", parts.iter()),
            Self::Any(parts) => write_call(f, "any", parts.iter()),
        }
    }
}

fn write_call(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    items: impl Iterator<Item = impl fmt::Display>,
) -> fmt::Result {
    f.write_str(name)?;
    f.write_str("(")?;
    write_list(f, items)?;
    f.write_str(")")
}

/// A handler's policy: its id, its requirement and the scheme its callers use.
///
/// The policy attributes implement it on a hidden type per handler; the
/// [`crate::Guard`] extractor and the route table read it at compile time.
/// Implement it by hand only for policies the attributes cannot say.
///
/// ```
/// use portcullis::{Policy, Requirement, Scheme};
///
/// struct AdminOverBasic;
/// impl Policy for AdminOverBasic {
///     const ID: &'static str = "my_app::admin_over_basic";
///     const REQUIREMENT: Requirement = Requirement::Role("admin");
///     const SCHEME: Scheme = Scheme::Basic;
/// }
/// assert!(!AdminOverBasic::REQUIREMENT.is_public());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Portcullis policy",
    note = "policies come from `#[public]`, `#[authenticated]`, `#[requires_role(..)]`, `#[requires_any_role(..)]`, `#[requires_scope(..)]` or `#[requires(..)]` on the handler"
)]
pub trait Policy: Send + Sync + 'static {
    /// A stable name for the policy: the attributes use the handler's module
    /// path and name (`secure_api::app::create_item`). Audit events and the
    /// route table carry it.
    const ID: &'static str;
    /// What the caller must satisfy.
    const REQUIREMENT: Requirement;
    /// How the caller authenticates.
    const SCHEME: Scheme = Scheme::Bearer;
    /// The role vocabularies (`#[derive(Roles)]`) the requirement names, so
    /// a router can check that their hierarchies were configured.
    const ROLE_VOCABULARIES: &'static [VocabularyInfo] = &[];
    /// The rate limits declared with the policy (`rate_limit(..)` in the
    /// attribute); none by default, and a route with none pays nothing.
    const RATE_LIMITS: &'static [RateLimit] = &[];
    /// The handler's doc comment, one line per line (empty without one):
    /// the OpenAPI document's summary (first line) and description.
    const DOC: &'static str = "";
    /// The body the handler reads (`Json<T>`, `Form<T>`), for the OpenAPI
    /// document; the policy attributes fill it in.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    const REQUEST_BODY: Option<crate::openapi::schema::RequestBody> = None;
    /// The success answer (status and `Json<T>` body), for the OpenAPI
    /// document; the policy attributes fill it in.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    const RESPONSE_BODY: Option<crate::openapi::schema::ResponseBody> = None;
    /// The typed path and query parameters (`Path<T>`, `Query<T>`), for
    /// the OpenAPI document; the policy attributes fill it in.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    const PARAMETERS: crate::openapi::schema::Parameters = crate::openapi::schema::Parameters::NONE;
}

/// Everything the route table and the guard know about a policy, as one
/// `'static` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyInfo {
    /// See [`Policy::ID`].
    pub id: &'static str,
    /// See [`Policy::REQUIREMENT`].
    pub requirement: Requirement,
    /// See [`Policy::SCHEME`].
    pub scheme: Scheme,
    /// See [`Policy::ROLE_VOCABULARIES`].
    pub role_vocabularies: &'static [VocabularyInfo],
    /// See [`Policy::RATE_LIMITS`].
    pub rate_limits: &'static [RateLimit],
    /// See [`Policy::DOC`].
    pub doc: &'static str,
    /// The body the handler reads, for the OpenAPI document.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    pub request_body: Option<crate::openapi::schema::RequestBody>,
    /// The success answer, for the OpenAPI document.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    pub response_body: Option<crate::openapi::schema::ResponseBody>,
    /// The typed path and query parameters, for the OpenAPI document.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    pub parameters: crate::openapi::schema::Parameters,
}

impl PolicyInfo {
    /// The `'static` description of policy `P`.
    pub const fn of<P: Policy>() -> &'static Self {
        const {
            &Self {
                id: P::ID,
                requirement: P::REQUIREMENT,
                scheme: P::SCHEME,
                role_vocabularies: P::ROLE_VOCABULARIES,
                rate_limits: P::RATE_LIMITS,
                doc: P::DOC,
                #[cfg(feature = "openapi")]
                request_body: P::REQUEST_BODY,
                #[cfg(feature = "openapi")]
                response_body: P::RESPONSE_BODY,
                #[cfg(feature = "openapi")]
                parameters: P::PARAMETERS,
            }
        }
    }

    /// What public services (static files, probes) mounted with
    /// [`crate::SecureRouter::public_route_service`] are listed with.
    pub const PUBLIC_SERVICE: &'static Self = &Self {
        id: "portcullis::public_service",
        requirement: Requirement::Public,
        scheme: Scheme::Bearer,
        role_vocabularies: &[],
        rate_limits: &[],
        doc: "",
        #[cfg(feature = "openapi")]
        request_body: None,
        #[cfg(feature = "openapi")]
        response_body: None,
        #[cfg(feature = "openapi")]
        parameters: crate::openapi::schema::Parameters::NONE,
    };
}

/// A role vocabulary as a policy names it: its type name and the roles each
/// role implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VocabularyInfo {
    /// The vocabulary's type name, as written in the policy.
    pub name: &'static str,
    /// For each role, the roles it implies directly.
    pub implies: &'static [(&'static str, &'static [&'static str])],
}

impl VocabularyInfo {
    /// The first `implies` edge that `hierarchy` does not grant, if any: a
    /// hierarchy the configuration was not given.
    pub fn missing_from(&self, hierarchy: &RoleHierarchy) -> Option<(&'static str, &'static str)> {
        self.implies.iter().find_map(|(role, implied)| {
            implied
                .iter()
                .find(|implied| !hierarchy.grants(&[(*role).to_owned()], implied))
                .map(|implied| (*role, *implied))
        })
    }
}

/// The policy an attribute with errors falls back to, so the compiler reports
/// only the attribute's own error. It refuses everyone.
#[doc(hidden)]
#[derive(Debug)]
pub struct DenyAll;

impl Policy for DenyAll {
    const ID: &'static str = "portcullis::deny_all";
    const REQUIREMENT: Requirement = Requirement::Any(&[]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    fn check(requirement: Requirement, roles: &[&str], scopes: &[&str]) -> Result<(), Denial> {
        let hierarchy = RoleHierarchy::builder()
            .role("admin", ["user"])
            .build()
            .unwrap();
        requirement.evaluate_for(&owned(roles), &owned(scopes), &hierarchy)
    }

    #[test]
    fn leaves() {
        assert_eq!(check(Requirement::Authenticated, &[], &[]), Ok(()));
        assert_eq!(check(Requirement::Role("user"), &["admin"], &[]), Ok(()));
        assert_eq!(
            check(Requirement::Role("admin"), &["user"], &[]),
            Err(Denial::Role)
        );
        assert_eq!(
            check(Requirement::AnyRole(&["x", "user"]), &["user"], &[]),
            Ok(())
        );
        assert_eq!(
            check(Requirement::AnyRole(&["x", "y"]), &["user"], &[]),
            Err(Denial::Role)
        );
        assert_eq!(
            check(Requirement::Scopes(&["a", "b"]), &[], &["b", "a"]),
            Ok(())
        );
        assert_eq!(
            check(Requirement::Scopes(&["a", "b"]), &[], &["a"]),
            Err(Denial::Scope)
        );
    }

    #[test]
    fn combinations_report_the_first_failing_kind() {
        const WRITE: Requirement =
            Requirement::All(&[Requirement::Role("user"), Requirement::Scopes(&["w"])]);
        assert_eq!(check(WRITE, &["user"], &["w"]), Ok(()));
        assert_eq!(check(WRITE, &["guest"], &[]), Err(Denial::Role));
        assert_eq!(check(WRITE, &["user"], &[]), Err(Denial::Scope));
        const EITHER: Requirement =
            Requirement::Any(&[Requirement::Scopes(&["s"]), Requirement::Role("admin")]);
        assert_eq!(check(EITHER, &["admin"], &[]), Ok(()));
        assert_eq!(check(EITHER, &[], &["s"]), Ok(()));
        assert_eq!(check(EITHER, &["user"], &[]), Err(Denial::Scope));
        assert_eq!(
            check(Requirement::Any(&[]), &["admin"], &["s"]),
            Err(Denial::Role)
        );
    }

    #[test]
    fn display_names_the_policy() {
        const P: Requirement =
            Requirement::Any(&[Requirement::Role("admin"), Requirement::Authenticated]);
        assert_eq!(P.to_string(), "any(role(admin), authenticated)");
    }
}
