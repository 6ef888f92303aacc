//! Session cookie attributes: `HttpOnly`, `Secure`, `SameSite=Strict`, `Path=/`.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::time::Duration;

use http::HeaderValue;

/// The `SameSite` attribute of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on same-site requests only (the default).
    Strict,
    /// Also sent on top-level navigations from other sites.
    Lax,
}

/// The attributes of a session cookie, and the `Set-Cookie` values that
/// carry them.
///
/// [`CookiePolicy::session`] gives the contract's attributes. A cookie
/// without `Secure` ([`CookiePolicy::insecure`]) is refused by
/// [`crate::hardening::Hardening::build`] unless development mode is on.
///
/// ```
/// use portcullis::hardening::CookiePolicy;
///
/// let policy = CookiePolicy::session("__Host-session");
/// let header = policy.set_cookie("opaque-id").unwrap();
/// assert_eq!(header, "__Host-session=opaque-id; Path=/; HttpOnly; Secure; SameSite=Strict");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct CookiePolicy {
    name: Cow<'static, str>,
    secure: bool,
    same_site: SameSite,
    max_age: Option<Duration>,
}

impl CookiePolicy {
    /// A session cookie called `name`: `Path=/; HttpOnly; Secure; SameSite=Strict`.
    pub fn session(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            secure: true,
            same_site: SameSite::Strict,
            max_age: None,
        }
    }

    /// Drops `Secure`, for a local plain-HTTP run only.
    pub fn insecure(mut self) -> Self {
        self.secure = false;
        self
    }

    /// Sets `SameSite`.
    pub fn same_site(mut self, same_site: impl Into<SameSite>) -> Self {
        self.same_site = same_site.into();
        self
    }

    /// Sets `Max-Age` (a session cookie otherwise).
    pub fn max_age(mut self, max_age: impl Into<Duration>) -> Self {
        self.max_age = Some(max_age.into());
        self
    }

    /// Whether the cookie carries `Secure`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `Set-Cookie` value that stores `value`; `None` when the name or
    /// value holds characters a cookie cannot carry (RFC 6265 section 4.1.1).
    pub fn set_cookie(&self, value: &str) -> Option<HeaderValue> {
        self.render(value, self.max_age)
    }

    /// The `Set-Cookie` value that removes the cookie.
    pub fn clear_cookie(&self) -> Option<HeaderValue> {
        self.render("", Some(Duration::ZERO))
    }

    fn render(&self, value: &str, max_age: Option<Duration>) -> Option<HeaderValue> {
        let token = |text: &str| {
            !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
        };
        let cookie_octets = |text: &str| {
            text.bytes()
                .all(|b| b.is_ascii_graphic() && !b"\",;\\".contains(&b))
        };
        if !token(&self.name) || !cookie_octets(value) {
            return None;
        }
        let mut header = format!("{}={value}; Path=/", self.name);
        if let Some(max_age) = max_age {
            let _ = write!(header, "; Max-Age={}", max_age.as_secs());
        }
        header.push_str("; HttpOnly");
        if self.secure {
            header.push_str("; Secure");
        }
        header.push_str(match self.same_site {
            SameSite::Strict => "; SameSite=Strict",
            SameSite::Lax => "; SameSite=Lax",
        });
        HeaderValue::try_from(header).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_that_break_the_header_are_refused() {
        let policy = CookiePolicy::session("sid");
        assert!(policy.set_cookie("a;b").is_none());
        assert!(policy.set_cookie("a b").is_none());
        assert!(CookiePolicy::session("s id").set_cookie("x").is_none());
        assert_eq!(
            policy.clear_cookie().unwrap(),
            "sid=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
        );
    }
}
