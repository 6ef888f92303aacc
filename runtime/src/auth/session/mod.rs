//! Browser sessions: the session scheme (`scheme = session`), kept on the
//! server in a [tower-sessions] store, the browser holding only an opaque id.
//!
//! - The cookie holds tower-sessions' [`Id`]: 128 random bits, base64url;
//!   nothing readable. Its attributes are `HttpOnly; Secure;
//!   SameSite=Strict; Path=/`, no `Domain`, and the default name
//!   `__Host-session` (the prefix makes browsers enforce exactly that). It
//!   has no `Max-Age`: it ends with the browser, the server ends it sooner.
//! - The record holds the caller (subject, roles, scopes), the CSRF token,
//!   an absolute deadline and the last activity. The idle timeout is
//!   refreshed by a throttled touch: at most one store write per
//!   [`TOUCH_INTERVAL`] per session (tower-sessions counts only writes as
//!   activity, and the store's expiry follows the last write).
//! - [`SessionManager::start`] always creates a fresh id (a planted or
//!   stolen id is never adopted) and ends the session the request came
//!   with; [`SessionManager::end`] deletes the record and clears the cookie;
//!   [`SessionManager::end_all`] ends every session of a user, through an
//!   index per user, which also enforces the cap on concurrent sessions:
//!   with `redis::RedisSessions` (feature `redis`) a sorted set in Redis
//!   changed by atomic scripts (race-free across instances); with any other
//!   store an index record in that store, changed by one task of this
//!   process at a time (race-free within one process).
//! - In memory, prefer [`MokaStore`] (bounded, forgets expired records) to
//!   tower-sessions' [`MemoryStore`], which keeps abandoned records forever
//!   (a warning at start says so).
//! - A cookie that is not an id, or names no live session (forged,
//!   tampered, truncated, expired, ended) is refused with 401
//!   `invalid_session` and `WWW-Authenticate: Cookie`; a store that cannot
//!   answer gives 503 with `Retry-After`, never a 500 and never a pass.
//!
//! [tower-sessions]: https://docs.rs/tower-sessions/0.14

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponseParts, ResponseParts};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
pub use tower_sessions_core::SessionStore;
pub use tower_sessions_core::session::{Id, Record};
pub use tower_sessions_memory_store::MemoryStore;
pub use tower_sessions_moka_store::MokaStore;

use super::header::cookie;
use super::{Failure, ReasonCode};
use crate::clock::unix_now;
use crate::config_error::ConfigError;
use crate::future::BoxFuture;
use crate::policy::Scheme;
use crate::principal::{Identity, Principal};
use crate::problem::ProblemResponder;
use crate::rejection::{AuthRejection, SESSION_CHALLENGE};
use crate::unavailable::StoreUnavailable;

