//! Verifies bearer tokens against a configured key set.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Validation, decode, decode_header};

use super::claims::Claims;
use super::keys::VerificationKey;
use crate::config_error::ConfigError;
use crate::policy::Scheme;
use crate::principal::{Identity, Principal};

/// Verifies JWT access tokens: signature, algorithm, `exp`, `nbf`, `iss`,
/// `aud`, and on request the `typ` header.
///
/// ```
/// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
///
/// let verifier = JwtVerifier::builder()
///     .key(VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap())
///     .issuer("https://auth.example.com")
///     .audience("items-api")
///     .require_type("at+jwt")
///     .build()
///     .unwrap();
/// assert!(verifier.verify("not.a.token").is_err());
/// ```
///
/// A verifier without `.audience(..)` suits an application that verifies
/// only the tokens it signs itself. Where the issuer also mints tokens for
/// other APIs (a [`TrustedIssuers`](crate::auth::bearer::TrustedIssuers)
/// entry), the security builder refuses it unless
/// [`.any_audience()`](JwtVerifierBuilder::any_audience) says so.
#[derive(Clone)]
pub struct JwtVerifier(Arc<Inner>);

struct Inner {
    keys: Vec<KeyEntry>,
    audience: AudienceRule,
    /// The required `typ` header, normalized (see [`normalize_type`]).
    token_type: Option<String>,
}

/// What a verifier asks of `aud`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AudienceRule {
    /// Nothing was said: `aud` is not checked.
    Unset,
    /// `.any_audience()`: `aud` is deliberately not checked.
    Any,
    /// `aud` must contain one of these.
    OneOf(Vec<String>),
}

impl AudienceRule {
    /// The rule `.audience(..)` calls and `.any_audience()` ask for, or the
    /// advice when they contradict each other.
    pub(crate) fn from_settings(audiences: Vec<String>, any: bool) -> Result<Self, &'static str> {
        match (audiences.is_empty(), any) {
            (true, false) => Ok(Self::Unset),
            (true, true) => Ok(Self::Any),
            (false, false) => Ok(Self::OneOf(audiences)),
            (false, true) => Err(
                "`.audience(..)` and `.any_audience()` contradict each other; keep `.audience(..)` to accept only tokens minted for this API",
            ),
        }
    }
}

struct KeyEntry {
    key: VerificationKey,
    /// Built once at start-up: `algorithms` holds exactly the key's algorithm.
    validation: Validation,
}

/// Why a token was refused. Logged at debug level; never sent to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts, or a header or payload that is not JSON.
    Malformed,
    /// The header names a `kid` (or none) that matches no configured key.
    UnknownKey,
    /// The header's `alg` is not the algorithm of the selected key.
    Algorithm,
    /// The signature does not verify.
    Signature,
    /// `exp` has passed.
    Expired,
    /// `nbf` is still in the future.
    NotYetValid,
    /// `iss` is missing or not the configured issuer.
    Issuer,
    /// `aud` is missing or not the configured audience.
    Audience,
    /// The `typ` header is missing or not the required type (`at+jwt`).
    TokenType,
    /// The JWKS key set is older than its maximum age: the identity
    /// provider could not be reached for too long.
    StaleKeys,
    /// A required claim (`sub`, `exp`) is missing or has the wrong type.
    Claims,
    /// The token was revoked.
    Revoked,
}

