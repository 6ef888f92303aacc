//! The verified caller, shared by the guard with every later extractor.

use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;

use crate::policy::Scheme;
use crate::rejection::AuthRejection;
use crate::security::Security;

/// Who made the request, as the guard verified it.
///
/// A handler asks for it as a parameter; it is the identity the guard already
/// verified (an `Arc` clone), never a second verification. A `#[public]`
/// handler may take `Option<Principal>` to serve anonymous and signed-in
/// callers alike: there the credential is verified once, when present, and a
/// credential that fails verification is still refused with 401.
///
/// ```
/// use portcullis::{Principal, Scheme};
///
/// let alice = Principal::new("alice", vec!["user".into()], vec!["items:read".into()], Scheme::Bearer);
/// assert!(alice.has_scope("items:read"));
/// assert_eq!(alice.subject(), "alice");
/// ```
#[derive(Clone)]
pub struct Principal(Arc<Identity>);

/// The verified identity itself; a [`Principal`] shares one.
#[derive(Clone)]
pub(crate) struct Identity {
    pub(crate) subject: String,
    pub(crate) roles: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) scheme: Scheme,
    pub(crate) token_id: Option<String>,
    pub(crate) issued_at: Option<u64>,
    pub(crate) expires_at: Option<u64>,
}

impl From<Identity> for Principal {
    fn from(identity: Identity) -> Self {
        Self(Arc::new(identity))
    }
}

impl Principal {
    /// The identity, without copying it when this is the only handle.
    pub(crate) fn into_identity(self) -> Identity {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }
}

impl Principal {
    /// A principal with the given subject, roles and scopes.
    pub fn new(
        subject: impl Into<String>,
        roles: Vec<String>,
        scopes: Vec<String>,
        scheme: Scheme,
    ) -> Self {
        Self(Arc::new(Identity {
            subject: subject.into(),
            roles,
            scopes,
            scheme,
            token_id: None,
            issued_at: None,
            expires_at: None,
        }))
    }

    /// The subject: the token's `sub` claim or the Basic username.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The roles the credential carries (before the role hierarchy applies).
    pub fn roles(&self) -> &[String] {
        &self.0.roles
    }

    /// The OAuth scopes the credential carries.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Whether the credential carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.iter().any(|held| held == scope)
    }

    /// Whether the credential carries `role` directly (no hierarchy).
    pub fn has_role(&self, role: &str) -> bool {
        self.0.roles.iter().any(|held| held == role)
    }

    /// How the caller authenticated.
    pub fn scheme(&self) -> Scheme {
        self.0.scheme
    }

    /// The token's `jti`, when it has one.
    pub fn token_id(&self) -> Option<&str> {
        self.0.token_id.as_deref()
    }

    /// The token's `iat` (seconds since the Unix epoch), when it has one.
    pub fn issued_at(&self) -> Option<u64> {
        self.0.issued_at
    }

    /// The token's `exp` (seconds since the Unix epoch); `None` for Basic.
    pub fn expires_at(&self) -> Option<u64> {
        self.0.expires_at
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.0.subject)
            .field("roles", &self.0.roles)
            .field("scopes", &self.0.scopes)
            .field("scheme", &self.0.scheme)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        // The guard keeps the identity only for handlers whose parameters name
        // `Principal`; reached through an alias, verify the credential again.
        let verified = match Security::of(&parts.extensions) {
            Some(security) => security.authenticate_optional(parts).await?,
            None => None,
        };
        verified.ok_or_else(|| {
            // No guard verified a caller: a wiring mistake, so fail closed.
            tracing::error!(
                target: "portcullis::config",
                "a handler asked for `Principal` but no caller was verified; use `Option<Principal>` on `#[public]` handlers"
            );
            AuthRejection::misconfigured(Security::responder_of(parts))
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Some(principal.clone()));
        }
        let Some(security) = Security::of(&parts.extensions) else {
            return Ok(None);
        };
        security.authenticate_optional(parts).await
    }
}
