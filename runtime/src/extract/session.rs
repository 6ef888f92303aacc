//! The `Session` extractor: signing in and out of browser sessions.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use http::request::Parts;

use crate::auth::session::{SessionEnded, SessionError, SessionManager, SessionStarted};
use crate::context;
use crate::csrf::{self, Provenance};
use crate::rejection::{AuthRejection, SESSION_CHALLENGE};
use crate::security::Security;

/// In a handler of a [`crate::SecureRouter`] route: starts or ends the
/// caller's browser session (see [`crate::auth::session`]).
///
/// Starting refuses a request that `Origin` or `Sec-Fetch-Site` shows came
/// from another site (login CSRF: a foreign page signing the browser in to
/// the attacker's account), always issues a fresh session id, and ends the
/// session the request came with. Its errors answer as the contract says
/// (403 `csrf_failed`, 401, 503).
///
/// ```
/// use axum::Json;
/// use portcullis::prelude::*;
/// use portcullis::Session;
/// use portcullis::auth::session::{SessionEnded, SessionError};
/// use serde_json::{Value, json};
///
/// #[public]
/// async fn sign_in(session: Session) -> Result<impl axum::response::IntoResponse, SessionError> {
///     // check the credentials first; then:
///     let started = session.start("alice", vec!["user".into()], vec![]).await?;
///     let body = Json(json!({"csrf_token": started.csrf_token()}));
///     Ok((started, body))
/// }
///
/// #[authenticated(scheme = session)]
/// async fn sign_out(session: Session) -> Result<SessionEnded, SessionError> {
///     session.end().await
/// }
/// # let _ = (sign_in, sign_out);
/// ```
pub struct Session {
    manager: SessionManager,
    trusted_origins: Vec<String>,
    headers: HeaderMap,
    /// The client's address, for the failure limits and the hashing gate.
    #[cfg(feature = "argon2")]
    client: Option<std::net::IpAddr>,
    #[cfg(feature = "argon2")]
    throttle: crate::users::LoginThrottle,
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = SessionError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(security) = Security::current() else {
            tracing::error!(target: "portcullis::config", "`Session` was used outside a secure route; refusing");
            return Err(SessionError::NotConfigured);
        };
        let Some(manager) = security.sessions().cloned() else {
            tracing::error!(target: "portcullis::config", "`Session` was used but no session store is configured; add `.sessions(..)` to the security builder");
            return Err(SessionError::NotConfigured);
        };
        Ok(Self {
            manager,
            trusted_origins: security.trusted_origins().to_vec(),
            headers: parts.headers.clone(),
            #[cfg(feature = "argon2")]
            client: security.trusted_proxies().client_of(parts),
            #[cfg(feature = "argon2")]
            throttle: security.login_throttle().clone(),
        })
    }
}

impl Session {
    /// Starts a session for `subject`, holding `roles` and `scopes` (what
    /// policies check), after refusing a cross-site request.
    pub async fn start(
        &self,
        subject: &str,
        roles: Vec<String>,
        scopes: Vec<String>,
    ) -> Result<SessionStarted, SessionError> {
        self.same_site()?;
        let started = self
            .manager
            .start(&self.headers, subject, roles, scopes)
            .await?;
        tracing::info!(target: crate::audit::AUDIT_TARGET, subject, "session started");
        Ok(started)
    }

    /// Checks `username` and `password` against `users`, then starts a
    /// session with the user's roles and scopes. The cross-site check runs
    /// first, so a forged sign-in costs no password hashing.
    #[cfg(feature = "argon2")]
    pub async fn sign_in(
        &self,
        users: &crate::users::UserDirectory,
        username: &str,
        password: &str,
    ) -> Result<SessionStarted, SessionError> {
        use crate::users::CredentialsError;
        self.same_site()?;
        let verified = users
            .verify_throttled(&self.throttle, self.client, username, password)
            .await;
        let record = match verified {
            Ok(record) => record,
            Err(CredentialsError::BadCredentials) => {
                tracing::warn!(target: crate::audit::AUDIT_TARGET, outcome = "deny", reason = "bad_credentials", "session sign-in refused");
                return Err(SessionError::BadCredentials);
            }
            Err(CredentialsError::Limited(exceeded)) => {
                return Err(SessionError::Limited(exceeded));
            }
            Err(CredentialsError::Unavailable(error)) => {
                return Err(SessionError::Unavailable(error));
            }
            Err(CredentialsError::Busy(busy)) => return Err(SessionError::HashingBusy(busy)),
            Err(CredentialsError::Store(error)) => {
                return Err(SessionError::Unavailable(crate::StoreUnavailable {
                    store: "users",
                    detail: error.to_string(),
                    retry_after: std::time::Duration::from_secs(2),
                }));
            }
        };
        self.start(&record.username, record.roles, record.scopes)
            .await
    }

    /// Ends the session the request came with: deleted on the server, its
    /// cookie cleared.
    pub async fn end(&self) -> Result<SessionEnded, SessionError> {
        let ended = self.manager.end(&self.headers).await?;
        tracing::info!(target: crate::audit::AUDIT_TARGET, "session ended");
        Ok(ended)
    }

    /// The configured session scheme (to end every session of a user).
    pub fn manager(&self) -> &SessionManager {
        &self.manager
    }

    fn same_site(&self) -> Result<(), SessionError> {
        match csrf::provenance(&self.headers, &self.trusted_origins) {
            Provenance::Refused(reason) => {
                tracing::warn!(target: crate::audit::AUDIT_TARGET, outcome = "deny", reason, "cross-site session sign-in refused");
                Err(SessionError::CrossSite)
            }
            Provenance::Trusted | Provenance::Unknown => Ok(()),
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("manager", &self.manager)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        let responder = context::responder();
        match self {
            Self::CrossSite => AuthRejection::csrf_failed(responder),
            Self::BadCredentials => {
                AuthRejection::invalid_credentials(SESSION_CHALLENGE, responder)
            }
            Self::NoSession => AuthRejection::invalid_session(responder),
            Self::Unavailable(error) => AuthRejection::store_unavailable(&error, responder),
            Self::Limited(exceeded) => AuthRejection::rate_limited(exceeded, responder),
            #[cfg(feature = "argon2")]
            Self::HashingBusy(busy) => AuthRejection::hashing_busy(busy, responder),
            Self::NotConfigured => AuthRejection::misconfigured(responder),
        }
        .into_response()
    }
}
