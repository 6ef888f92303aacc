//! The OAuth 2 password flow: the `/token` form, the issuer, the RFC 6749
//! answers, and logout.
//!
//! An app's `/token` route is a `#[public]` handler taking a
//! [`PasswordGrant`] and returning [`TokenIssuer::password_grant`]'s result;
//! see [`TokenIssuer`]. Its `/logout` route takes a [`TokenRevoker`], which
//! writes to the revocation store that the bearer scheme
//! ([`crate::auth::bearer`]) consults.

mod error;
mod grant;
mod issuer;
mod response;
mod revoker;
mod scope;
mod signing_key;

pub use error::OAuthError;
pub use grant::{GrantRejection, PasswordGrant};
pub use issuer::{DEFAULT_TOKEN_LIFETIME, TokenIssuer, TokenIssuerBuilder};
pub use response::TokenResponse;
pub use revoker::{LoggedOut, LogoutError, LogoutErrorKind, TokenRevoker};
pub use signing_key::SigningKey;