/// The default cookie name; the `__Host-` prefix makes browsers refuse it
/// unless it is `Secure`, `Path=/` and without `Domain`.
pub const DEFAULT_SESSION_COOKIE: &str = "__Host-session";
/// The default idle timeout: 30 minutes without a request ends a session.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The default absolute timeout: 8 hours after sign-in, whatever the activity.
pub const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(8 * 60 * 60);
/// The default cap on concurrent sessions per user; signing in once more
/// ends the oldest.
pub const DEFAULT_SESSIONS_PER_USER: usize = 10;
/// A good capacity for an in-memory [`MokaStore`]: 100 000 records
/// (sessions and per-user index records), a few hundred MB at most.
///
/// ```
/// use portcullis::Security;
/// use portcullis::auth::session::{DEFAULT_MEMORY_SESSIONS, MokaStore};
///
/// let store = MokaStore::new(Some(DEFAULT_MEMORY_SESSIONS));
/// let security = Security::builder().sessions(store).build().unwrap();
/// # let _ = security;
/// ```
pub const DEFAULT_MEMORY_SESSIONS: u64 = 100_000;
/// At most one activity write per session in this interval (or half the
/// idle timeout, when shorter); the idle timeout counts from the last write.
pub const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// The key of the session data in a record.
const SESSION_KEY: &str = "portcullis.session";
/// The key of the user's session list in an index record.
const INDEX_KEY: &str = "portcullis.user_sessions";
/// What `Retry-After` says when the store fails.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// The session settings a [`crate::SecurityBuilder`] collects.
pub(crate) struct SessionSettings {
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    /// The store's type name, for `Debug` (a store's own `Debug` may print
    /// its records: ids and CSRF tokens).
    pub(crate) store_type: &'static str,
    /// The per-user index; `None`: index records in the store.
    pub(crate) index: Option<Arc<dyn SessionIndex>>,
    pub(crate) cookie_name: String,
    pub(crate) insecure: bool,
    pub(crate) same_site_lax: bool,
    pub(crate) idle: Duration,
    pub(crate) absolute: Duration,
    pub(crate) per_user: usize,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            store: None,
            store_type: "none",
            index: None,
            cookie_name: DEFAULT_SESSION_COOKIE.to_owned(),
            insecure: false,
            same_site_lax: false,
            idle: DEFAULT_IDLE_TIMEOUT,
            absolute: DEFAULT_ABSOLUTE_TIMEOUT,
            per_user: DEFAULT_SESSIONS_PER_USER,
        }
    }
}

/// What a session record holds for Portcullis.
#[derive(Serialize, Deserialize)]
struct SessionData {
    subject: String,
    roles: Vec<String>,
    scopes: Vec<String>,
    csrf_token: String,
    /// Unix seconds: the absolute deadline.
    deadline: u64,
    /// Unix seconds: the last activity written.
    touched: u64,
}

/// One entry of a user's index record.
#[derive(Serialize, Deserialize)]
struct IndexEntry {
    id: String,
    deadline: u64,
}

/// Where the sessions of each user are listed, for "log out everywhere" and
/// the cap on concurrent sessions.
pub(crate) trait SessionIndex: Send + Sync + 'static {
    /// Lists session `id` of `subject`, ending at `deadline` (Unix
    /// seconds), and unlists the oldest beyond `cap`: their ids are
    /// answered, for the caller to end.
    fn add<'a>(
        &'a self,
        subject: &'a str,
        id: Id,
        deadline: u64,
        cap: usize,
    ) -> BoxFuture<'a, Result<Vec<Id>, StoreUnavailable>>;

    /// Unlists session `id` of `subject`.
    fn remove<'a>(
        &'a self,
        subject: &'a str,
        id: Id,
    ) -> BoxFuture<'a, Result<(), StoreUnavailable>>;

    /// Unlists every session of `subject`, answering their ids.
    fn take_all<'a>(&'a self, subject: &'a str)
    -> BoxFuture<'a, Result<Vec<Id>, StoreUnavailable>>;
}

/// The index kept as one record per user in the session store itself:
/// a read-modify-write, so changes go one at a time (in this process).
struct RecordIndex {
    store: Arc<dyn SessionStore>,
    lock: tokio::sync::Mutex<()>,
}

/// The session scheme as configured: the store, the cookie and the limits.
///
/// Reach it with [`crate::Security::sessions`] (to end every session of a
/// user outside a request), or in a handler through the
/// [`crate::Session`] extractor.
#[derive(Clone)]
pub struct SessionManager(Arc<Inner>);

struct Inner {
    store: Arc<dyn SessionStore>,
    index: Arc<dyn SessionIndex>,
    store_type: &'static str,
    cookie_name: String,
    /// `; Path=/; HttpOnly; Secure; SameSite=Strict`, as configured.
    attributes: String,
    idle: Duration,
    absolute: Duration,
    per_user: usize,
    /// How often activity is written: [`TOUCH_INTERVAL`], or half the idle
    /// timeout when that is shorter.
    touch: Duration,
}

