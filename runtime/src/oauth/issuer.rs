//! Signs access tokens and serves the password grant.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Header, encode};
use secrecy::ExposeSecret;

use super::error::OAuthError;
use super::grant::PasswordGrant;
use super::response::TokenResponse;
use super::scope::narrow;
use super::signing_key::SigningKey;
use crate::clock::unix_now;
use crate::config_error::ConfigError;
use crate::jwt::Claims;
use crate::users::{CredentialsError, UserDirectory};

/// How long issued tokens live unless configured otherwise: one hour.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Issues signed access tokens: `sub`, `iat`, `exp`, `jti` (a random UUID),
/// `roles`, `scope`, and `iss`/`aud` when configured.
///
/// Cloning is cheap. A `/token` route is a `#[public]` handler that passes the
/// [`PasswordGrant`] it extracted to [`TokenIssuer::password_grant`]:
///
/// ```
/// use axum::extract::State;
/// use portcullis::jwt::{Algorithm, JwtVerifier};
/// use portcullis::oauth::{OAuthError, PasswordGrant, SigningKey, TokenIssuer, TokenResponse};
/// use portcullis::prelude::*;
/// use portcullis::routing::post;
/// use portcullis::users::{InMemoryUserStore, UserDirectory};
///
/// #[derive(Clone)]
/// struct Tokens {
///     issuer: TokenIssuer,
///     users: UserDirectory,
/// }
///
/// #[public]
/// async fn token(State(tokens): State<Tokens>, grant: PasswordGrant) -> Result<TokenResponse, OAuthError> {
///     tokens.issuer.password_grant(&tokens.users, grant).await
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = SigningKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef")?;
/// let verifier = JwtVerifier::builder().key(key.hmac_verification_key().unwrap()).build()?;
/// let issuer = TokenIssuer::builder(key).issuer("https://auth.example.com").build()?;
/// let users = InMemoryUserStore::new().with_user("alice", "alice-pass", ["user"], ["items:read"])?;
/// let tokens = Tokens { issuer, users: UserDirectory::new(users)? };
/// let app: axum::Router = SecureRouter::new(Security::builder().bearer(verifier).build()?)
///     .route("/token", post(token))
///     .with_state(tokens)
///     .into_router();
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TokenIssuer(Arc<Inner>);

struct Inner {
    key: SigningKey,
    header: Header,
    lifetime: u64,
    issuer: Option<String>,
    audience: Option<String>,
}

/// Collects the issuer's settings; see [`TokenIssuer::builder`].
#[derive(Debug)]
#[must_use]
pub struct TokenIssuerBuilder {
    key: SigningKey,
    lifetime: Duration,
    issuer: Option<String>,
    audience: Option<String>,
}

impl TokenIssuerBuilder {
    /// How long tokens live; one hour by default. At least one second.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Puts this `iss` in every token.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Puts this `aud` in every token.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Checks the settings and builds the issuer.
    pub fn build(self) -> Result<TokenIssuer, ConfigError> {
        let lifetime = self.lifetime.as_secs();
        if lifetime == 0 {
            return Err(ConfigError::TokenLifetime);
        }
        let mut header = Header::new(self.key.algorithm());
        header.kid = self.key.kid().map(str::to_owned);
        Ok(TokenIssuer(Arc::new(Inner {
            key: self.key,
            header,
            lifetime,
            issuer: self.issuer,
            audience: self.audience,
        })))
    }
}

impl TokenIssuer {
    /// Starts an issuer that signs with `key`.
    pub fn builder(key: SigningKey) -> TokenIssuerBuilder {
        TokenIssuerBuilder {
            key,
            lifetime: DEFAULT_TOKEN_LIFETIME,
            issuer: None,
            audience: None,
        }
    }

