//! Verification keys from a JWKS document (RFC 7517): a file, or an identity
//! provider's URL refreshed on a schedule and when an unknown `kid` appears.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, decode_header};
#[cfg(feature = "jwks-fetch")]
use url::{Host, Url};

use crate::clock::unix_now;
use crate::config_error::ConfigError;
use crate::jwt::{
    AudienceRule, Claims, DEFAULT_LEEWAY, JwtVerifier, TokenError, VerificationKey, checked_type,
    type_matches,
};
use crate::principal::Principal;

/// How often the key set is fetched again unless configured otherwise.
pub const DEFAULT_JWKS_REFRESH: Duration = Duration::from_secs(15 * 60);

/// The shortest time between two fetches unless configured otherwise: an
/// unknown `kid` triggers at most one fetch per interval, however many
/// requests carry it.
pub const DEFAULT_JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);

/// How long a key set may go without a successful fetch unless configured
/// otherwise: one day. Past it every token is refused until a fetch
/// succeeds, so keys the provider withdrew (a leaked key, say) stop
/// verifying even while the provider cannot be reached.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The shortest wait before a failed scheduled fetch is retried.
const MIN_RETRY: Duration = Duration::from_secs(1);

/// The largest JWKS document read, in bytes.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The algorithms accepted from a JWKS unless configured otherwise: every
/// asymmetric one. Symmetric (`oct`) keys are never taken from a JWKS.
const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Where a JWKS document comes from.
#[derive(Debug, Clone)]
pub enum JwksSource {
    /// An `https://…/.well-known/jwks.json` URL, fetched with a 5 second
    /// timeout and without following redirects. Plain `http` is accepted
    /// for a loopback host only (127.0.0.0/8, `::1`, `localhost`), and a
    /// URL with user info (`user@host`) is refused;
    /// [`JwksVerifierBuilder::build`] checks both.
    Url(String),
    /// A file on disk, read again on every refresh.
    File(PathBuf),
}

/// Why a key set could not be loaded; the last good set stays in use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The URL could not be fetched or the file read.
    Unreachable(String),
    /// The URL answered with a status other than 2xx.
    Status(u16),
    /// The document is not a JWKS, or is larger than 256 KiB.
    Malformed,
    /// The document holds no signing key with a `kid` and an accepted algorithm.
    NoUsableKey,
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable(reason) => write!(f, "the JWKS could not be fetched: {reason}"),
            Self::Status(status) => write!(f, "the JWKS endpoint answered {status}"),
            Self::Malformed => f.write_str("the JWKS document is malformed or too large"),
            Self::NoUsableKey => {
                f.write_str("the JWKS holds no signing key with a kid and an accepted algorithm")
            }
        }
    }
}

impl std::error::Error for JwksError {}

/// Verifies bearer tokens against the keys of a JWKS, chosen by `kid`.
///
/// The application starts without the keys (an identity provider that is
/// down does not stop it); until a key set arrives every token is refused.
/// A token whose `kid` is not in the current set triggers a refresh, but
/// only when its payload holds claims this verifier could accept (JSON with
/// the right claim types, an accepted `iss`, `aud` and `typ`, not expired),
/// and at most one per minimum interval across all requests, so garbage
/// cannot make Portcullis hammer the provider. A failed refresh keeps the
/// last good set, but only up to its maximum age
/// ([`DEFAULT_JWKS_MAX_AGE`]); past it every token is refused until a
/// fetch succeeds. [`JwksVerifier::spawn_refresh`] also refreshes on a
/// schedule, which the minimum interval does not hold back. Only asymmetric
/// keys with a `kid` are taken; each is bound to its `alg` (or the one its
/// curve or type implies).
///
/// An audience is required: a shared identity provider mints tokens for
/// many APIs, and a token minted for another must not pass here. Call
/// [`.audience(..)`](JwksVerifierBuilder::audience), or
/// [`.any_audience()`](JwksVerifierBuilder::any_audience) to accept them all.
///
/// ```no_run
/// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
/// use portcullis::{SecureRouter, Security};
///
/// # async fn start() -> Result<(), Box<dyn std::error::Error>> {
/// let jwks = JwksVerifier::builder(JwksSource::Url("https://idp.example.com/.well-known/jwks.json".into()))
///     .issuer("https://idp.example.com/")
///     .audience("items-api")
///     .require_type("at+jwt")
///     .build()?;
/// if let Err(error) = jwks.refresh().await {
///     eprintln!("keys not loaded yet, tokens are refused until they are: {error}");
/// }
/// let _task = jwks.spawn_refresh();
/// let security = Security::builder().jwks(jwks).build()?;
/// # let _ = security;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct JwksVerifier(Arc<Inner>);

