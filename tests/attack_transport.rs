//! Attack catalogue, transport of the credential: how the `Authorization`
//! header is written (several of them, odd casing and spacing), where else
//! a token might be slipped in, tokens too large, and tokens that are not
//! base64url.
//!
//! Driven through the showcase router, in process and, for sizes that the
//! HTTP server itself limits, over a real socket on 127.0.0.1.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[path = "../examples/secure_api/app.rs"]
#[allow(dead_code)]
mod app;
mod attack_kit;
mod common;

use attack_kit::*;
use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Answer, now, send};
use http::{Request, StatusCode};
use serde_json::json;

/// The showcase's bearer routes: any token, role `admin`, scope `items:read`.
const SHOWCASE_ROUTES: &[&str] = &["/users/me", "/admin/stats", "/items/1"];
const BASIC_CHALLENGE: &str = "Basic realm=\"secure-api\", charset=\"UTF-8\"";

fn showcase() -> axum::Router {
    app::build(SHOWCASE_SECRET, &["https://example.com".to_owned()]).unwrap()
}

fn basic_value(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// A forged admin token: right shape, signed with a key the server lacks.
fn forged_admin() -> String {
    forge_hs256(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({"sub": "admin", "roles": ["admin"], "scope": "items:read users:delete", "exp": now() + 600})
            .to_string(),
        b"attacker-secret-of-32-bytes-long!",
    )
}

/// A 401 that asks for a bearer token (no `error`: nothing usable was sent).
#[track_caller]
fn assert_no_credentials(answer: &Answer, sent: &str, what: &str) {
    answer.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"), "{what}");
    assert_not_echoed(answer, sent, what);
}

/// RFC 9110 §5.3 and §11.6.2 (`Authorization` is a single field, not a
/// list: two of them make the request ambiguous), RFC 6750 §2.1, RFC 7617
/// §2, OWASP API2:2023 Broken Authentication (a front proxy and the app
/// must not read different credentials).
///
/// Two `Authorization` headers in every order and combination of valid,
/// forged and foreign-scheme credentials, on bearer and Basic routes: the
/// request is refused whichever header a front proxy may have checked.
#[tokio::test]
async fn several_authorization_headers_are_refused() {
    let showcase = showcase();
    let guest = format!("Bearer {}", login(&showcase, "guest", "guest-pass").await);
    let admin = format!("Bearer {}", login(&showcase, "admin", "admin-pass").await);
    let forged = format!("Bearer {}", forged_admin());
    let basic_admin = basic_value("admin", "admin-pass");
    let basic_guest = basic_value("guest", "guest-pass");
    let bearer_pairs = [
        [&guest, &forged],
        [&forged, &guest],
        [&guest, &admin],
        [&admin, &guest],
        [&admin, &admin],
        [&basic_admin, &admin],
        [&admin, &basic_admin],
    ];
    for pair in bearer_pairs {
        let values = [pair[0].as_bytes(), pair[1].as_bytes()];
        for uri in SHOWCASE_ROUTES {
            let answer = send(&showcase, with_authorization("GET", uri, &values)).await;
            assert_invalid_token(&answer, pair[0], &format!("two headers at {uri}"));
            assert_not_echoed(&answer, pair[1], "second header");
        }
    }
    for pair in [
        [&basic_guest, &basic_admin],
        [&basic_admin, &basic_guest],
        [&basic_admin, &basic_admin],
        [&admin, &basic_admin],
        [&basic_admin, &admin],
    ] {
        let values = [pair[0].as_bytes(), pair[1].as_bytes()];
        let answer = send(
            &showcase,
            with_authorization("GET", "/secure-data", &values),
        )
        .await;
        answer.problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
        assert_eq!(answer.header("www-authenticate"), Some(BASIC_CHALLENGE));
    }
    // The controls: each header alone does what it says.
    let answer = send(&showcase, bearer_get("/admin/stats", &admin[7..])).await;
    assert_eq!(answer.status, StatusCode::OK);
    let values = [basic_admin.as_bytes()];
    let answer = send(
        &showcase,
        with_authorization("GET", "/secure-data", &values),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

/// What a header spelling should lead to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    /// The token is read and verified: the request passes.
    Accepted,
    /// The Bearer scheme is recognised but the credentials are unusable.
    InvalidToken,
    /// Not the Bearer scheme at all: asked for a token.
    NoCredentials,
}

/// RFC 9110 §11.1 (the scheme name is case-insensitive) and §11.4
/// (`credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`),
/// RFC 6750 §2.1 (`"Bearer" 1*SP b64token`), §3 and §3.1 (the challenge,
/// with `invalid_token` when a token was sent), OWASP API2:2023.
///
/// A valid token under every casing of the scheme, and under spacing,
/// separators, quoting and lists that the grammar does not allow; then a
/// forged admin token under every spelling, which must never pass.
#[tokio::test]
async fn odd_casing_and_spacing_of_the_scheme_never_bypass_verification() {
    use Outcome::*;
    let showcase = showcase();
    let token = login(&showcase, "alice", "alice-pass").await;
    let spellings: Vec<(String, Outcome)> = vec![
        (format!("Bearer {token}"), Accepted),
        (format!("bearer {token}"), Accepted),
        (format!("BEARER {token}"), Accepted),
        (format!("bEaReR {token}"), Accepted),
        // `1*SP`: several spaces are allowed.
        (format!("Bearer  {token}"), Accepted),
        (format!("Bearer     {token}"), Accepted),
        (format!("Bearer {token} "), InvalidToken),
        (format!("Bearer {token}\t"), InvalidToken),
        (format!("Bearer {token}, Bearer {token}"), InvalidToken),
        (format!("Bearer {token},"), InvalidToken),
        (format!("Bearer {token} {token}"), InvalidToken),
        (format!("Bearer \"{token}\""), InvalidToken),
        (format!("Bearer token={token}"), InvalidToken),
        (
            format!("Bearer {}", token.replace('.', "%2E")),
            InvalidToken,
        ),
        ("Bearer".to_owned(), InvalidToken),
        ("Bearer ".to_owned(), InvalidToken),
        ("Bearer    ".to_owned(), InvalidToken),
        // Not `Bearer` followed by a space: another (unknown) scheme or none.
        (format!("Bearer\t{token}"), NoCredentials),
        (format!(" Bearer {token}"), NoCredentials),
        (format!("\tBearer {token}"), NoCredentials),
        (format!("Bearer:{token}"), NoCredentials),
        (format!("Bearer={token}"), NoCredentials),
        (format!("Bearer,{token}"), NoCredentials),
        (format!("Bearer{token}"), NoCredentials),
        (format!("Bearer-{token}"), NoCredentials),
        (format!("Bearers {token}"), NoCredentials),
        (format!("Bear {token}"), NoCredentials),
        (format!("Token {token}"), NoCredentials),
        (format!("JWT {token}"), NoCredentials),
        (format!("OAuth {token}"), NoCredentials),
        (format!("Basic {token}"), NoCredentials),
        (token.clone(), NoCredentials),
        (String::new(), NoCredentials),
    ];
    for (value, outcome) in &spellings {
        let answer = send(
            &showcase,
            with_authorization("GET", "/users/me", &[value.as_bytes()]),
        )
        .await;
        let what = format!("{value:?}");
        match outcome {
            Accepted => assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.text),
            InvalidToken => assert_invalid_token(&answer, value, &what),
            NoCredentials => assert_no_credentials(&answer, value, &what),
        }
    }
    let forged = forged_admin();
    for (value, _) in &spellings {
        let value = value.replace(&token, &forged);
        for uri in SHOWCASE_ROUTES {
            let answer = send(
                &showcase,
                with_authorization("GET", uri, &[value.as_bytes()]),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{value:?} at {uri}"
            );
            assert!(
                answer
                    .header("www-authenticate")
                    .is_some_and(|challenge| challenge.starts_with("Bearer")),
                "{value:?}"
            );
            assert_not_echoed(&answer, &forged, &value);
        }
    }
}

/// RFC 6750 §2.3 and §5.3 (tokens in URLs leak into logs and histories;
/// servers should not accept them), RFC 9700 §4.3.2, OWASP API2:2023.
///
/// A valid token offered everywhere but the `Authorization` header: query
/// parameters, a cookie, invented headers, a form body. The showcase reads
/// only the header, so each request is asked for credentials.
#[tokio::test]
async fn tokens_outside_the_authorization_header_are_ignored() {
    let showcase = showcase();
    let token = login(&showcase, "admin", "admin-pass").await;
    let mut requests: Vec<Request<Body>> = ["access_token", "token", "jwt", "bearer"]
        .iter()
        .map(|name| {
            common::request(&format!("/admin/stats?{name}={token}"))
                .body(Body::empty())
                .unwrap()
        })
        .collect();
    for (name, value) in [
        ("cookie", format!("access_token={token}")),
        ("cookie", format!("token={token}; session={token}")),
        ("x-access-token", token.clone()),
        ("x-auth-token", token.clone()),
        ("x-authorization", format!("Bearer {token}")),
        ("proxy-authorization", format!("Bearer {token}")),
        ("authorization-bearer", token.clone()),
    ] {
        requests.push(
            common::request("/admin/stats")
                .header(name, value)
                .body(Body::empty())
                .unwrap(),
        );
    }
    requests.push(
        Request::builder()
            .method("POST")
            .uri("/comments")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("access_token={token}&text=hi")))
            .unwrap(),
    );
    for request in requests {
        let what = format!("{} {}", request.method(), request.uri().path());
        let answer = send(&showcase, request).await;
        assert_no_credentials(&answer, &token, &what);
    }
}

