//! Logout: revoking the caller's token, or every token of the caller.

use std::fmt;
use std::sync::Arc;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use serde_json::json;

use super::response::no_store;
use crate::auth::bearer::{REVOCATION_RETRY_AFTER, RevocationStore, SubjectId};
use crate::clock::unix_now;
use crate::context;
use crate::policy::Scheme;
use crate::principal::Principal;
use crate::problem::{Problem, ProblemResponder};
use crate::rejection::AuthRejection;

/// Revokes tokens through the revocation store of the request's
/// [`crate::Security`]; a handler takes it as a parameter to serve `POST /logout`.
///
/// Extracting it fails closed with 500 when no revocation store is
/// configured, since a logout that revokes nothing would mislead the user.
///
/// ```
/// use portcullis::oauth::{LoggedOut, LogoutError, TokenRevoker};
/// use portcullis::prelude::*;
/// use portcullis::routing::post;
///
/// #[authenticated]
/// async fn logout(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
///     revoker.logout(&caller).await
/// }
///
/// #[authenticated]
/// async fn logout_everywhere(caller: Principal, revoker: TokenRevoker) -> Result<LoggedOut, LogoutError> {
///     revoker.logout_everywhere(&caller).await
/// }
///
/// # let security = Security::builder().revocation(portcullis::auth::bearer::InMemoryRevocationStore::new()).build().unwrap();
/// let app: axum::Router = SecureRouter::new(security)
///     .route("/logout", post(logout))
///     .route("/logout/all", post(logout_everywhere))
///     .into_router();
/// ```
#[derive(Clone)]
pub struct TokenRevoker {
    store: Arc<dyn RevocationStore>,
    responder: ProblemResponder,
}

impl TokenRevoker {
    fn store(&self) -> &dyn RevocationStore {
        &*self.store
    }

    /// Revokes the caller's bearer token until it expires.
    pub async fn logout(&self, caller: &Principal) -> Result<LoggedOut, LogoutError> {
        let (Some(jti), Some(expires_at)) = (caller.token_id(), caller.expires_at()) else {
            return Err(self.error(LogoutErrorKind::NotRevocable));
        };
        self.store().revoke(jti, expires_at).await.map_err(|error| {
            tracing::error!(target: "portcullis::auth", error = %error, "revocation store failed; logout not recorded");
            self.error(LogoutErrorKind::Unavailable)
        })?;
        tracing::info!(target: "portcullis::auth", subject = caller.subject(), jti, "token revoked");
        Ok(LoggedOut(()))
    }

    /// Revokes every token of the caller's subject at the caller's issuer
    /// issued up to now, including the one in use; tokens issued from the
    /// next second on pass, and so do tokens of the same `sub` from another
    /// issuer. A caller that did not authenticate with a bearer token (HTTP
    /// Basic) gets [`LogoutErrorKind::NotRevocable`]: its credential names
    /// no issuer, so a cut-off could not reach its tokens.
    pub async fn logout_everywhere(&self, caller: &Principal) -> Result<LoggedOut, LogoutError> {
        if caller.scheme() != Scheme::Bearer {
            return Err(self.error(LogoutErrorKind::NotRevocable));
        }
        self.revoke_all(SubjectId::of(caller)).await?;
        Ok(LoggedOut(()))
    }

    /// Revokes every token of `subject` at its issuer issued up to now (for
    /// an administrator's "sign this user out"); tokens issued from the
    /// next second on pass.
    ///
    /// ```
    /// use portcullis::auth::bearer::SubjectId;
    /// use portcullis::oauth::{LogoutError, TokenRevoker};
    ///
    /// async fn sign_out(revoker: &TokenRevoker, user: &str) -> Result<(), LogoutError> {
    ///     revoker.revoke_all(SubjectId::new(Some("https://api.example.com"), user)).await
    /// }
    /// ```
    pub async fn revoke_all(&self, subject: SubjectId<'_>) -> Result<(), LogoutError> {
        // `iat` has whole seconds: a token issued in this second is refused too.
        let cutoff = unix_now() + 1;
        self.store().revoke_all_before(subject, cutoff).await.map_err(|error| {
            tracing::error!(target: "portcullis::auth", error = %error, "revocation store failed; logout not recorded");
            self.error(LogoutErrorKind::Unavailable)
        })?;
        tracing::info!(
            target: "portcullis::auth",
            subject = subject.subject(),
            issuer = subject.issuer(),
            cutoff,
            "every token of the subject at its issuer revoked"
        );
        Ok(())
    }

    fn error(&self, kind: LogoutErrorKind) -> LogoutError {
        LogoutError {
            kind,
            responder: self.responder.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TokenRevoker {
    type Rejection = AuthRejection;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let found = context::with(|current| {
            let security = &current.security;
            security.revocation().map(|store| Self {
                store: Arc::clone(store),
                responder: security.responder().clone(),
            })
        });
        match found.flatten() {
            Some(revoker) => Ok(revoker),
            None => {
                tracing::error!(
                    target: "portcullis::config",
                    "a handler asked for `TokenRevoker` but no revocation store is configured; add `.revocation(..)` to the security builder"
                );
                Err(AuthRejection::misconfigured(context::responder()))
            }
        }
    }
}

impl fmt::Debug for TokenRevoker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRevoker").finish_non_exhaustive()
    }
}

/// A completed logout: `200 {"status":"logged_out"}`, not cacheable.
#[derive(Debug)]
pub struct LoggedOut(());

impl IntoResponse for LoggedOut {
    fn into_response(self) -> Response {
        let mut response = Json(json!({"status": "logged_out"})).into_response();
        no_store(response.headers_mut());
        response
    }
}

/// Why a logout did not happen, answered as a problem document.
pub struct LogoutError {
    kind: LogoutErrorKind,
    responder: ProblemResponder,
}

/// The kinds of [`LogoutError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutErrorKind {
    /// The credential is not a token with `jti` and `exp` (HTTP Basic, or a
    /// token from another issuer): 400 `not_revocable`.
    NotRevocable,
    /// The revocation store failed, so nothing was recorded: 503
    /// `revocation_unavailable` with `Retry-After`.
    Unavailable,
}

impl LogoutError {
    /// What went wrong.
    pub fn kind(&self) -> LogoutErrorKind {
        self.kind
    }

    /// The problem document the client will see.
    pub fn problem(&self) -> Problem {
        match self.kind {
            LogoutErrorKind::NotRevocable => Problem::new(
                StatusCode::BAD_REQUEST,
                "not_revocable",
                "the credential cannot be revoked; only access tokens with an id can",
            ),
            LogoutErrorKind::Unavailable => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "revocation_unavailable",
                "the logout could not be recorded; try again",
            ),
        }
    }
}

impl fmt::Debug for LogoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutError")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for LogoutError {
    fn into_response(self) -> Response {
        let mut response = self.responder.respond(self.problem());
        if self.kind == LogoutErrorKind::Unavailable {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from(REVOCATION_RETRY_AFTER.as_secs()),
            );
        }
        response
    }
}