struct Inner {
    /// As configured, for `Debug`.
    source: JwksSource,
    location: Location,
    #[cfg(feature = "jwks-fetch")]
    client: reqwest::Client,
    settings: Settings,
    keys: RwLock<Option<KeySet>>,
    /// Bumped on every successful load, so cached verifications end with the keys.
    generation: AtomicU64,
    /// Single-flight refreshes: the time of the last attempt.
    refresh: tokio::sync::Mutex<Option<Instant>>,
    /// Whether the key set's passing its maximum age has been logged since
    /// the last successful load.
    stale_reported: AtomicBool,
}

struct Settings {
    issuers: Vec<String>,
    audiences: Vec<String>,
    any_audience: bool,
    /// The required `typ`; normalized once the builder has checked it.
    token_type: Option<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    refresh_every: Duration,
    min_refresh: Duration,
    max_age: Duration,
}

/// Where the document is read from, once the builder has checked it.
enum Location {
    #[cfg(feature = "jwks-fetch")]
    Url(Url),
    File(PathBuf),
}

#[derive(Clone)]
struct KeySet {
    verifier: JwtVerifier,
    kids: Arc<[String]>,
    loaded_at: Instant,
}

impl KeySet {
    fn has(&self, kid: &str) -> bool {
        self.kids.iter().any(|known| known == kid)
    }

    fn is_stale(&self, max_age: Duration) -> bool {
        self.loaded_at.elapsed() > max_age
    }
}

/// Collects a [`JwksVerifier`]'s settings; see [`JwksVerifier::builder`].
#[must_use]
pub struct JwksVerifierBuilder {
    source: JwksSource,
    settings: Settings,
}

