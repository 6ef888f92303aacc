//! The revocation store: which tokens are refused before they expire.

use std::fmt;
use std::time::Duration;

use crate::future::BoxFuture;
use crate::principal::Principal;
use crate::unavailable::StoreUnavailable;

/// The revocation store could not be reached or read; the token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationError(pub String);

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "revocation store unavailable: {}", self.0)
    }
}

impl std::error::Error for RevocationError {}

/// A subject as its issuer names it: the pair (`iss`, `sub`).
///
/// Subjects are unique per issuer only, so when several issuers are trusted
/// the same `sub` may name two different people; a "logout everywhere"
/// cut-off is therefore kept per pair. The issuer is `None` for credentials
/// without `iss` (HTTP Basic, or tokens of a verifier that requires none),
/// and such a subject is distinct from every subject of a named issuer.
///
/// ```
/// use portcullis::auth::bearer::SubjectId;
///
/// let sso = SubjectId::new(Some("https://sso.example.com"), "alice");
/// let partner = SubjectId::new(Some("https://partner.example.com"), "alice");
/// assert_ne!(sso, partner);
/// assert_ne!(sso.storage_key(), partner.storage_key());
/// assert_eq!(sso.subject(), "alice");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubjectId<'a> {
    issuer: Option<&'a str>,
    subject: &'a str,
}

impl<'a> SubjectId<'a> {
    /// The subject `subject` of `issuer` (`None`: a credential without `iss`).
    pub const fn new(issuer: Option<&'a str>, subject: &'a str) -> Self {
        Self { issuer, subject }
    }

    /// The caller's subject, with the issuer of its token.
    ///
    /// ```
    /// use portcullis::auth::bearer::SubjectId;
    /// use portcullis::{Principal, Scheme};
    ///
    /// let caller = Principal::new("bob", vec![], vec![], Scheme::Basic);
    /// assert_eq!(SubjectId::of(&caller), SubjectId::new(None, "bob"));
    /// ```
    pub fn of(principal: &'a Principal) -> Self {
        Self::new(principal.issuer(), principal.subject())
    }

    /// The issuer (`iss`), if the credential names one.
    pub const fn issuer(&self) -> Option<&'a str> {
        self.issuer
    }

    /// The subject (`sub`, or the Basic username).
    pub const fn subject(&self) -> &'a str {
        self.subject
    }

    /// One string for the pair, for stores keyed by strings (Redis, a
    /// table column): distinct pairs always give distinct keys, whatever
    /// characters issuer and subject hold. `-:sub` without issuer,
    /// `len:issuer:sub` with one (`len` the issuer's length in bytes).
    ///
    /// ```
    /// use portcullis::auth::bearer::SubjectId;
    ///
    /// assert_eq!(SubjectId::new(None, "alice").storage_key(), "-:alice");
    /// assert_eq!(SubjectId::new(Some("https://a"), "alice").storage_key(), "9:https://a:alice");
    /// let long = "i".repeat(1234);
    /// assert_eq!(SubjectId::new(Some(&long), "b").storage_key(), format!("1234:{long}:b"));
    /// ```
    pub fn storage_key(&self) -> String {
        // written piece by piece: this runs on every bearer request that a
        // revocation store screens, and `format!` costs several times more
        let mut key = String::with_capacity(
            self.subject.len() + self.issuer.map_or(2, |issuer| issuer.len() + 22),
        );
        match self.issuer {
            Some(issuer) => {
                key.push_str(itoa::Buffer::new().format(issuer.len()));
                key.push(':');
                key.push_str(issuer);
                key.push(':');
            }
            None => key.push_str("-:"),
        }
        key.push_str(self.subject);
        key
    }
}

impl fmt::Display for SubjectId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.issuer {
            Some(issuer) => write!(f, "{:?} at {issuer:?}", self.subject),
            None => write!(f, "{:?}", self.subject),
        }
    }
}