impl TokenError {
    /// A short word for logs and audit events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownKey => "unknown_key",
            Self::Algorithm => "algorithm_not_allowed",
            Self::Signature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::Issuer => "wrong_issuer",
            Self::Audience => "wrong_audience",
            Self::TokenType => "wrong_type",
            Self::StaleKeys => "stale_keys",
            Self::Claims => "bad_claims",
            Self::Revoked => "revoked",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for TokenError {}

impl From<jsonwebtoken::errors::Error> for TokenError {
    fn from(error: jsonwebtoken::errors::Error) -> Self {
        match error.kind() {
            ErrorKind::InvalidSignature => Self::Signature,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::UnsupportedAlgorithm => Self::Algorithm,
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::ImmatureSignature => Self::NotYetValid,
            ErrorKind::InvalidIssuer => Self::Issuer,
            ErrorKind::InvalidAudience => Self::Audience,
            ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => Self::Issuer,
            ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => Self::Audience,
            ErrorKind::MissingRequiredClaim(_)
            | ErrorKind::InvalidClaimFormat(_)
            | ErrorKind::InvalidSubject => Self::Claims,
            ErrorKind::Json(_) => Self::Claims,
            _ => Self::Malformed,
        }
    }
}

/// Collects keys and claim checks; see [`JwtVerifier::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct JwtVerifierBuilder {
    keys: Vec<VerificationKey>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    any_audience: bool,
    token_type: Option<String>,
    leeway: Option<Duration>,
}

/// Clock skew tolerated on `exp` and `nbf` unless configured otherwise.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

impl JwtVerifierBuilder {
    /// Adds a verification key. Several keys need distinct `kid`s.
    pub fn key(mut self, key: VerificationKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Requires `iss` to be this issuer (call again to accept several).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// Requires `aud` to contain this audience (call again to accept several).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Accepts tokens whatever their `aud`: say so when the issuer mints
    /// tokens for other APIs too and this one accepts them all. Contradicts
    /// [`.audience(..)`](Self::audience).
    ///
    /// ```
    /// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
    ///
    /// let key = VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap();
    /// let verifier = JwtVerifier::builder().key(key.clone()).any_audience().build();
    /// assert!(verifier.is_ok());
    /// let both = JwtVerifier::builder().key(key).audience("items-api").any_audience().build();
    /// assert!(both.is_err());
    /// ```
    pub fn any_audience(mut self) -> Self {
        self.any_audience = true;
        self
    }

    /// Requires the `typ` header to be this media type, such as `at+jwt`
    /// for access tokens (RFC 9068), so that an ID token or another JWT the
    /// issuer signs cannot serve as an access token. Compared without
    /// regard to case, with or without the `application/` prefix. Tokens
    /// without `typ` are then refused.
    ///
    /// ```
    /// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey, TokenError};
    ///
    /// let verifier = JwtVerifier::builder()
    ///     .key(VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap())
    ///     .require_type("at+jwt")
    ///     .build()
    ///     .unwrap();
    /// // The header `{"alg":"HS256","typ":"JWT"}` names another type.
    /// let id_token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2ln";
    /// assert_eq!(verifier.verify(id_token).err(), Some(TokenError::TokenType));
    /// ```
    pub fn require_type(mut self, token_type: impl Into<String>) -> Self {
        self.token_type = Some(token_type.into());
        self
    }

    /// Clock skew tolerated on `exp` and `nbf`; 30 seconds by default.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// Checks the key set and builds the verifier.
    pub fn build(self) -> Result<JwtVerifier, ConfigError> {
        let Some(first) = self.keys.first() else {
            return Err(ConfigError::NoVerificationKey);
        };
        if self.keys.iter().any(|key| key.family() != first.family()) {
            return Err(ConfigError::MixedKeyFamilies);
        }
        let unnamed = self.keys.iter().filter(|key| key.kid.is_none()).count();
        if self.keys.len() > 1 && unnamed > 0 {
            return Err(ConfigError::KeyWithoutKid);
        }
        for (index, key) in self.keys.iter().enumerate() {
            if self.keys[..index].iter().any(|other| other.kid == key.kid) {
                return Err(ConfigError::DuplicateKid(
                    key.kid.clone().unwrap_or_default(),
                ));
            }
        }
        let audience = AudienceRule::from_settings(self.audiences, self.any_audience)
            .map_err(ConfigError::BearerKeys)?;
        let token_type = self.token_type.as_deref().map(checked_type).transpose()?;
        let leeway = self.leeway.unwrap_or(DEFAULT_LEEWAY).as_secs();
        let keys = self
            .keys
            .into_iter()
            .map(|key| {
                let mut validation = Validation::new(key.algorithm);
                validation.leeway = leeway;
                validation.validate_exp = true;
                validation.validate_nbf = true;
                let mut required = vec!["exp", "sub"];
                if !self.issuers.is_empty() {
                    validation.set_issuer(&self.issuers);
                    required.push("iss");
                }
                if let AudienceRule::OneOf(audiences) = &audience {
                    validation.set_audience(audiences);
                    required.push("aud");
                } else {
                    validation.validate_aud = false;
                }
                validation.set_required_spec_claims(&required);
                KeyEntry { key, validation }
            })
            .collect();
        Ok(JwtVerifier(Arc::new(Inner {
            keys,
            audience,
            token_type,
        })))
    }
}

/// The required `typ`, normalized, or the advice when it cannot be one.
pub(crate) fn checked_type(token_type: &str) -> Result<String, ConfigError> {
    let normalized = normalize_type(token_type);
    if normalized.is_empty() || !normalized.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(ConfigError::BearerKeys(
            "`.require_type(..)` needs a media type such as \"at+jwt\"",
        ));
    }
    Ok(normalized)
}

