//! The OAuth 2 password flow and the token lifecycle: the `/token` form, the
//! issuer, the RFC 6749 answers.
//!
//! An app's `/token` route is a `#[public]` handler taking a
//! [`PasswordGrant`] and returning
//! [`TokenIssuer::password_grant`]'s result; see [`TokenIssuer`].

mod error;
mod grant;
mod issuer;
mod response;
mod scope;
mod signing_key;

pub use error::OAuthError;
pub use grant::PasswordGrant;
pub use issuer::{DEFAULT_TOKEN_LIFETIME, TokenIssuer, TokenIssuerBuilder};
pub use response::TokenResponse;
pub use signing_key::SigningKey;