/// A session just started: its cookie goes on the response, its CSRF token
/// in the body for the page's script.
#[must_use]
pub struct SessionStarted {
    csrf_token: String,
    cookie: HeaderValue,
}

/// A session just ended: the response clears its cookie.
#[must_use]
pub struct SessionEnded {
    cookie: HeaderValue,
}

/// Why a session could not be started or ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// The sign-in request came from another site (`Origin` or
    /// `Sec-Fetch-Site`): login CSRF. Answered 403 `csrf_failed`.
    CrossSite,
    /// Unknown user or wrong password. Answered 401 `invalid_credentials`.
    BadCredentials,
    /// The request carries no live session. Answered 401 `invalid_session`.
    NoSession,
    /// The store could not answer. Answered 503 with `Retry-After`.
    Unavailable(StoreUnavailable),
    /// Too many failed sign-ins from the client's address (the failure
    /// limits). Answered 429 with `Retry-After`.
    Limited(crate::rate_limit::Exceeded),
    /// Every password hashing permit is taken. Answered 503 with
    /// `Retry-After`.
    #[cfg(feature = "argon2")]
    HashingBusy(crate::users::HashingBusy),
    /// No session scheme is configured. Answered 500.
    NotConfigured,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CrossSite => f.write_str("the sign-in request came from another site"),
            Self::BadCredentials => f.write_str("unknown user or wrong password"),
            Self::NoSession => f.write_str("the request carries no live session"),
            Self::Unavailable(error) => error.fmt(f),
            Self::Limited(exceeded) => write!(f, "rate limit `{}` exceeded", exceeded.name),
            #[cfg(feature = "argon2")]
            Self::HashingBusy(busy) => busy.fmt(f),
            Self::NotConfigured => f.write_str("no session store is configured"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<StoreUnavailable> for SessionError {
    fn from(error: StoreUnavailable) -> Self {
        Self::Unavailable(error)
    }
}

pub(crate) fn unavailable(error: &tower_sessions_core::session_store::Error) -> StoreUnavailable {
    StoreUnavailable {
        store: "sessions",
        detail: error.to_string(),
        retry_after: RETRY_AFTER,
    }
}

/// Is `name` a cookie name (an RFC 9110 token)?
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

impl SessionManager {
    /// The session scheme, or `None` when no store is configured; logs every
    /// setting weaker than the defaults.
    pub(crate) fn from_settings(settings: SessionSettings) -> Result<Option<Self>, ConfigError> {
        let Some(store) = settings.store else {
            return Ok(None);
        };
        if !is_cookie_name(&settings.cookie_name) {
            return Err(ConfigError::Sessions(
                "the session cookie name must be a token (letters, digits, `-`, `_`, no spaces or separators)",
            ));
        }
        if settings.cookie_name.starts_with("__Host-") && settings.insecure {
            return Err(ConfigError::Sessions(
                "a `__Host-` cookie must be `Secure`; pick a name without the prefix with `.session_cookie_name(..)` for a plain-HTTP run",
            ));
        }
        if settings.idle.is_zero() || settings.absolute.is_zero() || settings.per_user == 0 {
            return Err(ConfigError::Sessions(
                "session timeouts and the per-user session cap must be positive",
            ));
        }
        let weaker = [
            (
                settings.insecure,
                "the session cookie is not `Secure`: browsers send it over plain HTTP",
            ),
            (
                settings.same_site_lax,
                "the session cookie is `SameSite=Lax`: top-level navigations from other sites carry it",
            ),
            (
                !settings.cookie_name.starts_with("__Host-"),
                "the session cookie has no `__Host-` prefix: a sibling subdomain could overwrite it",
            ),
            (
                settings.idle > DEFAULT_IDLE_TIMEOUT,
                "the session idle timeout is longer than the default 30 minutes",
            ),
            (
                settings.absolute > DEFAULT_ABSOLUTE_TIMEOUT,
                "the session absolute timeout is longer than the default 8 hours",
            ),
        ];
        if settings.store_type == std::any::type_name::<MemoryStore>() {
            tracing::warn!(
                target: "portcullis::config",
                "sessions are kept in tower-sessions' MemoryStore, which never forgets abandoned sessions; prefer `MokaStore::new(Some(DEFAULT_MEMORY_SESSIONS))`"
            );
        }
        for (chosen, warning) in weaker {
            if chosen {
                tracing::warn!(target: "portcullis::config", "{warning} (explicitly configured)");
            }
        }
        let mut attributes = String::from("; Path=/; HttpOnly");
        if !settings.insecure {
            attributes.push_str("; Secure");
        }
        attributes.push_str(if settings.same_site_lax {
            "; SameSite=Lax"
        } else {
            "; SameSite=Strict"
        });
        let index = settings.index.unwrap_or_else(|| {
            Arc::new(RecordIndex {
                store: Arc::clone(&store),
                lock: tokio::sync::Mutex::new(()),
            })
        });
        Ok(Some(Self(Arc::new(Inner {
            store,
            index,
            store_type: settings.store_type,
            cookie_name: settings.cookie_name,
            attributes,
            idle: settings.idle,
            absolute: settings.absolute,
            per_user: settings.per_user,
            touch: TOUCH_INTERVAL.min(settings.idle / 2),
        }))))
    }

    /// The session cookie's name.
    pub fn cookie_name(&self) -> &str {
        &self.0.cookie_name
    }

    /// The id the request's session cookie names; `Err` for a cookie that is
    /// not an id (or two cookies of the name).
    fn presented(&self, headers: &HeaderMap) -> Result<Option<Id>, ()> {
        match cookie(headers, &self.0.cookie_name)? {
            None => Ok(None),
            Some(value) => value.parse::<Id>().map(Some).map_err(|_| ()),
        }
    }

    /// Whether the request carries a session cookie.
    pub(crate) fn offered(&self, parts: &Parts) -> bool {
        !matches!(self.presented(&parts.headers), Ok(None))
    }

    /// The live session the request names, refreshing its activity at most
    /// once per [`TOUCH_INTERVAL`].
    pub(crate) async fn authenticate(
        &self,
        parts: &Parts,
        responder: &ProblemResponder,
    ) -> Result<Principal, Failure> {
        let refused = |reason: ReasonCode| {
            tracing::debug!(target: "portcullis::auth", reason, "session refused");
            Failure::new(reason, AuthRejection::invalid_session(responder.clone()))
        };
        let id = match self.presented(&parts.headers) {
            Ok(Some(id)) => id,
            Ok(None) => {
                return Err(Failure::new(
                    "missing_credentials",
                    AuthRejection::missing_credentials(SESSION_CHALLENGE, responder.clone()),
                ));
            }
            Err(()) => return Err(refused("malformed")),
        };
        let store_failed = |error: StoreUnavailable| {
            Failure::new(
                "store_unavailable",
                AuthRejection::store_unavailable(&error, responder.clone()),
            )
        };
        let Some((mut record, mut data)) = self.load(&id).await.map_err(store_failed)? else {
            return Err(refused("unknown_session"));
        };
        let now = unix_now();
        if now >= data.deadline || now >= data.touched.saturating_add(self.0.idle.as_secs()) {
            // Expired: gone for good, whatever the store's own expiry says.
            if let Err(error) = self.delete(&id, &data.subject).await {
                tracing::warn!(target: "portcullis::auth", %error, "an expired session could not be deleted");
            }
            return Err(refused("expired"));
        }
        if now >= data.touched.saturating_add(self.0.touch.as_secs()) {
            data.touched = now;
            record.expiry_date = self.expiry(now, data.deadline);
            if let Err(error) = self.save(&mut record, &data).await {
                // The session stays valid until its last written expiry.
                tracing::warn!(target: "portcullis::auth", %error, "session activity could not be recorded");
            }
        }
        Ok(Principal::from(Identity {
            subject: data.subject,
            roles: data.roles,
            scopes: data.scopes,
            scheme: Scheme::Session,
            issuer: None,
            token_id: None,
            issued_at: None,
            expires_at: Some(data.deadline),
            csrf_token: Some(data.csrf_token),
        }))
    }

    /// Starts a session for `subject` with `roles` and `scopes`, under a
    /// fresh id, ending the session `request` came with (if any). No CSRF
    /// check here: the [`crate::Session`] extractor refuses cross-site
    /// sign-ins before this runs.
    pub async fn start(
        &self,
        request: &HeaderMap,
        subject: &str,
        roles: Vec<String>,
        scopes: Vec<String>,
    ) -> Result<SessionStarted, SessionError> {
        if let Ok(Some(previous)) = self.presented(request)
            && let Some((_, data)) = self.load(&previous).await?
        {
            self.delete(&previous, &data.subject).await?;
        }
        let now = unix_now();
        let deadline = now.saturating_add(self.0.absolute.as_secs());
        let mut csrf = [0_u8; 32];
        getrandom::fill(&mut csrf).map_err(|_| StoreUnavailable {
            store: "sessions",
            detail: "the system's random source failed".to_owned(),
            retry_after: RETRY_AFTER,
        })?;
        let data = SessionData {
            subject: subject.to_owned(),
            roles,
            scopes,
            csrf_token: URL_SAFE_NO_PAD.encode(csrf),
            deadline,
            touched: now,
        };
        let mut record = Record {
            // 128 bits from the thread's CSPRNG; `create` draws again on a collision.
            id: Id::default(),
            data: Default::default(),
            expiry_date: self.expiry(now, deadline),
        };
        insert(&mut record, SESSION_KEY, &data)?;
        self.0
            .store
            .create(&mut record)
            .await
            .map_err(|error| unavailable(&error))?;
        let evicted = match self
            .0
            .index
            .add(subject, record.id, deadline, self.0.per_user)
            .await
        {
            Ok(evicted) => evicted,
            Err(error) => {
                // Unlisted, it would escape "log out everywhere": drop it.
                if let Err(error) = self.0.store.delete(&record.id).await {
                    tracing::warn!(target: "portcullis::auth", %error, "an unlisted session could not be deleted");
                }
                return Err(error.into());
            }
        };
        for old in &evicted {
            self.0
                .store
                .delete(old)
                .await
                .map_err(|e| unavailable(&e))?;
        }
        if !evicted.is_empty() {
            tracing::info!(target: crate::audit::AUDIT_TARGET, subject, ended = evicted.len(), "sessions beyond the per-user cap ended");
        }
        let cookie = self
            .cookie_value(&record.id.to_string(), false)
            .ok_or(SessionError::NotConfigured)?;
        Ok(SessionStarted {
            csrf_token: data.csrf_token,
            cookie,
        })
    }

    /// Ends the session `request` names: deletes it on the server and
    /// clears the cookie. [`SessionError::NoSession`] when it names none.
    pub async fn end(&self, request: &HeaderMap) -> Result<SessionEnded, SessionError> {
        let Ok(Some(id)) = self.presented(request) else {
            return Err(SessionError::NoSession);
        };
        let Some((_, data)) = self.load(&id).await? else {
            return Err(SessionError::NoSession);
        };
        self.delete(&id, &data.subject).await?;
        Ok(SessionEnded {
            cookie: self
                .cookie_value("", true)
                .ok_or(SessionError::NotConfigured)?,
        })
    }

    /// Ends every session of `subject` (after a password change, say);
    /// returns how many were ended.
    pub async fn end_all(&self, subject: &str) -> Result<usize, StoreUnavailable> {
        let ids = self.0.index.take_all(subject).await?;
        for id in &ids {
            self.0.store.delete(id).await.map_err(|e| unavailable(&e))?;
        }
        Ok(ids.len())
    }

    /// The `Set-Cookie` value: the id, or the clearing one.
    fn cookie_value(&self, value: &str, clear: bool) -> Option<HeaderValue> {
        let max_age = if clear { "; Max-Age=0" } else { "" };
        HeaderValue::try_from(format!(
            "{}={value}{}{max_age}",
            self.0.cookie_name, self.0.attributes
        ))
        .ok()
    }

    /// When the store may forget the record: the idle timeout from `now`,
    /// never past the deadline.
    fn expiry(&self, now: u64, deadline: u64) -> OffsetDateTime {
        let at = now.saturating_add(self.0.idle.as_secs()).min(deadline);
        OffsetDateTime::from_unix_timestamp(i64::try_from(at).unwrap_or(i64::MAX))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The session record `id` names, with its data; `None` for no record
    /// or one that holds no session (a user index, foreign data).
    async fn load(&self, id: &Id) -> Result<Option<(Record, SessionData)>, StoreUnavailable> {
        let record = self.0.store.load(id).await.map_err(|e| unavailable(&e))?;
        Ok(record.and_then(|record| {
            let data = record.data.get(SESSION_KEY)?.clone();
            let data = serde_json::from_value(data).ok()?;
            Some((record, data))
        }))
    }

    async fn save(&self, record: &mut Record, data: &SessionData) -> Result<(), StoreUnavailable> {
        insert(record, SESSION_KEY, data)?;
        self.0.store.save(record).await.map_err(|e| unavailable(&e))
    }

    /// Deletes session `id` of `subject`, and its index entry.
    async fn delete(&self, id: &Id, subject: &str) -> Result<(), StoreUnavailable> {
        self.0.store.delete(id).await.map_err(|e| unavailable(&e))?;
        self.0.index.remove(subject, *id).await
    }
}

impl RecordIndex {
    async fn load(&self, subject: &str) -> Result<Vec<IndexEntry>, StoreUnavailable> {
        let record = self
            .store
            .load(&index_id(subject))
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(record
            .and_then(|record| record.data.get(INDEX_KEY).cloned())
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default())
    }

    async fn save(&self, subject: &str, entries: &[IndexEntry]) -> Result<(), StoreUnavailable> {
        let id = index_id(subject);
        let Some(last) = entries.iter().map(|entry| entry.deadline).max() else {
            return self.store.delete(&id).await.map_err(|e| unavailable(&e));
        };
        let mut record = Record {
            id,
            data: Default::default(),
            expiry_date: OffsetDateTime::from_unix_timestamp(
                i64::try_from(last).unwrap_or(i64::MAX),
            )
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        };
        insert(&mut record, INDEX_KEY, &entries)?;
        self.store.save(&record).await.map_err(|e| unavailable(&e))
    }

    async fn add(
        &self,
        subject: &str,
        id: Id,
        deadline: u64,
        cap: usize,
    ) -> Result<Vec<Id>, StoreUnavailable> {
        let _one_at_a_time = self.lock.lock().await;
        let now = unix_now();
        let mut entries = self.load(subject).await?;
        entries.retain(|entry| entry.deadline > now);
        entries.push(IndexEntry {
            id: id.to_string(),
            deadline,
        });
        let excess = entries.len().saturating_sub(cap);
        let evicted = entries
            .drain(..excess)
            .filter_map(|old| old.id.parse::<Id>().ok())
            .collect();
        self.save(subject, &entries).await?;
        Ok(evicted)
    }

    async fn remove(&self, subject: &str, id: Id) -> Result<(), StoreUnavailable> {
        let _one_at_a_time = self.lock.lock().await;
        let key = id.to_string();
        let mut entries = self.load(subject).await?;
        let before = entries.len();
        entries.retain(|entry| entry.id != key);
        if entries.len() == before {
            return Ok(());
        }
        self.save(subject, &entries).await
    }

    async fn take_all(&self, subject: &str) -> Result<Vec<Id>, StoreUnavailable> {
        let _one_at_a_time = self.lock.lock().await;
        let entries = self.load(subject).await?;
        self.save(subject, &[]).await?;
        Ok(entries
            .iter()
            .filter_map(|entry| entry.id.parse::<Id>().ok())
            .collect())
    }
}

impl SessionIndex for RecordIndex {
    fn add<'a>(
        &'a self,
        subject: &'a str,
        id: Id,
        deadline: u64,
        cap: usize,
    ) -> BoxFuture<'a, Result<Vec<Id>, StoreUnavailable>> {
        Box::pin(RecordIndex::add(self, subject, id, deadline, cap))
    }

    fn remove<'a>(
        &'a self,
        subject: &'a str,
        id: Id,
    ) -> BoxFuture<'a, Result<(), StoreUnavailable>> {
        Box::pin(RecordIndex::remove(self, subject, id))
    }

    fn take_all<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Id>, StoreUnavailable>> {
        Box::pin(RecordIndex::take_all(self, subject))
    }
}