/// A `typ` value as compared: lowercase, without the `application/` prefix
/// that RFC 7515 section 4.1.9 lets issuers omit.
fn normalize_type(token_type: &str) -> String {
    let lower = token_type.trim().to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

/// Whether the header's `typ` is the required one (already normalized).
pub(crate) fn type_matches(required: &str, presented: Option<&str>) -> bool {
    presented.is_some_and(|presented| normalize_type(presented) == required)
}

impl JwtVerifier {
    /// Starts a verifier; at least one key is required.
    pub fn builder() -> JwtVerifierBuilder {
        JwtVerifierBuilder::default()
    }

    /// Whether `aud` goes unchecked without the caller having said so with
    /// [`JwtVerifierBuilder::any_audience`].
    pub(crate) fn audience_unset(&self) -> bool {
        self.0.audience == AudienceRule::Unset
    }

    /// Verifies `token` and returns its claims.
    pub fn verify_claims(&self, token: &str) -> Result<Claims, TokenError> {
        let entry = self.select(token)?;
        Ok(decode::<Claims>(token, &entry.key.key, &entry.validation)?.claims)
    }

    /// Verifies `token` and returns the caller it speaks for.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        self.verify_identity(token).map(Principal::from)
    }

    fn verify_identity(&self, token: &str) -> Result<Identity, TokenError> {
        let claims = self.verify_claims(token)?;
        let scopes = claims
            .scope
            .as_deref()
            .map(|scope| scope.split_ascii_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Identity {
            subject: claims.sub,
            roles: claims.roles,
            scopes,
            scheme: Scheme::Bearer,
            issuer: claims.iss,
            token_id: claims.jti,
            issued_at: claims.iat,
            expires_at: Some(claims.exp),
            csrf_token: None,
        })
    }

    /// Checks the `typ` header when one is required, and chooses the key:
    /// the only one, or the one whose `kid` the header names.
    fn select(&self, token: &str) -> Result<&KeyEntry, TokenError> {
        let keys = &self.0.keys;
        if let ([only], None) = (keys.as_slice(), &self.0.token_type) {
            // With one key there is nothing to choose: skip parsing the header
            // twice; `decode` still checks `alg` against the key's algorithm.
            return Ok(only);
        }
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        if let Some(required) = &self.0.token_type
            && !type_matches(required, header.typ.as_deref())
        {
            return Err(TokenError::TokenType);
        }
        if let [only] = keys.as_slice() {
            return Ok(only);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        keys.iter()
            .find(|entry| entry.key.kid.as_deref() == Some(kid.as_str()))
            .ok_or(TokenError::UnknownKey)
    }
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field(
                "keys",
                &self
                    .0
                    .keys
                    .iter()
                    .map(|entry| &entry.key)
                    .collect::<Vec<_>>(),
            )
            .field("audience", &self.0.audience)
            .field("token_type", &self.0.token_type)
            .finish_non_exhaustive()
    }
}