/// OWASP API4:2023 Unrestricted Resource Consumption, RFC 6750 §3.1
/// (`invalid_token` for a malformed token), RFC 9110 §15.5.14 and RFC 6585
/// §5 (413 / 431 for requests too large).
///
/// Tokens of 8 KiB, 64 KiB and 1 MiB, the bulk in the header, the payload,
/// the signature, without dots, or made of dots only, in process (a 401
/// `invalid_token` each, never a 500) and over a socket, where the HTTP
/// server may refuse the header section first (431) but never fails.
#[tokio::test]
async fn oversized_tokens_are_refused_without_a_server_error() {
    let showcase = showcase();
    let genuine = login(&showcase, "guest", "guest-pass").await;
    let (header, rest) = genuine.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let mut tokens = Vec::new();
    for size in [8 * 1024, 64 * 1024, 1024 * 1024] {
        let filler = "A".repeat(size);
        let mut claims = decoded(&genuine, 1);
        claims["pad"] = json!(filler);
        let padded = b64(claims.to_string());
        let big_header = b64(json!({"alg": "HS256", "pad": filler}).to_string());
        tokens.push((size, format!("{header}.{padded}.{signature}")));
        tokens.push((size, format!("{big_header}.{payload}.{signature}")));
        tokens.push((size, format!("{header}.{payload}.{}", &filler)));
        tokens.push((size, filler.clone()));
        tokens.push((size, ".".repeat(size)));
        tokens.push((
            size,
            format!("{header}.{payload}.{signature}{}", ".x".repeat(size / 2)),
        ));
    }
    for (size, token) in &tokens {
        for uri in SHOWCASE_ROUTES {
            let answer = send(&showcase, bearer_get(uri, token)).await;
            assert_invalid_token(&answer, token, &format!("{size} bytes at {uri}"));
        }
    }

    // Over a socket: hyper caps the header section (about 400 KiB) itself.
    let address = common::serve(showcase.clone()).await;
    let client = reqwest::Client::new();
    for (size, token) in tokens.iter().step_by(3) {
        let answer = client
            .get(format!("http://{address}/admin/stats"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        assert!(
            matches!(status, 401 | 413 | 431),
            "{size} bytes over a socket: {status}"
        );
        let text = answer.text().await.unwrap();
        assert!(!text.contains(token.as_str()), "{size} bytes: echoed");
    }
    let answer = client
        .get(format!("http://{address}/users/me"))
        .header("authorization", format!("Bearer {genuine}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200, "the server still serves");
}

/// RFC 7515 §2 and §7.1 (each part is base64url without padding, and
/// nothing else), RFC 4648 §3.5 (canonical encoding: non-zero pad bits
/// make a different string for the same bytes, a signature malleability),
/// RFC 8725 §3.7, OWASP API2:2023.
///
/// A genuine token re-encoded with the standard alphabet, with `=`
/// padding, with whitespace, `%`-escapes or other bytes inside a part,
/// with non-ASCII and non-UTF-8 bytes, and with the signature's unused
/// trailing bits flipped. Every variant is refused; the original passes.
#[tokio::test]
async fn non_base64url_segments_are_refused() {
    let showcase = showcase();
    let genuine = login(&showcase, "guest", "guest-pass").await;
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut variants: Vec<Vec<u8>> = Vec::new();
    for (index, &part) in parts.iter().enumerate() {
        let raw = URL_SAFE_NO_PAD.decode(part).unwrap();
        let replaced = |new: String| {
            let mut pieces: Vec<String> = parts.iter().map(|&piece| piece.to_owned()).collect();
            pieces[index] = new;
            pieces.join(".").into_bytes()
        };
        let middle = part.len() / 2;
        variants.push(replaced(STANDARD.encode(&raw)));
        variants.push(replaced(format!("{part}=")));
        variants.push(replaced(format!("{part}==")));
        for insert in [" ", "\t", "%20", "+", "/", "=", "*", "!", "~", "%", "é"] {
            variants.push(replaced(format!(
                "{}{insert}{}",
                &part[..middle],
                &part[middle..]
            )));
        }
        if index > 0 {
            // (Before the first part a space is only more `1*SP`.)
            variants.push(replaced(format!(" {part}")));
        }
        variants.push(replaced(String::new()));
        // Obsolete non-UTF-8 header bytes inside the part.
        let mut bytes = replaced(part.to_owned());
        let at = bytes.len() - 2;
        bytes.insert(at, 0xff);
        variants.push(bytes);
    }
    // Flip the last character's unused low bits: the same signature bytes
    // for a lenient decoder, a different token for a strict one.
    let signature = parts[2];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = signature.as_bytes()[signature.len() - 1];
    let position = alphabet.iter().position(|&c| c == last).unwrap();
    let unused_bits = (6 - (URL_SAFE_NO_PAD.decode(signature).unwrap().len() * 8) % 6) % 6;
    assert!(unused_bits > 0, "an HS256 signature leaves unused bits");
    for flip in 1..(1 << unused_bits) {
        let mut malleable = genuine.clone().into_bytes();
        let len = malleable.len();
        malleable[len - 1] = alphabet[position ^ flip];
        variants.push(malleable);
    }
    for variant in &variants {
        if variant == genuine.as_bytes() {
            continue; // the standard alphabet may spell this part the same
        }
        let mut value = b"Bearer ".to_vec();
        value.extend_from_slice(variant);
        if http::HeaderValue::from_bytes(&value).is_err() {
            continue;
        }
        let what = String::from_utf8_lossy(variant).into_owned();
        for uri in SHOWCASE_ROUTES {
            let answer = send(
                &showcase,
                with_authorization("GET", uri, &[value.as_slice()]),
            )
            .await;
            assert_invalid_token(&answer, &what, &what);
        }
    }
    let answer = send(&showcase, bearer_get("/users/me", &genuine)).await;
    assert_eq!(answer.status, StatusCode::OK, "control");
}
