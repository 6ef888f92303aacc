//! Helpers for applications' own test suites: mint a token for a subject,
//! roles and scopes in one line, the way Spring's `@WithMockUser` does.
//!
//! ```
//! use portcullis::testing::TestKeys;
//!
//! let keys = TestKeys::hs256();
//! let security = keys.security().build().unwrap();
//! let token = keys.user("alice").roles(["user"]).scopes(["items:read"]).token();
//! let caller = security.bearer().unwrap().verify(&token).unwrap();
//! assert_eq!(caller.subject(), "alice");
//! assert!(caller.has_scope("items:read"));
//! ```
//!
//! Against an application's own issuer, [`MockUser::new`] or [`mint`] sign
//! with its key, so the application's verifier accepts the tokens.

// These helpers run inside tests, where a broken random source or signer
// should fail the test on the spot.
#![allow(clippy::expect_used)]

mod matrix;

pub use matrix::{Disagreement, RouteMatrix, SamplePrincipal};

use std::fmt;

use http::header::AUTHORIZATION;

use crate::clock::unix_now;
use crate::config_error::ConfigError;
use crate::jwt::{Algorithm, JwtVerifier};
use crate::oauth::{SigningKey, TokenIssuer};
use crate::security::{Security, SecurityBuilder};

/// A signing key with its matching verifier: tokens minted here pass the
/// bearer guard of [`TestKeys::security`].
#[derive(Clone)]
pub struct TestKeys {
    key: SigningKey,
    issuer: TokenIssuer,
    iss: Option<String>,
    aud: Option<String>,
}

impl TestKeys {
    /// A fresh random HS256 secret.
    ///
    /// # Panics
    ///
    /// When the system has no random source, which fails the test.
    pub fn hs256() -> Self {
        let mut secret = [0_u8; 32];
        getrandom::fill(&mut secret).expect("the system random source is unavailable");
        Self::from_secret(&secret).expect("a 32-byte secret is accepted")
    }

    /// HS256 with the application's own secret (at least 32 bytes).
    pub fn from_secret(secret: &[u8]) -> Result<Self, ConfigError> {
        let key = SigningKey::hmac(Algorithm::HS256, secret)?;
        Self::build(key, None, None)
    }

    /// The same keys, with `iss` in every token and required by the verifier.
    ///
    /// # Panics
    ///
    /// Never: the settings were accepted once already.
    #[must_use]
    pub fn issuer(self, iss: impl Into<String>) -> Self {
        Self::build(self.key, Some(iss.into()), self.aud).expect("settings already accepted")
    }

    /// The same keys, with `aud` in every token and required by the verifier.
    ///
    /// # Panics
    ///
    /// Never: the settings were accepted once already.
    #[must_use]
    pub fn audience(self, aud: impl Into<String>) -> Self {
        Self::build(self.key, self.iss, Some(aud.into())).expect("settings already accepted")
    }

    fn build(
        key: SigningKey,
        iss: Option<String>,
        aud: Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut builder = TokenIssuer::builder(key.clone());
        if let Some(iss) = &iss {
            builder = builder.issuer(iss.clone());
        }
        if let Some(aud) = &aud {
            builder = builder.audience(aud.clone());
        }
        Ok(Self {
            issuer: builder.build()?,
            key,
            iss,
            aud,
        })
    }

    /// A verifier that accepts exactly these keys' tokens.
    pub fn verifier(&self) -> JwtVerifier {
        let mut builder = JwtVerifier::builder();
        if let Some(key) = self.key.hmac_verification_key() {
            builder = builder.key(key);
        }
        if let Some(iss) = &self.iss {
            builder = builder.issuer(iss.clone());
        }
        if let Some(aud) = &self.aud {
            builder = builder.audience(aud.clone());
        }
        // The key is an HMAC key of at least 32 bytes, so the key set is valid.
        builder
            .build()
            .expect("a single HMAC key is a valid key set")
    }

    /// A security configuration whose bearer guard trusts these keys; add
    /// the rest of the application's settings before `build()`.
    pub fn security(&self) -> SecurityBuilder {
        Security::builder().bearer(self.verifier())
    }

    /// The issuer that signs with these keys.
    pub fn token_issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    /// A user to mint tokens for; see [`MockUser`].
    pub fn user(&self, subject: &str) -> MockUser {
        MockUser::new(&self.issuer, subject)
    }
}

impl fmt::Debug for TestKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKeys")
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .finish_non_exhaustive()
    }
}

/// A subject with roles and scopes, minted into a signed token on demand.
///
/// ```
/// # let keys = portcullis::testing::TestKeys::hs256();
/// # let issuer = keys.token_issuer();
/// use portcullis::testing::MockUser;
///
/// let request = MockUser::new(issuer, "root")
///     .roles(["admin"])
///     .request("DELETE", "/users/7")
///     .body(())
///     .unwrap();
/// assert!(request.headers()["authorization"].to_str().unwrap().starts_with("Bearer "));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct MockUser {
    issuer: TokenIssuer,
    subject: String,
    roles: Vec<String>,
    scopes: Vec<String>,
    expired: bool,
}

impl MockUser {
    /// A user without roles or scopes, signed by `issuer`.
    pub fn new(issuer: &TokenIssuer, subject: &str) -> Self {
        Self {
            issuer: issuer.clone(),
            subject: subject.to_owned(),
            roles: Vec::new(),
            scopes: Vec::new(),
            expired: false,
        }
    }

    /// Adds roles.
    pub fn roles<I>(mut self, roles: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.roles.extend(roles.into_iter().map(Into::into));
        self
    }

    /// Adds scopes.
    pub fn scopes<I>(mut self, scopes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Mints tokens that expired an hour ago (beyond any leeway), to test refusals.
    pub fn expired(mut self) -> Self {
        self.expired = true;
        self
    }

    /// The signed token.
    ///
    /// # Panics
    ///
    /// When signing fails, which fails the test.
    pub fn token(&self) -> String {
        let now = unix_now();
        let lifetime = self.issuer.lifetime().as_secs();
        let (iat, exp) = if self.expired {
            (
                now.saturating_sub(3600 + lifetime),
                now.saturating_sub(3600),
            )
        } else {
            (now, now + lifetime)
        };
        let claims = self
            .issuer
            .claims(&self.subject, self.roles.clone(), &self.scopes, iat, exp);
        self.issuer
            .sign(&claims)
            .expect("the test token could not be signed")
    }

    /// `Bearer <token>`, for an `Authorization` header.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.token())
    }

    /// A request builder for `method` and `uri` carrying the token.
    pub fn request(&self, method: &str, uri: &str) -> http::request::Builder {
        http::Request::builder()
            .method(method)
            .uri(uri)
            .header(AUTHORIZATION, self.authorization())
    }
}

/// Mints a token for `subject` with `roles` and `scopes`, signed by `issuer`.
///
/// ```
/// # let keys = portcullis::testing::TestKeys::hs256();
/// let token = portcullis::testing::mint(keys.token_issuer(), "alice", &["user"], &["items:read"]);
/// assert_eq!(token.split('.').count(), 3);
/// ```
pub fn mint(issuer: &TokenIssuer, subject: &str, roles: &[&str], scopes: &[&str]) -> String {
    MockUser::new(issuer, subject)
        .roles(roles.iter().copied())
        .scopes(scopes.iter().copied())
        .token()
}
