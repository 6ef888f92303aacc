//! `X-Request-Id`: kept when a trusted proxy sent a sane one, generated
//! otherwise, stored in the request's extensions and echoed on the response.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service};

use crate::proxy::TrustedProxies;

/// The header that carries the request id.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const HEX: &[u8; 16] = b"0123456789abcdef";

/// How many ids one buffer holds.
const IDS_PER_BLOCK: usize = 64;
/// The length of a generated id.
const ID_LEN: usize = 36;

/// A thread's buffer of generated ids and the index of the next unused one.
struct IdBlock {
    ids: Bytes,
    next: usize,
}

impl IdBlock {
    fn take(&mut self) -> RequestId {
        if self.next == IDS_PER_BLOCK {
            self.refill();
        }
        let start = self.next * ID_LEN;
        self.next += 1;
        let value = HeaderValue::from_maybe_shared(self.ids.slice(start..start + ID_LEN))
            .unwrap_or(HeaderValue::from_static("-"));
        RequestId(value)
    }

    /// Writes the next `IDS_PER_BLOCK` ids of the process's sequence.
    fn refill(&mut self) {
        // The prefix is fixed per process, so its text is formatted once.
        static PREFIX: OnceLock<[u8; 19]> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let prefix = PREFIX.get_or_init(|| {
            let mut bytes = [0_u8; 8];
            // Without randomness the ids stay unique within the process.
            let _ = getrandom::fill(&mut bytes);
            let mut text = [b'-'; 19];
            let mut value = u64::from_ne_bytes(bytes);
            for index in (0..19).rev() {
                if !matches!(index, 8 | 13 | 18) {
                    text[index] = HEX[(value & 0xf) as usize];
                    value >>= 4;
                }
            }
            text
        });
        let first = COUNTER.fetch_add(IDS_PER_BLOCK as u64, Ordering::Relaxed);
        let mut ids = Vec::with_capacity(IDS_PER_BLOCK * ID_LEN);
        for offset in 0..IDS_PER_BLOCK as u64 {
            let mut count = first.wrapping_add(offset);
            let mut text = [b'-'; ID_LEN];
            text[..19].copy_from_slice(prefix);
            for index in (19..ID_LEN).rev() {
                if index != 23 {
                    text[index] = HEX[(count & 0xf) as usize];
                    count >>= 4;
                }
            }
            ids.extend_from_slice(&text);
        }
        self.ids = Bytes::from(ids);
        self.next = 0;
    }
}

/// The longest request id accepted from a client; longer ones are replaced.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of the current request, in its extensions for handlers and logs.
///
/// ```
/// use portcullis::hardening::RequestId;
///
/// async fn handler(axum::Extension(id): axum::Extension<RequestId>) -> String {
///     format!("request {}", id.as_str())
/// }
/// # let _ = handler;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The id as text (only visible ASCII is ever accepted or generated).
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or("-")
    }

    /// The id as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }

    /// A fresh id: a random per-process prefix and a counter, 32 hex digits
    /// in the 8-4-4-4-12 layout of a UUID. Unique, not secret.
    ///
    /// Ids are written a block at a time into one shared buffer per thread,
    /// so an id costs no allocation of its own: its header value is a slice
    /// of that buffer.
    pub fn generate() -> Self {
        thread_local! {
            static BLOCK: RefCell<IdBlock> = const { RefCell::new(IdBlock { ids: Bytes::new(), next: IDS_PER_BLOCK }) };
        }
        BLOCK.with(|block| block.borrow_mut().take())
    }

    /// The id as a response header value, sharing its bytes.
    pub(crate) fn to_header_value(&self) -> HeaderValue {
        self.0.clone()
    }

    /// Keeps the id a trusted proxy sent, or generates one; stores it in the
    /// request's headers and extensions and returns it for the response,
    /// with the value a client sent that was not kept (to be logged apart).
    pub(crate) fn tag<B>(
        request: &mut Request<B>,
        proxies: &TrustedProxies,
    ) -> (Self, Option<ClientRequestId>) {
        let (id, refused) = match request.headers().get(X_REQUEST_ID) {
            None => (Self::generate(), None),
            Some(value) => match proxies
                .trusts_peer(request.extensions())
                .then(|| Self::accept(value))
                .flatten()
            {
                Some(id) => (id, None),
                None => (Self::generate(), Some(ClientRequestId(value.clone()))),
            },
        };
        request.headers_mut().insert(X_REQUEST_ID, id.0.clone());
        request.extensions_mut().insert(id.clone());
        (id, refused)
    }

    /// The client's id when it is 1 to 128 characters of `A-Z a-z 0-9 - _ . :`.
    fn accept(value: &HeaderValue) -> Option<Self> {
        let bytes = value.as_bytes();
        let sane = !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID_LEN
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        sane.then(|| Self(value.clone()))
    }
}

/// The `X-Request-Id` a client sent that was not kept: the peer is not a
/// trusted proxy, or the value is not a sane id. The access log shows it as
/// `client_request_id`, apart from the request's own id.
#[derive(Debug, Clone)]
pub(crate) struct ClientRequestId(HeaderValue);

