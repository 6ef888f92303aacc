//! The OAuth 2 password flow and the token lifecycle: the `/token` form, the
//! issuer, the RFC 6749 answers, revocation and logout.
//!
//! An app's `/token` route is a `#[public]` handler taking a
//! [`PasswordGrant`] and returning
//! [`TokenIssuer::password_grant`]'s result; see [`TokenIssuer`]. Its
//! `/logout` route takes a [`TokenRevoker`]; the bearer guard consults the
//! [`RevocationStore`] installed with [`crate::SecurityBuilder::revocation`].

mod bearer;
mod cache;
mod error;
mod grant;
mod issuer;
mod issuers;
mod jwks;
mod memory;
mod response;
pub(crate) mod revocation;
mod revoker;
mod scope;
mod signing_key;
mod source;
pub mod testing;

pub(crate) use bearer::BearerTokens;
pub use cache::{CachedVerifier, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL};
pub use error::OAuthError;
pub use grant::PasswordGrant;
pub use issuer::{DEFAULT_TOKEN_LIFETIME, TokenIssuer, TokenIssuerBuilder};
pub use issuers::{IssuerKeys, TrustedIssuers};
pub use jwks::{
    DEFAULT_JWKS_MIN_REFRESH, DEFAULT_JWKS_REFRESH, JwksError, JwksSource, JwksVerifier,
    JwksVerifierBuilder,
};
pub use memory::{DEFAULT_MAX_TOKEN_LIFETIME, DEFAULT_REVOCATION_GRACE, InMemoryRevocationStore};
pub use response::TokenResponse;
pub use revocation::{RevocationError, RevocationStore};
pub use revoker::{LoggedOut, LogoutError, LogoutErrorKind, TokenRevoker};
pub use signing_key::SigningKey;
pub use source::{CustomTokenSource, TokenSources};
