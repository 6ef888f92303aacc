//! The verified caller: plain data, produced by the authentication schemes.

use std::fmt;
use std::sync::Arc;

use crate::policy::Scheme;

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
    pub(crate) issuer: Option<String>,
    pub(crate) token_id: Option<String>,
    pub(crate) issued_at: Option<u64>,
    pub(crate) expires_at: Option<u64>,
    /// The session's CSRF token, for callers authenticated by a session.
    pub(crate) csrf_token: Option<String>,
}

impl From<Identity> for Principal {
    fn from(identity: Identity) -> Self {
        Self(Arc::new(identity))
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
            issuer: None,
            token_id: None,
            issued_at: None,
            expires_at: None,
            csrf_token: None,
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

    /// The token's `iss`, when it has one; `None` for Basic. Subjects are
    /// unique per issuer only, so compare `(issuer, subject)` pairs when
    /// several issuers are trusted.
    pub fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }

    /// The token's `jti`, when it has one.
    pub fn token_id(&self) -> Option<&str> {
        self.0.token_id.as_deref()
    }

    /// The token's `iat` (seconds since the Unix epoch), when it has one.
    pub fn issued_at(&self) -> Option<u64> {
        self.0.issued_at
    }

    /// The session's CSRF token (what `X-CSRF-Token` must carry on unsafe
    /// requests without `Origin` or `Sec-Fetch-Site`), for a caller
    /// authenticated by a session; `None` for other schemes.
    pub fn csrf_token(&self) -> Option<&str> {
        self.0.csrf_token.as_deref()
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