impl JwksVerifierBuilder {
    /// Requires `iss` to be this issuer (call again to accept several).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.settings.issuers.push(issuer.into());
        self
    }

    /// Requires `aud` to contain this audience (call again to accept several).
    /// Without it, or [`.any_audience()`](Self::any_audience), `build` refuses.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.settings.audiences.push(audience.into());
        self
    }

    /// Accepts tokens whatever their `aud`, including tokens the provider
    /// minted for other APIs: only when this API means to accept them all.
    ///
    /// ```
    /// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
    ///
    /// let source = JwksSource::Url("https://idp.example.com/jwks.json".into());
    /// let no_audience = JwksVerifier::builder(source.clone()).build();
    /// assert!(no_audience.unwrap_err().to_string().contains("`.any_audience()`"));
    /// let any = JwksVerifier::builder(source).any_audience().build();
    /// assert!(any.is_ok());
    /// ```
    pub fn any_audience(mut self) -> Self {
        self.settings.any_audience = true;
        self
    }

    /// Requires the `typ` header to be this media type, such as `at+jwt`
    /// (RFC 9068), so an ID token from the same provider is no access
    /// token here; tokens without `typ` are refused. See
    /// [`JwtVerifierBuilder::require_type`](crate::jwt::JwtVerifierBuilder::require_type).
    ///
    /// ```
    /// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
    ///
    /// let jwks = JwksVerifier::builder(JwksSource::Url("https://idp.example.com/jwks.json".into()))
    ///     .audience("items-api")
    ///     .require_type("at+jwt")
    ///     .build();
    /// assert!(jwks.is_ok());
    /// ```
    pub fn require_type(mut self, token_type: impl Into<String>) -> Self {
        self.settings.token_type = Some(token_type.into());
        self
    }

    /// Accepts only keys for these algorithms; every asymmetric one by default.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.settings.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Clock skew tolerated on `exp` and `nbf`; 30 seconds by default.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.settings.leeway = leeway;
        self
    }

    /// How often [`JwksVerifier::spawn_refresh`] fetches; 15 minutes by default.
    pub fn refresh_every(mut self, every: Duration) -> Self {
        self.settings.refresh_every = every;
        self
    }

    /// The shortest time between two fetches that unknown `kid`s or stale
    /// keys trigger; 30 seconds by default. Scheduled and explicit
    /// refreshes are not held back by it.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.settings.min_refresh = interval;
        self
    }

    /// How long a key set may go without a successful fetch before every
    /// token is refused; [`DEFAULT_JWKS_MAX_AGE`] (one day) by default. It
    /// must exceed [`.refresh_every(..)`](Self::refresh_every).
    ///
    /// ```
    /// use std::time::Duration;
    /// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
    ///
    /// let jwks = JwksVerifier::builder(JwksSource::Url("https://idp.example.com/jwks.json".into()))
    ///     .audience("items-api")
    ///     .refresh_every(Duration::from_secs(600))
    ///     .max_key_set_age(Duration::from_secs(6 * 3600))
    ///     .build();
    /// assert!(jwks.is_ok());
    /// ```
    pub fn max_key_set_age(mut self, max_age: Duration) -> Self {
        self.settings.max_age = max_age;
        self
    }

    /// Checks the settings and builds the verifier, without fetching yet.
    ///
    /// Refuses, with a [`ConfigError`] saying what to change: no audience
    /// decision, a URL that is not `https` (outside loopback) or carries
    /// user info, symmetric algorithms, a refresh interval of zero, and a
    /// maximum key-set age not above the refresh interval.
    ///
    /// ```
    /// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
    ///
    /// let build = |url: &str| {
    ///     JwksVerifier::builder(JwksSource::Url(url.into())).audience("items-api").build()
    /// };
    /// assert!(build("https://idp.example.com/jwks.json").is_ok());
    /// assert!(build("http://127.0.0.1:8080/jwks.json").is_ok());
    /// assert!(build("http://idp.example.com/jwks.json").is_err());
    /// assert!(build("http://127.0.0.1:80@elsewhere.example/jwks.json").is_err());
    /// ```
    pub fn build(mut self) -> Result<JwksVerifier, ConfigError> {
        if self.settings.algorithms.is_empty()
            || self
                .settings
                .algorithms
                .iter()
                .any(|alg| !ASYMMETRIC.contains(alg))
        {
            return Err(ConfigError::BearerKeys(
                "a JWKS verifier accepts asymmetric algorithms only (RS*, PS*, ES256, ES384, EdDSA); list at least one",
            ));
        }
        let location = match &self.source {
            #[cfg(feature = "jwks-fetch")]
            JwksSource::Url(url) => Location::Url(checked_url(url)?),
            #[cfg(not(feature = "jwks-fetch"))]
            JwksSource::Url(_) => {
                return Err(ConfigError::BearerKeys(
                    "fetching a JWKS over HTTPS needs Portcullis' `jwks-fetch` feature; enable it, or read the keys from a file with `JwksSource::File`",
                ));
            }
            JwksSource::File(path) => Location::File(path.clone()),
        };
        let settings = &mut self.settings;
        if AudienceRule::from_settings(settings.audiences.clone(), settings.any_audience)
            .map_err(ConfigError::BearerKeys)?
            == AudienceRule::Unset
        {
            return Err(ConfigError::BearerKeys(
                "the JWKS verifier has no audience, so it would accept tokens the provider minted for other APIs; set `.audience(..)`, or call `.any_audience()` if this API accepts tokens minted for any audience",
            ));
        }
        settings.token_type = settings
            .token_type
            .as_deref()
            .map(checked_type)
            .transpose()?;
        if settings.refresh_every.is_zero() {
            return Err(ConfigError::BearerKeys(
                "the JWKS refresh interval is zero; give `.refresh_every(..)` a positive duration such as 15 minutes",
            ));
        }
        if settings.max_age <= settings.refresh_every {
            return Err(ConfigError::BearerKeys(
                "the JWKS maximum key-set age does not exceed the refresh interval, so the keys would go stale between two scheduled refreshes; raise `.max_key_set_age(..)` or lower `.refresh_every(..)`",
            ));
        }
        #[cfg(feature = "jwks-fetch")]
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| {
                ConfigError::BearerKeys("the HTTP client for the JWKS could not be built")
            })?;
        Ok(JwksVerifier(Arc::new(Inner {
            source: self.source,
            location,
            #[cfg(feature = "jwks-fetch")]
            client,
            settings: self.settings,
            keys: RwLock::new(None),
            generation: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(None),
            stale_reported: AtomicBool::new(false),
        })))
    }
}

