//! Which reverse proxies' `X-Forwarded-For` (or `Forwarded`) to believe.
//!
//! Below both `security` (which holds the one setting, for rate limits,
//! failure limits, sessions and request ids) and `hardening` (which
//! re-exports the types and reads the setting from the `Security`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::request::Parts;
use http::{Extensions, HeaderMap};

use crate::config_error::ConfigError;

/// The `X-Forwarded-For` header.
const X_FORWARDED_FOR: &str = "x-forwarded-for";
/// The `Forwarded` header (RFC 7239).
const FORWARDED: &str = "forwarded";

/// Whether forwarded headers are trusted, and from which proxies.
///
/// By default they are ignored: the client is the peer of the TCP
/// connection. Trusting them from anyone would let every client pick the
/// address that rate limits and logs see, so [`ForwardedHeaders::build`]
/// refuses trust without at least one proxy address.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use axum::http::HeaderMap;
/// use portcullis::hardening::ForwardedHeaders;
///
/// let proxy = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
/// let trusted = ForwardedHeaders::trust_from([proxy]).build().unwrap();
/// let mut headers = HeaderMap::new();
/// headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
/// assert_eq!(trusted.client_ip(proxy, &headers), "203.0.113.9".parse::<IpAddr>().unwrap());
///
/// assert!(ForwardedHeaders::trust_from([] as [IpAddr; 0]).build().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ForwardedHeaders {
    trust: Trust,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Trust {
    Ignore,
    From(Vec<IpAddr>),
}

impl Default for ForwardedHeaders {
    fn default() -> Self {
        Self::ignore()
    }
}

impl ForwardedHeaders {
    /// Ignores forwarded headers (the default).
    pub fn ignore() -> Self {
        Self {
            trust: Trust::Ignore,
        }
    }

    /// Believes `X-Forwarded-For` (or, without it, RFC 7239 `Forwarded`)
    /// from these proxy addresses only.
    pub fn trust_from(proxies: impl IntoIterator<Item = impl Into<IpAddr>>) -> Self {
        Self {
            trust: Trust::From(proxies.into_iter().map(Into::into).collect()),
        }
    }

    /// Checks the setting.
    pub fn build(self) -> Result<TrustedProxies, ConfigError> {
        match self.trust {
            Trust::From(proxies) if proxies.is_empty() => Err(ConfigError::ForwardedWithoutProxy),
            Trust::From(proxies) => Ok(TrustedProxies { proxies }),
            Trust::Ignore => Ok(TrustedProxies {
                proxies: Vec::new(),
            }),
        }
    }
}

/// A checked [`ForwardedHeaders`] setting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustedProxies {
    proxies: Vec<IpAddr>,
}

impl TrustedProxies {
    /// Whether `peer` is one of the trusted proxies (an IPv4 address mapped
    /// into IPv6 counts as the IPv4 address).
    pub fn is_trusted(&self, peer: IpAddr) -> bool {
        !self.proxies.is_empty() && self.proxies.contains(&peer.to_canonical())
    }

    /// Whether the request's TCP peer (axum's `ConnectInfo<SocketAddr>`) is a
    /// trusted proxy; without that extension (a server started without
    /// `into_make_service_with_connect_info`, an in-process call) it is not.
    pub(crate) fn trusts_peer(&self, extensions: &Extensions) -> bool {
        !self.proxies.is_empty()
            && extensions
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|ConnectInfo(peer)| self.is_trusted(peer.ip()))
    }

    /// The client's address for a request: the connection's peer (axum's
    /// `ConnectInfo<SocketAddr>`, present when served with
    /// `into_make_service_with_connect_info`), or the address a trusted
    /// proxy forwarded; `None` without a peer (a request served in-process).
    pub fn client_of(&self, parts: &Parts) -> Option<IpAddr> {
        let ConnectInfo(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>()?;
        Some(self.client_ip(peer.ip(), &parts.headers))
    }

    /// The client's address: `peer`, unless `peer` is a trusted proxy; then
    /// the right-most `X-Forwarded-For` entry that is not a trusted proxy
    /// (entries further left were written by the client and prove nothing).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        let mut hops = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        if hops.is_empty() {
            hops = headers
                .get_all(FORWARDED)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .map(forwarded_for)
                .collect();
        }
        for hop in hops.into_iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(address) if self.is_trusted(address) => client = address,
                Ok(address) => return address,
                Err(_) => return client,
            }
        }
        client
    }
}

/// The address of one `Forwarded` element's `for=` parameter (quotes,
/// IPv6 brackets and a port taken off); empty when it has none, which
/// stops the walk.
fn forwarded_for(element: &str) -> &str {
    let Some(value) = element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then_some(value.trim())
    }) else {
        return "";
    };
    let value = value.trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match value.split_once(':') {
        // one colon: IPv4 with a port; more are an IPv6 address without brackets
        Some((host, port)) if !port.contains(':') => host,
        _ => value,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted = ForwardedHeaders::trust_from([ip("10.0.0.2"), ip("10.0.0.3")])
            .build()
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            X_FORWARDED_FOR,
            "1.1.1.1, 203.0.113.9, 10.0.0.3".parse().unwrap(),
        );
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &headers),
            ip("203.0.113.9")
        );
        // a client talking directly cannot choose its address
        assert_eq!(
            trusted.client_ip(ip("198.51.100.7"), &headers),
            ip("198.51.100.7")
        );
        // garbage stops the walk at the last trusted hop
        headers.insert(X_FORWARDED_FOR, "junk, 10.0.0.3".parse().unwrap());
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &headers), ip("10.0.0.3"));
        let ignoring = ForwardedHeaders::ignore().build().unwrap();
        assert_eq!(ignoring.client_ip(ip("10.0.0.2"), &headers), ip("10.0.0.2"));
        // a trusted proxy reached over IPv6 as a mapped IPv4 address is the proxy
        headers.insert(X_FORWARDED_FOR, "203.0.113.9".parse().unwrap());
        assert_eq!(
            trusted.client_ip(ip("::ffff:10.0.0.2"), &headers),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_forwarded_header_counts_when_x_forwarded_for_is_absent() {
        let trusted = ForwardedHeaders::trust_from([ip("10.0.0.2")])
            .build()
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            FORWARDED,
            "for=1.1.1.1, for=\"[2001:db8::7]:4711\";proto=https"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &headers),
            ip("2001:db8::7")
        );
        headers.insert(FORWARDED, "for=203.0.113.9:80;by=10.0.0.2".parse().unwrap());
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted.client_ip(ip("192.0.2.1"), &headers),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn trust_without_a_proxy_is_refused() {
        let none: [IpAddr; 0] = [];
        assert_eq!(
            ForwardedHeaders::trust_from(none).build(),
            Err(ConfigError::ForwardedWithoutProxy)
        );
    }
}
