//! Origins and host names in the form browsers and URLs serialize them,
//! checked without a URL parser.
//!
//! Configuration only ever names origins (CORS allow-lists, the CSRF check's
//! trusted origins) and host names (the HTTPS redirect's), and a request's
//! `Origin` or `Host` is compared with them byte for byte, so a configured
//! value must already be in the one form a browser sends: lowercase,
//! without a default port, without a path. These checks accept exactly the
//! WHATWG URL serializations of `http` and `https` origins whose host is a
//! DNS name of letters, digits, `-` and `_`, an IPv4 address or an IPv6
//! address; anything else is a configuration error, so it can never be
//! silently unmatched. (A URL parser, with IDNA and Unicode tables, would
//! be linked into every application's build for these few checks.)

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::config_error::ConfigError;

/// A configured origin (CORS, CSRF's trusted origins): the serialization of
/// an `http` or `https` origin; `null` is refused by name, since any
/// sandboxed page or local file can send it.
pub(crate) fn check_configured(origin: &str) -> Result<(), ConfigError> {
    if origin.eq_ignore_ascii_case("null") {
        return Err(ConfigError::NullOrigin);
    }
    if is_serialized_origin(origin) {
        Ok(())
    } else {
        Err(ConfigError::MalformedOrigin(origin.to_owned()))
    }
}

/// Whether `origin` is the serialization of an `http` or `https` origin:
/// `scheme://host`, then `:port` only when the port is not the scheme's
/// default, with no leading zero.
pub(crate) fn is_serialized_origin(origin: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let (host, port) = match authority.strip_prefix('[') {
        Some(_) => match authority.find(']') {
            Some(end) => authority.split_at(end + 1),
            None => return false,
        },
        None => authority
            .find(':')
            .map_or((authority, ""), |colon| authority.split_at(colon)),
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => is_canonical_port(digits, default_port),
    };
    port_ok && is_serialized_host(host)
}

/// Whether `host` is a host as URLs serialize it: a lowercase DNS name, a
/// dotted-decimal IPv4 address, or a bracketed IPv6 address in its
/// shortest form.
pub(crate) fn is_serialized_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[') {
        return inner
            .strip_suffix(']')
            .and_then(|address| address.parse::<Ipv6Addr>().ok().map(|ip| (address, ip)))
            .is_some_and(|(address, ip)| serialize_ipv6(ip) == address);
    }
    if ends_in_number(host) {
        // A URL parser reads such a host as an IPv4 address (in any of its
        // legacy spellings), and serializes it in dotted decimal.
        return host
            .parse::<Ipv4Addr>()
            .is_ok_and(|ip| ip.to_string() == host);
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|byte| {
                    byte.is_ascii_lowercase()
                        || byte.is_ascii_digit()
                        || byte == b'-'
                        || byte == b'_'
                })
        })
}

/// A port as URLs serialize it: decimal without leading zeros, at most
/// 65535, and not the scheme's default (which is left out).
fn is_canonical_port(digits: &str, default_port: u16) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && digits.parse::<u16>().is_ok_and(|port| port != default_port)
}

/// The WHATWG URL rule: a host whose last label is a number (decimal, or
/// hexadecimal after `0x`) is an IPv4 address.
fn ends_in_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or(host);
    if !last.is_empty() && last.bytes().all(|byte| byte.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// An IPv6 address as the WHATWG URL standard serializes it: lowercase
/// hexadecimal pieces, the first longest run of two or more zero pieces
/// written `::`, and no dotted IPv4 tail (unlike `Ipv6Addr`'s `Display`).
fn serialize_ipv6(ip: Ipv6Addr) -> String {
    let pieces = ip.segments();
    let (mut best_start, mut best_len) = (usize::MAX, 1);
    let mut index = 0;
    while index < pieces.len() {
        let run = pieces[index..]
            .iter()
            .take_while(|piece| **piece == 0)
            .count();
        if run > best_len {
            (best_start, best_len) = (index, run);
        }
        index += run.max(1);
    }
    let mut out = String::with_capacity(39);
    let mut index = 0;
    while index < pieces.len() {
        if index == best_start {
            out.push_str(if index == 0 { "::" } else { ":" });
            index += best_len;
            continue;
        }
        let _ = write!(out, "{:x}", pieces[index]);
        if index + 1 < pieces.len() {
            out.push(':');
        }
        index += 1;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_written_as_urls_write_it() {
        for (text, written) in [
            ("::1", "::1"),
            ("0:0::1", "::1"),
            ("::", "::"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("1::", "1::"),
            ("::ffff:1.2.3.4", "::ffff:102:304"),
        ] {
            assert_eq!(serialize_ipv6(text.parse().unwrap()), written, "{text}");
        }
    }

    /// The same answers as the url crate's serialization, on every
    /// combination of the spellings that tell them apart.
    #[test]
    fn agrees_with_a_url_parser() {
        let schemes = ["http", "https", "HTTPS", "ftp", "ws"];
        let hosts = [
            "example.com",
            "api.example.com",
            "Example.com",
            "exa_mple.com",
            "a-.b",
            "localhost",
            "exa mple.com",
            "ex%41mple.com",
            "",
            "a..b",
            "a.b.",
            "127.0.0.1",
            "127.1",
            "01.2.3.4",
            "256.1.1.1",
            "1.2.3.4.5",
            "0x7f.0.0.1",
            "a.1",
            "1.com",
            "[::1]",
            "[0:0::1]",
            "[::ffff:102:304]",
            "[::ffff:1.2.3.4]",
            "[2001:db8::1]",
            "[2001:DB8::1]",
            "[::1",
            "user@example.com",
        ];
        let ports = [
            "", ":80", ":443", ":8080", ":0443", ":0", ":65535", ":65536", ":", ":x",
        ];
        let tails = ["", "/", "/x", "?q", "#f"];
        let mut checked = 0;
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for tail in tails {
                        let origin = format!("{scheme}://{host}{port}{tail}");
                        let by_url = url::Url::parse(&origin).is_ok_and(|url| {
                            matches!(url.scheme(), "http" | "https")
                                && url.origin().ascii_serialization() == origin
                        });
                        // Empty labels are refused here, though a URL
                        // parser keeps them; no browser sends such a host.
                        let empty_label = host.contains("..") || host.ends_with('.');
                        if !empty_label {
                            assert_eq!(is_serialized_origin(&origin), by_url, "{origin}");
                        } else {
                            assert!(!is_serialized_origin(&origin), "{origin}");
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 5 * 27 * 10 * 5);
    }

    #[test]
    fn hosts_agree_with_a_url_parser() {
        for host in [
            "example.com",
            "Example.com",
            "exa mple.com",
            "example.com:443",
            "example.com/x",
            "https://example.com",
            "127.0.0.1",
            "127.1",
            "[::1]",
            "[0::1]",
            "::1",
            "",
        ] {
            let by_url = url::Host::parse(host).is_ok_and(|parsed| parsed.to_string() == host);
            assert_eq!(is_serialized_host(host), by_url, "{host}");
        }
    }
}
