//! CSRF proof for requests a cookie authenticated: the contract's rule,
//! decided in the route's wrapper once the caller is known.
//!
//! A browser attaches cookies by itself, so a cookie proves nothing about
//! which page sent the request. Wherever a cookie authenticated an unsafe
//! request (a session, or a bearer token read from a cookie), the request
//! must also show it came from a trusted page:
//!
//! - `Sec-Fetch-Site: cross-site` or `same-site` is refused;
//! - an `Origin` that is `null` or not a trusted origin is refused;
//! - with either header present and neither refused, the request passes;
//! - with neither header, it must carry `X-CSRF-Token` equal to the
//!   session's CSRF token (compared in constant time). A bearer token read
//!   from a cookie has no such token, so such a request is refused.
//!
//! Safe methods (`GET`, `HEAD`, `OPTIONS`, `TRACE`) pass, except WebSocket
//! upgrades: a browser sends `Origin` on every handshake, so a
//! cookie-authenticated upgrade is refused when `Origin` or
//! `Sec-Fetch-Site` says cross-site (cross-site WebSocket hijacking).
//! Requests authenticated by an `Authorization` header are never affected.
//! A refusal is 403 with `code` `csrf_failed`.

use http::request::Parts;
use http::{HeaderMap, HeaderName, Method};

use crate::audit::{self, Outcome};
use crate::auth::header::is_websocket_upgrade;
use crate::policy::{PolicyInfo, Scheme};
use crate::principal::Principal;
use crate::rejection::AuthRejection;
use crate::security::Security;

/// The header carrying the session's CSRF token.
pub(crate) const CSRF_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// What `Origin` and `Sec-Fetch-Site` say about where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// Cross-site, a `null` or untrusted origin, or unreadable headers; the
    /// short reason goes to the audit log.
    Refused(&'static str),
    /// A trusted page (or the user, `Sec-Fetch-Site: none`).
    Trusted,
    /// Neither header: not a current browser, or one that stripped them.
    Unknown,
}

/// The header rule over `headers`, with `trusted` the allowed origins.
pub(crate) fn provenance(headers: &HeaderMap, trusted: &[String]) -> Provenance {
    let mut seen = false;
    match single(headers, &SEC_FETCH_SITE) {
        Err(()) => return Provenance::Refused("sec_fetch_site_malformed"),
        Ok(Some("cross-site" | "same-site")) => return Provenance::Refused("cross_site"),
        Ok(Some("same-origin" | "none")) => seen = true,
        Ok(Some(_)) => return Provenance::Refused("sec_fetch_site_unknown"),
        Ok(None) => {}
    }
    match single(headers, &http::header::ORIGIN) {
        Err(()) => return Provenance::Refused("origin_malformed"),
        Ok(Some("null")) => return Provenance::Refused("null_origin"),
        Ok(Some(origin)) if !trusted.iter().any(|allowed| allowed == origin) => {
            return Provenance::Refused("untrusted_origin");
        }
        Ok(Some(_)) => seen = true,
        Ok(None) => {}
    }
    if seen {
        Provenance::Trusted
    } else {
        Provenance::Unknown
    }
}

/// The one value of header `name`; several, or one that is not text, is an error.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Result<Option<&'a str>, ()> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(());
    }
    first
        .to_str()
        .map(|value| Some(value.trim()))
        .map_err(|_| ())
}

/// Refuses a cookie-authenticated request without CSRF proof, recording
/// the refusal; the hook [`crate::authorization`] runs after authentication.
pub(crate) fn verify(
    security: &Security,
    policy: &PolicyInfo,
    parts: &Parts,
    principal: &Principal,
) -> Result<(), AuthRejection> {
    // what `decide` lets through whoever sent it, before the costlier
    // look at where the credential came from
    if is_safe(&parts.method) && !is_websocket_upgrade(parts) {
        return Ok(());
    }
    let cookie_borne = match principal.scheme() {
        Scheme::Session => true,
        Scheme::Bearer => security.authenticators().bearer_from_cookie(parts),
        Scheme::Basic => false,
    };
    if !cookie_borne {
        return Ok(());
    }
    match decide(parts, principal.csrf_token(), security.trusted_origins()) {
        Ok(()) => Ok(()),
        Err(reason) => {
            audit::decision(Some(principal.subject()), policy, Outcome::Deny, reason)
                .map_err(|refused| refused.rejection(security.responder()))?;
            Err(AuthRejection::csrf_failed(security.responder().clone()))
        }
    }
}