impl JwksVerifier {
    /// Starts a verifier whose keys come from `source`.
    pub fn builder(source: JwksSource) -> JwksVerifierBuilder {
        JwksVerifierBuilder {
            source,
            settings: Settings {
                issuers: Vec::new(),
                audiences: Vec::new(),
                any_audience: false,
                token_type: None,
                algorithms: ASYMMETRIC.to_vec(),
                leeway: DEFAULT_LEEWAY,
                refresh_every: DEFAULT_JWKS_REFRESH,
                min_refresh: DEFAULT_JWKS_MIN_REFRESH,
                max_age: DEFAULT_JWKS_MAX_AGE,
            },
        }
    }

    /// Verifies `token` with the key its `kid` names. When that `kid` is
    /// unknown, no key set is loaded yet, or the set is past its maximum
    /// age, the key set is refreshed first (rate-limited), provided the
    /// token's claims could pass this verifier; otherwise the token is
    /// refused without a fetch.
    ///
    /// ```
    /// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
    /// use portcullis::jwt::TokenError;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let jwks = JwksVerifier::builder(JwksSource::Url("http://127.0.0.1:9/jwks.json".into()))
    ///     .audience("items-api")
    ///     .build()
    ///     .unwrap();
    /// // Garbage never reaches the provider.
    /// assert_eq!(jwks.verify("not-a-token").await.err(), Some(TokenError::Malformed));
    /// # });
    /// ```
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        let max_age = self.0.settings.max_age;
        if let Some(keys) = self.current()
            && keys.has(kid)
            && !keys.is_stale(max_age)
        {
            return keys.verifier.verify(token);
        }
        self.plausible(&header, token)?;
        self.refresh_rate_limited().await;
        let keys = self.current().ok_or(TokenError::UnknownKey)?;
        if keys.is_stale(max_age) {
            self.report_stale(&keys);
            return Err(TokenError::StaleKeys);
        }
        if !keys.has(kid) {
            return Err(TokenError::UnknownKey);
        }
        keys.verifier.verify(token)
    }

    /// Fetches the key set now, whenever the last fetch was; on failure the
    /// last good set stays in use (up to its maximum age). Returns how many
    /// keys the new set holds.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let mut last = self.0.refresh.lock().await;
        *last = Some(Instant::now());
        self.load().await
    }

    /// Refreshes on the configured schedule in a background task, which ends
    /// when the last clone of this verifier is dropped. Scheduled fetches
    /// are not held back by the minimum interval that limits fetches for
    /// unknown `kid`s. A failed fetch is retried after the minimum interval
    /// (at least a second, at most the schedule). Call it from within a
    /// Tokio runtime, as `tokio::spawn` requires.
    pub fn spawn_refresh(&self) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Inner> = Arc::downgrade(&self.0);
        let every = self.0.settings.refresh_every;
        let retry = self.0.settings.min_refresh.max(MIN_RETRY).min(every);
        tokio::spawn(async move {
            let mut wait = Duration::ZERO;
            loop {
                tokio::time::sleep(wait).await;
                let Some(inner) = weak.upgrade() else { return };
                wait = match JwksVerifier(inner).refresh().await {
                    Ok(_) => every,
                    Err(_) => retry,
                };
            }
        })
    }

    /// The `kid`s of the key set in use; empty before the first successful load.
    pub fn kids(&self) -> Vec<String> {
        self.current()
            .map(|keys| keys.kids.to_vec())
            .unwrap_or_default()
    }

    /// Changes whenever a new key set is loaded, and when the set passes
    /// its maximum age, so cached verifications end with the keys.
    pub(crate) fn generation(&self) -> u64 {
        let loads = self.0.generation.load(Ordering::Acquire);
        let stale = self
            .0
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|keys| keys.is_stale(self.0.settings.max_age));
        loads.wrapping_mul(2) | u64::from(stale)
    }

    /// Refuses early, without a fetch, a token that no key set could make
    /// pass: an algorithm or `typ` not accepted, a payload that is not a
    /// JSON object with the expected claim types, or claims (`iss`, `aud`,
    /// `exp`) this verifier refuses anyway.
    fn plausible(&self, header: &Header, token: &str) -> Result<(), TokenError> {
        let settings = &self.0.settings;
        if !settings.algorithms.contains(&header.alg) {
            return Err(TokenError::Algorithm);
        }
        if let Some(required) = &settings.token_type
            && !type_matches(required, header.typ.as_deref())
        {
            return Err(TokenError::TokenType);
        }
        let mut parts = token.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&bytes).map_err(|error| {
            if error.is_data() {
                TokenError::Claims
            } else {
                TokenError::Malformed
            }
        })?;
        if !settings.issuers.is_empty()
            && !claims
                .iss
                .as_ref()
                .is_some_and(|iss| settings.issuers.contains(iss))
        {
            return Err(TokenError::Issuer);
        }
        if !settings.audiences.is_empty()
            && !audience_matches(claims.aud.as_ref(), &settings.audiences)
        {
            return Err(TokenError::Audience);
        }
        if claims.exp.saturating_add(settings.leeway.as_secs()) < unix_now() {
            return Err(TokenError::Expired);
        }
        Ok(())
    }

    /// Logs, once until the next successful load, that the key set is past
    /// its maximum age.
    fn report_stale(&self, keys: &KeySet) {
        if !self.0.stale_reported.swap(true, Ordering::AcqRel) {
            tracing::error!(
                target: "portcullis::jwks",
                age_secs = keys.loaded_at.elapsed().as_secs(),
                max_age_secs = self.0.settings.max_age.as_secs(),
                "the JWKS key set is past its maximum age and could not be refreshed; every token is refused until a fetch succeeds"
            );
        }
    }

    fn current(&self) -> Option<KeySet> {
        self.0
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Refreshes unless a fetch happened within the minimum interval; callers
    /// that arrive during a fetch wait for it instead of starting another.
    async fn refresh_rate_limited(&self) {
        let mut last = self.0.refresh.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.0.settings.min_refresh) {
            return;
        }
        *last = Some(Instant::now());
        let _ = self.load().await;
    }

    async fn load(&self) -> Result<usize, JwksError> {
        let result = match self.fetch().await {
            Ok(set) => self.key_set(&set),
            Err(error) => Err(error),
        };
        match result {
            Ok(keys) => {
                let count = keys.kids.len();
                tracing::info!(target: "portcullis::jwks", keys = count, "JWKS key set loaded");
                *self.0.keys.write().unwrap_or_else(PoisonError::into_inner) = Some(keys);
                self.0.generation.fetch_add(1, Ordering::Release);
                self.0.stale_reported.store(false, Ordering::Release);
                Ok(count)
            }
            Err(error) => {
                let max_age = self.0.settings.max_age;
                match self.current() {
                    Some(keys) if !keys.is_stale(max_age) => tracing::warn!(
                        target: "portcullis::jwks",
                        error = %error,
                        "JWKS refresh failed; keeping the last good key set"
                    ),
                    Some(_) => tracing::error!(
                        target: "portcullis::jwks",
                        error = %error,
                        max_age_secs = max_age.as_secs(),
                        "JWKS refresh failed and the last good key set is past its maximum age; every token is refused"
                    ),
                    None => tracing::error!(
                        target: "portcullis::jwks",
                        error = %error,
                        "JWKS refresh failed and no key set was ever loaded; every token is refused"
                    ),
                }
                Err(error)
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, JwksError> {
        let bytes = match &self.0.location {
            #[cfg(feature = "jwks-fetch")]
            Location::Url(url) => {
                let unreachable =
                    |error: reqwest::Error| JwksError::Unreachable(error.without_url().to_string());
                let mut response = self
                    .0
                    .client
                    .get(url.clone())
                    .send()
                    .await
                    .map_err(unreachable)?;
                if !response.status().is_success() {
                    return Err(JwksError::Status(response.status().as_u16()));
                }
                // Read chunk by chunk, so a huge answer is refused before it is held.
                let mut bytes = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
                    if bytes.len() + chunk.len() > MAX_JWKS_BYTES {
                        return Err(JwksError::Malformed);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                bytes
            }
            Location::File(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || std::fs::read(path))
                    .await
                    .map_err(|_| JwksError::Unreachable("the file read did not complete".into()))?
                    .map_err(|error| JwksError::Unreachable(error.kind().to_string()))?
            }
        };
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(JwksError::Malformed);
        }
        serde_json::from_slice(&bytes).map_err(|_| JwksError::Malformed)
    }

    fn key_set(&self, set: &JwkSet) -> Result<KeySet, JwksError> {
        let settings = &self.0.settings;
        let mut builder = JwtVerifier::builder().leeway(settings.leeway);
        for issuer in &settings.issuers {
            builder = builder.issuer(issuer.clone());
        }
        for audience in &settings.audiences {
            builder = builder.audience(audience.clone());
        }
        if settings.any_audience {
            builder = builder.any_audience();
        }
        if let Some(token_type) = &settings.token_type {
            builder = builder.require_type(token_type.clone());
        }
        let mut kids: Vec<String> = Vec::new();
        for jwk in &set.keys {
            let Some(key) = usable_key(jwk, &settings.algorithms) else {
                continue;
            };
            let kid = key.kid().unwrap_or_default().to_owned();
            if kids.contains(&kid) {
                continue;
            }
            kids.push(kid);
            builder = builder.key(key);
        }
        if kids.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        let verifier = builder.build().map_err(|_| JwksError::NoUsableKey)?;
        Ok(KeySet {
            verifier,
            kids: kids.into(),
            loaded_at: Instant::now(),
        })
    }
}

#[cfg(feature = "jwks-fetch")]
/// The JWKS URL, parsed: `https`, or `http` to this machine, without user info.
fn checked_url(url: &str) -> Result<Url, ConfigError> {
    let parsed = Url::parse(url).map_err(|_| {
        ConfigError::BearerKeys(
            "the JWKS URL does not parse; give an absolute URL such as `https://idp.example.com/.well-known/jwks.json`",
        )
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigError::BearerKeys(
            "the JWKS URL carries user info (`…@` before the host), which hides the host the keys are really fetched from; remove it",
        ));
    }
    match (parsed.scheme(), parsed.host()) {
        ("https", Some(_)) => Ok(parsed),
        ("http", Some(host)) if is_loopback(&host) => Ok(parsed),
        ("http", _) => Err(ConfigError::BearerKeys(
            "the JWKS URL is plain `http` to another machine, so anyone on the network path could substitute keys; use `https://` (plain `http` is accepted for 127.0.0.0/8, ::1 and localhost only)",
        )),
        _ => Err(ConfigError::BearerKeys(
            "the JWKS URL must be `https://host/…` (or `http://` to a loopback address); for keys on disk use `JwksSource::File`",
        )),
    }
}

#[cfg(feature = "jwks-fetch")]
/// Whether `host` is this machine, where plain HTTP is acceptable.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Whether the `aud` claim (a string or an array of strings) names one of `accepted`.
fn audience_matches(aud: Option<&serde_json::Value>, accepted: &[String]) -> bool {
    let names = |name: &serde_json::Value| {
        name.as_str()
            .is_some_and(|name| accepted.iter().any(|audience| audience == name))
    };
    match aud {
        Some(serde_json::Value::Array(values)) => values.iter().any(names),
        Some(value) => names(value),
        None => false,
    }
}

/// The key of `jwk`, bound to its algorithm, when it is a signing key with a
/// `kid` whose algorithm is accepted.
fn usable_key(jwk: &Jwk, accepted: &[Algorithm]) -> Option<VerificationKey> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let kid = jwk.common.key_id.clone()?;
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => Some(Algorithm::ES256),
            EllipticCurve::P384 => Some(Algorithm::ES384),
            _ => None,
        },
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            Some(Algorithm::EdDSA)
        }
        _ => None,
    };
    let algorithm = match jwk.common.key_algorithm {
        Some(declared) => Algorithm::try_from(declared).ok()?,
        None => implied?,
    };
    if !accepted.contains(&algorithm) || !ASYMMETRIC.contains(&algorithm) {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(VerificationKey::from_decoding_key(algorithm, key).with_kid(kid))
}

impl fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("source", &self.0.source)
            .field("kids", &self.kids())
            .field("issuers", &self.0.settings.issuers)
            .field("audiences", &self.0.settings.audiences)
            .field("any_audience", &self.0.settings.any_audience)
            .field("token_type", &self.0.settings.token_type)
            .field("max_key_set_age", &self.0.settings.max_age)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for JwksVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksVerifierBuilder")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}
