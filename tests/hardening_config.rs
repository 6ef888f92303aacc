//! Insecure configurations are refused when the application is built, as an
//! error value whose message says what to change; none of them panics.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::Duration;

use portcullis::ConfigError;
use portcullis::hardening::{
    CookiePolicy, CorsPolicy, ForwardedHeaders, Hardening, HttpsRedirect, JsonLogs,
    SecurityHeaders, TlsConfig,
};
use portcullis::jwt::{Algorithm, JwtVerifier, VerificationKey};

/// Each refusal with a phrase of the advice its message must give.
fn refusals() -> Vec<(&'static str, ConfigError, &'static str)> {
    let no_proxy: [IpAddr; 0] = [];
    let ec_pem = rcgen::KeyPair::generate().unwrap().public_key_pem();
    let mixed = JwtVerifier::builder()
        .key(
            VerificationKey::hmac(Algorithm::HS256, &[7; 32])
                .unwrap()
                .with_kid("h"),
        )
        .key(
            VerificationKey::ec_pem(Algorithm::ES256, ec_pem.as_bytes())
                .unwrap()
                .with_kid("e"),
        )
        .build();
    vec![
        (
            "credentialed CORS with a wildcard",
            Hardening::new()
                .cors(CorsPolicy::any_origin().allow_credentials())
                .build()
                .unwrap_err(),
            "list the allowed origins",
        ),
        (
            "a malformed origin",
            Hardening::new()
                .cors(CorsPolicy::allow_origins(["example.com"]))
                .build()
                .unwrap_err(),
            "https://example.com",
        ),
        (
            "the null origin",
            Hardening::new()
                .cors(CorsPolicy::allow_origins(["null"]))
                .build()
                .unwrap_err(),
            "remove it",
        ),
        (
            "a cookie without Secure in production",
            Hardening::new()
                .session_cookie(CookiePolicy::session("sid").insecure())
                .build()
                .unwrap_err(),
            "development_mode",
        ),
        (
            "forwarded headers with no proxy",
            portcullis::Security::builder()
                .forwarded_headers(ForwardedHeaders::trust_from(no_proxy))
                .build()
                .unwrap_err(),
            "list the proxy addresses",
        ),
        (
            "an X-XSS-Protection filter switched on",
            Hardening::new()
                .security_headers(
                    SecurityHeaders::recommended().header("x-xss-protection", "1; mode=block"),
                )
                .build()
                .unwrap_err(),
            "may only be `0`",
        ),
        (
            "a zero timeout",
            Hardening::new()
                .timeout(Duration::ZERO)
                .build()
                .unwrap_err(),
            "positive duration",
        ),
        (
            "an HMAC secret under 32 bytes",
            ConfigError::from(
                VerificationKey::hmac(Algorithm::HS256, b"short-secret").unwrap_err(),
            ),
            "32",
        ),
        (
            "HMAC and asymmetric keys in one set",
            mixed.unwrap_err(),
            "Use one family",
        ),
        (
            "a redirect without hosts",
            HttpsRedirect::to_hosts([""; 0]).build().unwrap_err(),
            "name each host",
        ),
        (
            "an unreadable certificate",
            TlsConfig::from_pem_files("/nonexistent.pem", "/nonexistent.key").unwrap_err(),
            "cannot read",
        ),
        (
            "a bad log filter",
            JsonLogs::to_writer(std::io::sink())
                .filter("=[")
                .build()
                .unwrap_err(),
            "does not parse",
        ),
    ]
}

#[test]
fn insecure_settings_are_refused_with_advice() {
    for (case, error, advice) in refusals() {
        let message = error.to_string();
        assert!(
            message.contains(advice),
            "{case}: {message:?} should say {advice:?}"
        );
    }
}

#[test]
fn the_same_settings_pass_once_fixed() {
    let proxy: IpAddr = "10.0.0.2".parse().unwrap();
    let security = portcullis::Security::builder()
        .forwarded_headers(ForwardedHeaders::trust_from([proxy]))
        .build()
        .unwrap();
    assert!(security.trusted_proxies().is_trusted(proxy));
    let layer = Hardening::new()
        .security(&security)
        .cors(CorsPolicy::allow_origins(["https://example.com"]).allow_credentials())
        .session_cookie(CookiePolicy::session("__Host-session"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(layer.cookie_policy().unwrap().is_secure());
    // development mode is the explicit way to run without Secure locally
    assert!(
        Hardening::new()
            .session_cookie(CookiePolicy::session("sid").insecure())
            .development_mode()
            .build()
            .is_ok()
    );
}
