//! The revocation store: which tokens are refused before they expire.

use std::fmt;

use crate::future::BoxFuture;
use crate::principal::Principal;

/// The revocation store could not be reached or read; the token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationError(pub String);

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "revocation store unavailable: {}", self.0)
    }
}

impl std::error::Error for RevocationError {}

/// Where revoked tokens are remembered: single tokens by `jti`, and per
/// subject a time before which every token is refused ("logout everywhere").
///
/// The bearer guard asks it about every verified token once
/// [`crate::SecurityBuilder::revocation`] installs it; an error refuses the
/// token (fail closed). Times are seconds since the Unix epoch. Methods return
/// [`BoxFuture`] so a store can be held as a trait object; a shared store
/// (Redis, a database) lets every instance refuse the same tokens.
///
/// ```
/// use portcullis::auth::bearer::{InMemoryRevocationStore, RevocationStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = InMemoryRevocationStore::new();
/// # use std::time::{SystemTime, UNIX_EPOCH};
/// let in_an_hour = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
/// store.revoke("2f1c…", in_an_hour).await.unwrap();
/// assert!(store.is_revoked("2f1c…").await.unwrap());
/// assert!(!store.is_revoked("another").await.unwrap());
/// # });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a revocation store",
    note = "implement the four methods of `RevocationStore`, or use `InMemoryRevocationStore`"
)]
pub trait RevocationStore: Send + Sync + 'static {
    /// Refuses the token `jti` until `expires_at`, after which it may be forgotten.
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>>;

    /// Whether the token `jti` was revoked and has not yet expired.
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, RevocationError>>;

    /// Refuses every token of `subject` issued (`iat`) before `time`. A later
    /// call with an earlier time does not move the cut-off back.
    fn revoke_all_before<'a>(
        &'a self,
        subject: &'a str,
        time: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>>;

    /// The cut-off set by [`RevocationStore::revoke_all_before`], if any.
    fn revoked_before<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<u64>, RevocationError>>;
}

/// Refuses `principal` if its token was revoked: its `jti` is listed, or it
/// was issued before its subject's cut-off (a token without `iat` counts as
/// issued before any cut-off). A store error refuses too.
pub(crate) async fn screen(
    store: Option<&dyn RevocationStore>,
    principal: Principal,
) -> Result<Principal, &'static str> {
    let Some(store) = store else {
        return Ok(principal);
    };
    let refused = |error: RevocationError| {
        tracing::error!(target: "portcullis::auth", error = %error, "revocation store failed; refusing the token");
        "revocation_unavailable"
    };
    if let Some(jti) = principal.token_id()
        && store.is_revoked(jti).await.map_err(refused)?
    {
        return Err("revoked");
    }
    if let Some(cutoff) = store
        .revoked_before(principal.subject())
        .await
        .map_err(refused)?
        && principal.issued_at().is_none_or(|iat| iat < cutoff)
    {
        return Err("revoked");
    }
    Ok(principal)
}
