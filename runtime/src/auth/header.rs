//! Reading credentials from the `Authorization` header, for every scheme.

use http::header::{AUTHORIZATION, COOKIE, UPGRADE};
use http::request::Parts;
use http::{HeaderMap, Method};

use crate::policy::Scheme;

/// What the `Authorization` header holds for one scheme.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Presented<'a> {
    /// No header, or a header for another scheme.
    Absent,
    /// The scheme matches but the value is unusable.
    Malformed,
    /// The credentials after the scheme name.
    Value(&'a str),
}

/// The credentials for `scheme`; scheme names are case-insensitive (RFC 9110 11.1).
pub(crate) fn presented(headers: &HeaderMap, scheme: Scheme) -> Presented<'_> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Presented::Absent;
    };
    if values.next().is_some() {
        // Not a list field (RFC 9110 11.6.2): a proxy and this server could
        // each read a different one of several, so none is used.
        return Presented::Malformed;
    }
    let Ok(value) = value.to_str() else {
        return Presented::Malformed;
    };
    let name = scheme.as_str();
    // `<scheme> <credentials>`: compare the scheme case-insensitively (RFC
    // 9110 11.1) and hand over the rest; the verifier rejects bad characters.
    let Some(head) = value.get(..name.len()) else {
        return Presented::Absent;
    };
    if !head.eq_ignore_ascii_case(name) {
        return Presented::Absent;
    }
    match value[name.len()..].strip_prefix(' ') {
        Some(rest) => match rest.trim_start_matches(' ') {
            "" => Presented::Malformed,
            credentials => Presented::Value(credentials),
        },
        None if value.len() == name.len() => Presented::Malformed,
        // `BearerX …` names another scheme.
        None => Presented::Absent,
    }
}

/// The value of cookie `name`; two cookies of that name are malformed.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = None;
    for header in headers.get_all(COOKIE) {
        let Ok(header) = header.to_str() else {
            continue;
        };
        for pair in header.split(';') {
            if let Some((key, value)) = pair.trim().split_once('=')
                && key == name
            {
                if found.is_some() {
                    return Err(());
                }
                found = Some(value.trim_matches('"'));
            }
        }
    }
    Ok(found)
}

/// A WebSocket upgrade: `GET` with `Upgrade: websocket`.
pub(crate) fn is_websocket_upgrade(parts: &Parts) -> bool {
    parts.method == Method::GET
        && parts
            .headers
            .get(UPGRADE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("websocket"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn bearer_forms() {
        assert_eq!(
            presented(&headers("Bearer abc"), Scheme::Bearer),
            Presented::Value("abc")
        );
        assert_eq!(
            presented(&headers("bearer abc"), Scheme::Bearer),
            Presented::Value("abc")
        );
        assert_eq!(
            presented(&headers("Bearer"), Scheme::Bearer),
            Presented::Malformed
        );
        // Extra spaces before the token are tolerated; anything after it is
        // part of the token, which then fails verification.
        assert_eq!(
            presented(&headers("Bearer  abc "), Scheme::Bearer),
            Presented::Value("abc ")
        );
        assert_eq!(
            presented(&headers("Bearer "), Scheme::Bearer),
            Presented::Malformed
        );
        assert_eq!(
            presented(&headers("Bearerabc"), Scheme::Bearer),
            Presented::Absent
        );
        assert_eq!(
            presented(&headers("Basic abc"), Scheme::Bearer),
            Presented::Absent
        );
        assert_eq!(
            presented(&HeaderMap::new(), Scheme::Bearer),
            Presented::Absent
        );
        let mut twice = headers("Bearer abc");
        twice.append(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(presented(&twice, Scheme::Bearer), Presented::Malformed);
        assert_eq!(presented(&twice, Scheme::Basic), Presented::Malformed);
    }
}
