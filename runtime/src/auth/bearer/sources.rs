//! Where the bearer guard looks for the access token.

use std::fmt;

use http::request::Parts;

use crate::auth::header::{self, Presented};
use crate::policy::Scheme;

/// Reads a token from a request in an application-specific way.
pub type CustomTokenSource = fn(&Parts) -> Option<&str>;

/// Where bearer tokens are read from, in order; by default only the
/// `Authorization: Bearer` header.
///
/// The header always comes first: when it names the Bearer scheme, it alone
/// is used (a malformed header is refused, not skipped). Otherwise the other
/// sources are tried in the order they were added. The query string is read
/// only for WebSocket upgrades (`GET` with `Upgrade: websocket`), where
/// browsers cannot set headers, and only when opted in: URLs end up in logs
/// and histories, so keep such tokens short-lived. A token read from a cookie
/// travels with every request the browser makes, so mark the cookie
/// `HttpOnly; Secure; SameSite=Strict`.
///
/// ```
/// use portcullis::Security;
/// use portcullis::auth::bearer::TokenSources;
///
/// fn api_key(parts: &http::request::Parts) -> Option<&str> {
///     parts.headers.get("x-api-token")?.to_str().ok()
/// }
///
/// let sources = TokenSources::authorization_header()
///     .cookie("access_token")
///     .websocket_query("access_token")
///     .custom(api_key);
/// let security = Security::builder().token_sources(sources).build().unwrap();
/// # let _ = security;
/// ```
#[derive(Clone)]
#[must_use]
pub struct TokenSources {
    extra: Vec<Source>,
}

#[derive(Clone)]
enum Source {
    Cookie(String),
    WebSocketQuery(String),
    Custom(CustomTokenSource),
}

impl Default for TokenSources {
    fn default() -> Self {
        Self::authorization_header()
    }
}

impl TokenSources {
    /// The `Authorization: Bearer` header only: the default.
    pub fn authorization_header() -> Self {
        Self { extra: Vec::new() }
    }

    /// Also reads the token from the cookie `name`.
    pub fn cookie(mut self, name: impl Into<String>) -> Self {
        self.extra.push(Source::Cookie(name.into()));
        self
    }

    /// Also reads the token from the query parameter `name`, on WebSocket
    /// upgrade requests only.
    pub fn websocket_query(mut self, name: impl Into<String>) -> Self {
        self.extra.push(Source::WebSocketQuery(name.into()));
        self
    }

    /// Also reads the token with `source`.
    pub fn custom(mut self, source: CustomTokenSource) -> Self {
        self.extra.push(Source::Custom(source));
        self
    }

    /// The token the request presents, from the first source that has one.
    pub(crate) fn find<'a>(&self, parts: &'a Parts) -> Presented<'a> {
        match header::presented(&parts.headers, Scheme::Bearer) {
            Presented::Absent => self
                .extra
                .iter()
                .map(|source| source.find(parts))
                .find(is_present)
                .unwrap_or(Presented::Absent),
            presented => presented,
        }
    }
}

impl TokenSources {
    /// Whether the token the request presents came from a cookie, which the
    /// browser attaches by itself (so unsafe requests need CSRF proof).
    pub(crate) fn read_from_cookie(&self, parts: &Parts) -> bool {
        if !matches!(
            header::presented(&parts.headers, Scheme::Bearer),
            Presented::Absent
        ) {
            return false;
        }
        self.extra
            .iter()
            .find(|source| is_present(&source.find(parts)))
            .is_some_and(|source| matches!(source, Source::Cookie(_)))
    }
}

fn is_present(presented: &Presented<'_>) -> bool {
    !matches!(presented, Presented::Absent)
}

impl Source {
    fn find<'a>(&self, parts: &'a Parts) -> Presented<'a> {
        let value = match self {
            Self::Cookie(name) => header::cookie(&parts.headers, name),
            Self::WebSocketQuery(name) if header::is_websocket_upgrade(parts) => query(parts, name),
            Self::WebSocketQuery(_) => Ok(None),
            Self::Custom(source) => Ok(source(parts)),
        };
        match value {
            Ok(None) => Presented::Absent,
            Ok(Some(token)) if is_token(token) => Presented::Value(token),
            Ok(Some(_)) | Err(()) => Presented::Malformed,
        }
    }
}

/// The value of query parameter `name`; a repeated parameter is malformed.
fn query<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = None;
    for pair in parts.uri.query().unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == name {
            if found.is_some() {
                return Err(());
            }
            found = Some(value);
        }
    }
    Ok(found)
}

/// A JWS compact serialization uses base64url characters and dots only.
fn is_token(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl fmt::Debug for TokenSources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        list.entry(&"authorization_header");
        for source in &self.extra {
            match source {
                Source::Cookie(name) => list.entry(&format_args!("cookie({name})")),
                Source::WebSocketQuery(name) => {
                    list.entry(&format_args!("websocket_query({name})"))
                }
                Source::Custom(_) => list.entry(&"custom"),
            };
        }
        list.finish()
    }
}