/// The id of `subject`'s index record: derived, so every instance finds it.
/// A cookie naming it authenticates nobody (it holds no session data).
fn index_id(subject: &str) -> Id {
    let digest = Sha256::new()
        .chain_update(b"portcullis session index\0")
        .chain_update(subject.as_bytes())
        .finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(bytes))
}

fn insert(record: &mut Record, key: &str, value: &impl Serialize) -> Result<(), StoreUnavailable> {
    let value = serde_json::to_value(value).map_err(|error| StoreUnavailable {
        store: "sessions",
        detail: error.to_string(),
        retry_after: RETRY_AFTER,
    })?;
    record.data.insert(key.to_owned(), value);
    Ok(())
}

impl SessionStarted {
    /// The session's CSRF token: what the page sends as `X-CSRF-Token` on
    /// unsafe requests when its browser sends neither `Origin` nor
    /// `Sec-Fetch-Site`.
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl IntoResponseParts for SessionStarted {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(header::SET_COOKIE, self.cookie);
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(res)
    }
}

impl IntoResponseParts for SessionEnded {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        res.headers_mut().append(header::SET_COOKIE, self.cookie);
        Ok(res)
    }
}

/// `200 OK` with no body, clearing the cookie.
impl axum::response::IntoResponse for SessionEnded {
    fn into_response(self) -> axum::response::Response {
        (self, ()).into_response()
    }
}