/// Where revoked tokens are remembered: single tokens by `jti`, and per
/// subject of an issuer ([`SubjectId`]) a time before which every token is
/// refused ("logout everywhere").
///
/// The bearer guard asks it about every verified token once
/// [`crate::SecurityBuilder::revocation`] installs it; an error refuses the
/// token with 503 and `Retry-After` (fail closed), unless
/// [`crate::SecurityBuilder::revocation_fail_open`] was chosen. Times are seconds since the Unix epoch. Methods return
/// [`BoxFuture`] so a store can be held as a trait object; a shared store
/// (Redis, a database) lets every instance refuse the same tokens.
///
/// ```
/// use portcullis::auth::bearer::{InMemoryRevocationStore, RevocationStore, SubjectId};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = InMemoryRevocationStore::new();
/// # use std::time::{SystemTime, UNIX_EPOCH};
/// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
/// store.revoke("2f1c…", now + 3600).await.unwrap();
/// assert!(store.is_revoked("2f1c…").await.unwrap());
/// assert!(!store.is_revoked("another").await.unwrap());
///
/// // "Logout everywhere" for alice of one issuer leaves alice of another alone.
/// let sso = SubjectId::new(Some("https://sso.example.com"), "alice");
/// let partner = SubjectId::new(Some("https://partner.example.com"), "alice");
/// store.revoke_all_before(sso, now).await.unwrap();
/// assert_eq!(store.revoked_before(sso).await.unwrap(), Some(now));
/// assert_eq!(store.revoked_before(partner).await.unwrap(), None);
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

    /// Refuses every token of `subject` (of its issuer only) issued (`iat`)
    /// before `time`. A later call with an earlier time does not move the
    /// cut-off back. Key the entry by the whole pair, for example with
    /// [`SubjectId::storage_key`], never by the subject alone.
    fn revoke_all_before<'a>(
        &'a self,
        subject: SubjectId<'a>,
        time: u64,
    ) -> BoxFuture<'a, Result<(), RevocationError>>;

    /// The cut-off set by [`RevocationStore::revoke_all_before`] for exactly
    /// this issuer and subject, if any.
    fn revoked_before<'a>(
        &'a self,
        subject: SubjectId<'a>,
    ) -> BoxFuture<'a, Result<Option<u64>, RevocationError>>;
}

/// How long a client refused because the revocation store failed is told to
/// wait (`Retry-After`): about the time a reconnect and a reload take.
pub(crate) const REVOCATION_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Why [`screen`] refused a token.
pub(crate) enum Screened {
    /// The token was revoked: 401.
    Revoked,
    /// The store could not answer: 503 with `Retry-After`.
    Unavailable(StoreUnavailable),
}

/// Refuses `principal` if its token was revoked: its `jti` is listed, or it
/// was issued before the cut-off of its subject at its issuer (a token
/// without `iat` counts as issued before any cut-off). A store error
/// refuses too (503), unless `fail_open` lets the token through; both are
/// logged as errors.
pub(crate) async fn screen(
    store: Option<&dyn RevocationStore>,
    fail_open: bool,
    principal: Principal,
) -> Result<Principal, Screened> {
    let Some(store) = store else {
        return Ok(principal);
    };
    match lookup(store, &principal).await {
        Ok(false) => Ok(principal),
        Ok(true) => Err(Screened::Revoked),
        Err(error) if fail_open => {
            tracing::error!(
                target: "portcullis::auth",
                error = %error,
                subject = principal.subject(),
                "revocation store failed; FAILING OPEN as configured: the token is accepted unchecked"
            );
            Ok(principal)
        }
        Err(error) => {
            tracing::error!(target: "portcullis::auth", error = %error, "revocation store failed; refusing the token with 503");
            Err(Screened::Unavailable(StoreUnavailable {
                store: "revocations",
                detail: error.0,
                retry_after: REVOCATION_RETRY_AFTER,
            }))
        }
    }
}

/// Whether the store lists `principal`'s token as revoked.
async fn lookup(
    store: &dyn RevocationStore,
    principal: &Principal,
) -> Result<bool, RevocationError> {
    if let Some(jti) = principal.token_id()
        && store.is_revoked(jti).await?
    {
        return Ok(true);
    }
    Ok(store
        .revoked_before(SubjectId::of(principal))
        .await?
        .is_some_and(|cutoff| principal.issued_at().is_none_or(|iat| iat < cutoff)))
}