    /// How long issued tokens live.
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(self.0.lifetime)
    }

    /// Signs a token for `subject` with exactly these roles and scopes.
    ///
    /// No check is made here: use it after authenticating the subject, or
    /// in tests. [`TokenIssuer::password_grant`] authenticates and narrows.
    pub fn issue<R, S>(
        &self,
        subject: &str,
        roles: R,
        scopes: S,
    ) -> Result<TokenResponse, OAuthError>
    where
        R: IntoIterator,
        R::Item: Into<String>,
        S: IntoIterator,
        S::Item: Into<String>,
    {
        let now = unix_now();
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        let roles = roles.into_iter().map(Into::into).collect();
        let claims = self.claims(subject, roles, &scopes, now, now + self.0.lifetime);
        let token = self.sign(&claims)?;
        Ok(TokenResponse::new(token, claims))
    }

    /// The password grant: checks the credentials with `users` (the same
    /// Argon2 work for unknown users), narrows the scope, and issues a token.
    ///
    /// A wrong username and a wrong password are both `invalid_grant`; a
    /// requested scope the user does not hold is `invalid_scope`; a failing
    /// user store is `server_error`, logged; a busy hashing gate is a 503
    /// problem document ([`OAuthError::HashingBusy`]).
    pub async fn password_grant(
        &self,
        users: &UserDirectory,
        grant: PasswordGrant,
    ) -> Result<TokenResponse, OAuthError> {
        let throttle = crate::context::with(|context| context.security.login_throttle().clone());
        let verified = match &throttle {
            Some(throttle) => {
                users
                    .verify_throttled(
                        throttle,
                        grant.client(),
                        grant.username(),
                        grant.password().expose_secret(),
                    )
                    .await
            }
            None => {
                users
                    .verify_from(
                        grant.client(),
                        grant.username(),
                        grant.password().expose_secret(),
                    )
                    .await
            }
        };
        let record = verified.map_err(|error| match error {
                CredentialsError::BadCredentials => {
                    tracing::warn!(target: "portcullis::oauth", outcome = "deny", reason = "invalid_grant", "password grant refused");
                    OAuthError::InvalidGrant
                }
                CredentialsError::Store(store) => {
                    tracing::error!(target: "portcullis::oauth", error = %store, "user store failed; no token issued");
                    OAuthError::ServerError
                }
                CredentialsError::Busy(busy) => OAuthError::HashingBusy(busy),
                CredentialsError::Limited(exceeded) => OAuthError::RateLimited(exceeded),
                CredentialsError::Unavailable(error) => OAuthError::unavailable(&error),
            })?;
        let scopes = narrow(grant.scope(), &record.scopes).inspect_err(|_| {
            tracing::warn!(target: "portcullis::oauth", subject = %record.username, outcome = "deny", reason = "invalid_scope", "password grant refused");
        })?;
        let issued = self.issue(&record.username, record.roles, scopes)?;
        tracing::info!(
            target: "portcullis::oauth",
            subject = %issued.claims().sub,
            jti = issued.claims().jti.as_deref().unwrap_or_default(),
            scope = issued.scope(),
            "access token issued"
        );
        Ok(issued)
    }

    /// The claims of a token issued at `now` and expiring at `exp`.
    pub(crate) fn claims(
        &self,
        subject: &str,
        roles: Vec<String>,
        scopes: &[String],
        now: u64,
        exp: u64,
    ) -> Claims {
        Claims {
            sub: subject.to_owned(),
            exp,
            iat: Some(now),
            nbf: None,
            jti: Some(uuid::Uuid::new_v4().to_string()),
            iss: self.0.issuer.clone(),
            aud: self.0.audience.clone().map(serde_json::Value::String),
            roles,
            scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
        }
    }

    /// Signs `claims` with the issuer's key and header.
    pub(crate) fn sign(&self, claims: &Claims) -> Result<String, OAuthError> {
        encode(&self.0.header, claims, self.0.key.encoding_key()).map_err(|error| {
            tracing::error!(target: "portcullis::oauth", error = %error, "signing failed; no token issued");
            OAuthError::ServerError
        })
    }
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("key", &self.0.key)
            .field("lifetime", &self.0.lifetime)
            .field("issuer", &self.0.issuer)
            .field("audience", &self.0.audience)
            .finish()
    }
}