impl fmt::Debug for SessionStarted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStarted").finish_non_exhaustive()
    }
}

impl fmt::Debug for SessionEnded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionEnded").finish_non_exhaustive()
    }
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("store", &self.0.store_type)
            .field("cookie_name", &self.0.cookie_name)
            .field("attributes", &self.0.attributes)
            .field("idle", &self.0.idle)
            .field("absolute", &self.0.absolute)
            .field("per_user", &self.0.per_user)
            .field("touch", &self.0.touch)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager(settings: SessionSettings) -> SessionManager {
        SessionManager::from_settings(SessionSettings {
            store: Some(Arc::new(MemoryStore::default())),
            ..settings
        })
        .unwrap()
        .unwrap()
    }

    #[test]
    fn cookie_attributes() {
        let manager = manager(SessionSettings::default());
        assert_eq!(
            manager.cookie_value("abc", false).unwrap(),
            "__Host-session=abc; Path=/; HttpOnly; Secure; SameSite=Strict"
        );
        assert_eq!(
            manager.cookie_value("", true).unwrap(),
            "__Host-session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"
        );
    }

    #[test]
    fn insecure_host_cookie_is_refused() {
        let settings = SessionSettings {
            store: Some(Arc::new(MemoryStore::default())),
            insecure: true,
            ..SessionSettings::default()
        };
        assert!(SessionManager::from_settings(settings).is_err());
    }

    #[test]
    fn index_ids_differ_per_user() {
        assert_ne!(index_id("alice"), index_id("bob"));
        assert_eq!(index_id("alice"), index_id("alice"));
    }
}