/// The rule for a cookie-authenticated request whose session holds `token`.
fn decide(parts: &Parts, token: Option<&str>, trusted: &[String]) -> Result<(), &'static str> {
    let websocket = is_websocket_upgrade(parts);
    if !websocket && is_safe(&parts.method) {
        return Ok(());
    }
    match provenance(&parts.headers, trusted) {
        Provenance::Refused(reason) => Err(reason),
        Provenance::Trusted => Ok(()),
        // Browsers always send `Origin` on a WebSocket handshake; a client
        // without it is not a browser page another site controls.
        Provenance::Unknown if websocket => Ok(()),
        Provenance::Unknown => match (single(&parts.headers, &CSRF_TOKEN_HEADER), token) {
            (Ok(Some(sent)), Some(expected)) if same_secret(sent, expected) => Ok(()),
            (Ok(Some(_)), _) => Err("csrf_token_mismatch"),
            _ => Err("csrf_token_missing"),
        },
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Constant-time equality of two secrets (their lengths are not secret).
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Request};

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().method(method).uri("/x");
        for (name, value) in headers {
            request = request.header(*name, HeaderValue::from_str(value).unwrap());
        }
        request.body(()).unwrap().into_parts().0
    }

    const TRUSTED: &[&str] = &["https://app.example"];

    fn run(method: Method, headers: &[(&str, &str)]) -> Result<(), &'static str> {
        let trusted: Vec<String> = TRUSTED.iter().map(|o| (*o).to_owned()).collect();
        decide(&parts(method, headers), Some("tok"), &trusted)
    }

    #[test]
    fn the_contract_rule() {
        assert_eq!(
            run(Method::GET, &[("origin", "https://evil.example")]),
            Ok(())
        );
        assert_eq!(
            run(Method::POST, &[("sec-fetch-site", "cross-site")]),
            Err("cross_site")
        );
        assert_eq!(
            run(Method::POST, &[("sec-fetch-site", "same-site")]),
            Err("cross_site")
        );
        assert_eq!(run(Method::POST, &[("origin", "null")]), Err("null_origin"));
        assert_eq!(
            run(Method::POST, &[("origin", "https://evil.example")]),
            Err("untrusted_origin")
        );
        assert_eq!(
            run(
                Method::POST,
                &[
                    ("sec-fetch-site", "same-origin"),
                    ("origin", "https://evil.example")
                ]
            ),
            Err("untrusted_origin")
        );
        assert_eq!(
            run(Method::POST, &[("origin", "https://app.example")]),
            Ok(())
        );
        assert_eq!(
            run(Method::DELETE, &[("sec-fetch-site", "same-origin")]),
            Ok(())
        );
        assert_eq!(run(Method::POST, &[]), Err("csrf_token_missing"));
        assert_eq!(
            run(Method::POST, &[("x-csrf-token", "nope")]),
            Err("csrf_token_mismatch")
        );
        assert_eq!(run(Method::POST, &[("x-csrf-token", "tok")]), Ok(()));
        assert_eq!(
            run(Method::POST, &[("sec-fetch-site", "weird")]),
            Err("sec_fetch_site_unknown")
        );
    }

    #[test]
    fn websocket_upgrades_check_the_origin() {
        let upgrade = [("upgrade", "websocket"), ("origin", "https://evil.example")];
        assert_eq!(run(Method::GET, &upgrade), Err("untrusted_origin"));
        assert_eq!(
            run(
                Method::GET,
                &[("upgrade", "websocket"), ("origin", "https://app.example")]
            ),
            Ok(())
        );
        assert_eq!(run(Method::GET, &[("upgrade", "websocket")]), Ok(()));
    }

    #[test]
    fn a_bearer_cookie_has_no_token_to_match() {
        let p = parts(Method::POST, &[("x-csrf-token", "")]);
        assert_eq!(decide(&p, None, &[]), Err("csrf_token_mismatch"));
    }
}