/// How much of a refused client id the log keeps.
const LOGGED_CLIENT_ID_LEN: usize = MAX_REQUEST_ID_LEN;

impl ClientRequestId {
    /// The value for the log: visible ASCII kept, every other byte as `?`,
    /// cut after 128 bytes with a `...` mark, so a client cannot fill the
    /// log or forge its structure through the header.
    pub(crate) fn for_log(&self) -> String {
        let bytes = self.0.as_bytes();
        let kept = &bytes[..bytes.len().min(LOGGED_CLIENT_ID_LEN)];
        let mut text: String = kept
            .iter()
            .map(|&byte| {
                if byte.is_ascii_graphic() || byte == b' ' {
                    char::from(byte)
                } else {
                    '?'
                }
            })
            .collect();
        if bytes.len() > LOGGED_CLIENT_ID_LEN {
            text.push_str("...");
        }
        text
    }
}

/// Gives each request an [`RequestId`] and echoes it as `X-Request-Id`.
///
/// tower-http's `SetRequestIdLayer` keeps any value a client sends; this
/// layer keeps a client's id only when it comes from a trusted proxy (see
/// [`RequestIdLayer::trusting`]) and is short and of safe characters, so a
/// client can neither fill the logs nor pass its requests off under another
/// request's id. Otherwise a fresh id is generated, and the access log shows
/// the client's value apart, as `client_request_id`.
///
/// ```
/// use portcullis::hardening::RequestIdLayer;
///
/// let app: axum::Router = axum::Router::new().layer(RequestIdLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestIdLayer {
    proxies: TrustedProxies,
}

impl RequestIdLayer {
    /// The layer; every request gets a fresh id.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the `X-Request-Id` that one of `proxies` sends (the TCP peer,
    /// from axum's `ConnectInfo<SocketAddr>`). Pass the [`crate::Security`]'s
    /// ([`crate::Security::trusted_proxies`]), so one setting says which
    /// proxies are believed; [`crate::Hardening::security`] does that itself.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use portcullis::Security;
    /// use portcullis::hardening::{ForwardedHeaders, RequestIdLayer};
    ///
    /// let security = Security::builder()
    ///     .forwarded_headers(ForwardedHeaders::trust_from([IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))]))
    ///     .build()
    ///     .unwrap();
    /// let layer = RequestIdLayer::trusting(security.trusted_proxies().clone());
    /// let app: axum::Router = axum::Router::new().layer(layer);
    /// # let _ = app;
    /// ```
    pub fn trusting(proxies: impl Into<TrustedProxies>) -> Self {
        Self {
            proxies: proxies.into(),
        }
    }
}

impl<S> Layer<S> for RequestIdLayer {
    type Service = SetRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetRequestId {
            inner,
            proxies: self.proxies.clone(),
        }
    }
}

/// The service of [`RequestIdLayer`].
#[derive(Debug, Clone)]
pub struct SetRequestId<S> {
    inner: S,
    proxies: TrustedProxies,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SetRequestId<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = RequestIdFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let (id, refused) = RequestId::tag(&mut request, &self.proxies);
        if let Some(refused) = refused {
            // for an access log layer further in
            request.extensions_mut().insert(refused);
        }
        RequestIdFuture {
            inner: self.inner.call(request),
            id: Some(id.0),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SetRequestId`].
    pub struct RequestIdFuture<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F, B, E> Future for RequestIdFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().insert(X_REQUEST_ID, id);
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_uuid_shaped_and_distinct() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 36);
        assert_eq!(a.as_str().matches('-').count(), 4);
        assert_eq!(a.as_str()[..19], b.as_str()[..19]);
        assert!(
            a.as_str()
                .bytes()
                .enumerate()
                .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) {
                    c == b'-'
                } else {
                    c.is_ascii_hexdigit()
                })
        );
    }

    #[test]
    fn ids_stay_distinct_across_blocks() {
        let ids: Vec<_> = (0..3 * IDS_PER_BLOCK)
            .map(|_| RequestId::generate().as_str().to_owned())
            .collect();
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        assert!(ids.iter().all(|id| id.len() == ID_LEN));
    }

    #[test]
    fn only_sane_client_ids_are_kept() {
        assert!(RequestId::accept(&HeaderValue::from_static("abc-123_x.y:z")).is_some());
        assert!(RequestId::accept(&HeaderValue::from_static("")).is_none());
        assert!(RequestId::accept(&HeaderValue::from_static("a b")).is_none());
        assert!(RequestId::accept(&HeaderValue::from_static("{\"x\":1}")).is_none());
        let long = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        assert!(RequestId::accept(&HeaderValue::from_str(&long).unwrap()).is_none());
    }

    #[test]
    fn refused_client_ids_are_logged_cut_and_sanitized() {
        let odd = ClientRequestId(HeaderValue::from_bytes(b"a\tb\xffc\"").unwrap());
        assert_eq!(odd.for_log(), "a?b?c\"");
        let long = ClientRequestId(HeaderValue::from_str(&"x".repeat(1000)).unwrap());
        let logged = long.for_log();
        assert_eq!(logged.len(), LOGGED_CLIENT_ID_LEN + 3);
        assert!(logged.ends_with("..."));
    }
}
