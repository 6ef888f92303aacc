//! Verification keys from a JWKS document (RFC 7517): a file, or an identity
//! provider's URL refreshed on a schedule and when an unknown `kid` appears.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, decode_header};

use crate::config_error::ConfigError;
use crate::jwt::{DEFAULT_LEEWAY, JwtVerifier, TokenError, VerificationKey};
use crate::principal::Principal;

/// How often the key set is fetched again unless configured otherwise.
pub const DEFAULT_JWKS_REFRESH: Duration = Duration::from_secs(15 * 60);

/// The shortest time between two fetches unless configured otherwise: an
/// unknown `kid` triggers at most one fetch per interval, however many
/// requests carry it.
pub const DEFAULT_JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);

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
    /// timeout and without following redirects. Plain `http` is meant for
    /// loopback addresses only and logs a warning elsewhere.
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
/// A token whose `kid` is not in the current set triggers a refresh, but at
/// most one per minimum interval across all requests, so garbage `kid`s
/// cannot make Portcullis hammer the provider. A failed refresh keeps the
/// last good set. [`JwksVerifier::spawn_refresh`] also refreshes on a
/// schedule. Only asymmetric keys with a `kid` are taken; each is bound to
/// its `alg` (or the one its curve or type implies).
///
/// ```no_run
/// use portcullis::auth::bearer::{JwksSource, JwksVerifier};
/// use portcullis::{SecureRouter, Security};
///
/// # async fn start() -> Result<(), Box<dyn std::error::Error>> {
/// let jwks = JwksVerifier::builder(JwksSource::Url("https://idp.example.com/.well-known/jwks.json".into()))
///     .issuer("https://idp.example.com/")
///     .audience("items-api")
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
    source: JwksSource,
    client: reqwest::Client,
    settings: Settings,
    keys: RwLock<Option<KeySet>>,
    /// Bumped on every successful load, so cached verifications end with the keys.
    generation: AtomicU64,
    /// Single-flight refreshes: the time of the last attempt.
    refresh: tokio::sync::Mutex<Option<Instant>>,
}

struct Settings {
    issuers: Vec<String>,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    refresh_every: Duration,
    min_refresh: Duration,
}

#[derive(Clone)]
struct KeySet {
    verifier: JwtVerifier,
    kids: Arc<[String]>,
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
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.settings.audiences.push(audience.into());
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

    /// The shortest time between two fetches; 30 seconds by default.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.settings.min_refresh = interval;
        self
    }

    /// Checks the settings and builds the verifier, without fetching yet.
    pub fn build(self) -> Result<JwksVerifier, ConfigError> {
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
        if let JwksSource::Url(url) = &self.source
            && !url.starts_with("https://")
            && !is_loopback(url)
        {
            tracing::warn!(
                target: "portcullis::config",
                url = %url,
                "the JWKS URL is not https: anyone on the network path could substitute keys"
            );
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| {
                ConfigError::BearerKeys("the HTTP client for the JWKS could not be built")
            })?;
        Ok(JwksVerifier(Arc::new(Inner {
            source: self.source,
            client,
            settings: self.settings,
            keys: RwLock::new(None),
            generation: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(None),
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
                algorithms: ASYMMETRIC.to_vec(),
                leeway: DEFAULT_LEEWAY,
                refresh_every: DEFAULT_JWKS_REFRESH,
                min_refresh: DEFAULT_JWKS_MIN_REFRESH,
            },
        }
    }

    /// Verifies `token` with the key its `kid` names, refreshing the key set
    /// first (rate-limited) when that `kid` is unknown.
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let kid = decode_header(token)
            .map_err(|_| TokenError::Malformed)?
            .kid
            .ok_or(TokenError::UnknownKey)?;
        if let Some(keys) = self.current().filter(|keys| keys.kids.contains(&kid)) {
            return keys.verifier.verify(token);
        }
        self.refresh_rate_limited().await;
        match self.current().filter(|keys| keys.kids.contains(&kid)) {
            Some(keys) => keys.verifier.verify(token),
            None => Err(TokenError::UnknownKey),
        }
    }

    /// Fetches the key set now; on failure the last good set stays in use.
    /// Returns how many keys the new set holds.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let mut last = self.0.refresh.lock().await;
        *last = Some(Instant::now());
        self.load().await
    }

    /// Refreshes on the configured schedule in a background task, which ends
    /// when the last clone of this verifier is dropped. A failed fetch is
    /// retried after the minimum interval. Call it from within a Tokio
    /// runtime, as `tokio::spawn` requires.
    pub fn spawn_refresh(&self) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Inner> = Arc::downgrade(&self.0);
        let (every, retry) = (self.0.settings.refresh_every, self.0.settings.min_refresh);
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

    /// Changes whenever a new key set is loaded.
    pub(crate) fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
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
                Ok(count)
            }
            Err(error) => {
                tracing::warn!(target: "portcullis::jwks", error = %error, "JWKS refresh failed; keeping the last good key set");
                Err(error)
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, JwksError> {
        let bytes = match &self.0.source {
            JwksSource::Url(url) => {
                let unreachable =
                    |error: reqwest::Error| JwksError::Unreachable(error.without_url().to_string());
                let mut response = self.0.client.get(url).send().await.map_err(unreachable)?;
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
            JwksSource::File(path) => {
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
        })
    }
}

/// Whether `url` points at this machine, where plain HTTP is acceptable.
fn is_loopback(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    [
        "127.0.0.1:",
        "127.0.0.1/",
        "localhost:",
        "localhost/",
        "[::1]:",
        "[::1]/",
    ]
    .iter()
    .any(|host| rest.starts_with(host))
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
