//! The claims Portcullis reads from a bearer token.

use serde::{Deserialize, Serialize};

/// The registered and Portcullis claims of an access token.
///
/// `roles` is an array of strings; `scope` is the OAuth 2 space-separated
/// string. Claims not listed here are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The subject: who the token speaks for.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch; required.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Not-before time, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Token id, used for revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience (a string or an array of strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
    /// Roles granted to the subject.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Space-separated OAuth 2 scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}
