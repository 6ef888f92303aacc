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

/// Verifies JWT access tokens: signature, algorithm, `exp`, `nbf`, `iss`, `aud`.
///
/// ```
/// use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};
///
/// let verifier = JwtVerifier::builder()
///     .key(VerificationKey::hmac(Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap())
///     .issuer("https://auth.example.com")
///     .audience("items-api")
///     .build()
///     .unwrap();
/// assert!(verifier.verify("not.a.token").is_err());
/// ```
#[derive(Clone)]
pub struct JwtVerifier {
    keys: Arc<[KeyEntry]>,
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
                if self.audiences.is_empty() {
                    validation.validate_aud = false;
                } else {
                    validation.set_audience(&self.audiences);
                    required.push("aud");
                }
                validation.set_required_spec_claims(&required);
                KeyEntry { key, validation }
            })
            .collect();
        Ok(JwtVerifier { keys })
    }
}

impl JwtVerifier {
    /// Starts a verifier; at least one key is required.
    pub fn builder() -> JwtVerifierBuilder {
        JwtVerifierBuilder::default()
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
        })
    }

    /// Chooses the key: the only one, or the one whose `kid` the header names.
    fn select(&self, token: &str) -> Result<&KeyEntry, TokenError> {
        if let [only] = &*self.keys {
            // With one key there is nothing to choose: skip parsing the header
            // twice; `decode` still checks `alg` against the key's algorithm.
            return Ok(only);
        }
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        self.keys
            .iter()
            .find(|entry| entry.key.kid.as_deref() == Some(kid.as_str()))
            .ok_or(TokenError::UnknownKey)
    }
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field(
                "keys",
                &self.keys.iter().map(|entry| &entry.key).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
