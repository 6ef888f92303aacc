//! The steps behind `#[validate(sanitize(...))]`: they rewrite a value in place before
//! the rules check it.

#[cfg(feature = "html")]
use std::borrow::Cow;

#[cfg(not(feature = "html"))]
use super::feature_gate::HtmlFeatureOff;

/// A value whose text `#[validate(sanitize(...))]` can rewrite: a `String`, or an
/// `Option` or `Vec` of them (each present item is rewritten).
#[diagnostic::on_unimplemented(
    message = "`sanitize(...)` cannot rewrite `{Self}`",
    label = "not a string field",
    note = "sanitizers apply to `String`, `Option<String>` and `Vec<String>` fields"
)]
pub trait Sanitize {
    /// Calls `rewrite` on every string the value holds.
    fn rewrite_text(&mut self, rewrite: &mut impl FnMut(&mut String));
}

impl Sanitize for String {
    fn rewrite_text(&mut self, rewrite: &mut impl FnMut(&mut String)) {
        rewrite(self);
    }
}

impl<T: Sanitize> Sanitize for Option<T> {
    fn rewrite_text(&mut self, rewrite: &mut impl FnMut(&mut String)) {
        if let Some(value) = self {
            value.rewrite_text(rewrite);
        }
    }
}

impl<T: Sanitize> Sanitize for Vec<T> {
    fn rewrite_text(&mut self, rewrite: &mut impl FnMut(&mut String)) {
        for item in self {
            item.rewrite_text(rewrite);
        }
    }
}

impl<T: Sanitize + ?Sized> Sanitize for Box<T> {
    fn rewrite_text(&mut self, rewrite: &mut impl FnMut(&mut String)) {
        T::rewrite_text(self, rewrite);
    }
}

/// `trim`: removes leading and trailing whitespace, without reallocating.
///
/// ```
/// let mut name = String::from("  Ada \n");
/// portcullis::validation::sanitize::trim(&mut name);
/// assert_eq!(name, "Ada");
/// ```
pub fn trim<T: Sanitize + ?Sized>(value: &mut T) {
    value.rewrite_text(&mut |text: &mut String| {
        let end = text.trim_end().len();
        text.truncate(end);
        let start = text.len() - text.trim_start().len();
        if start > 0 {
            text.drain(..start);
        }
    });
}

/// `lowercase`: lowercases every character (Unicode rules).
///
/// ```
/// let mut email = String::from("Ada@Example.COM");
/// portcullis::validation::sanitize::lowercase(&mut email);
/// assert_eq!(email, "ada@example.com");
/// ```
pub fn lowercase<T: Sanitize + ?Sized>(value: &mut T) {
    value.rewrite_text(&mut |text: &mut String| {
        if text.is_ascii() {
            text.make_ascii_lowercase();
        } else if text.chars().any(char::is_uppercase) {
            *text = text.to_lowercase();
        }
    });
}

/// `html`: keeps safe formatting markup and removes the rest, with
/// [ammonia](https://docs.rs/ammonia)'s default allow-list: no `<script>` or
/// `<style>`, no event-handler attributes, no `javascript:` URLs; tags such
/// as `<b>`, `<i>`, `<p>` and `<a href>` (given `rel="noopener noreferrer"`)
/// are kept.
///
/// ```
/// let mut text = String::from(r#"<b>hi</b><script>alert(1)</script><img src=x onerror=alert(1)>"#);
/// portcullis::validation::sanitize::html(&mut text);
/// assert_eq!(text, r#"<b>hi</b><img src="x">"#);
/// ```
#[cfg(feature = "html")]
pub fn html<T: Sanitize + ?Sized>(value: &mut T) {
    value.rewrite_text(&mut |text: &mut String| {
        let clean = ammonia::clean(text);
        if clean != *text {
            *text = clean;
        }
    });
}

/// `html` on a borrowed string, for code that sanitizes outside a derive.
///
/// ```
/// use portcullis::validation::sanitize::clean_html;
///
/// assert_eq!(clean_html(r#"<a href="javascript:alert(1)">x</a>"#), r#"<a rel="noopener noreferrer">x</a>"#);
/// ```
#[cfg(feature = "html")]
pub fn clean_html(text: &str) -> Cow<'_, str> {
    let clean = ammonia::clean(text);
    if clean == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(clean)
    }
}

/// Without the `html` feature: a compile error naming the feature (the bound
/// is implemented by nothing), so no text is ever left unsanitized.
#[cfg(not(feature = "html"))]
pub fn html<T: Sanitize + HtmlFeatureOff + ?Sized>(value: &mut T) {
    let _ = value;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn trim_handles_every_shape() {
        let mut plain = String::from(" \t a b \n");
        trim(&mut plain);
        assert_eq!(plain, "a b");
        let mut blank = String::from("   ");
        trim(&mut blank);
        assert_eq!(blank, "");
        let mut unicode = String::from("\u{3000}日本\u{3000}");
        trim(&mut unicode);
        assert_eq!(unicode, "日本");
        let mut optional = Some(String::from(" x "));
        trim(&mut optional);
        assert_eq!(optional.as_deref(), Some("x"));
        let mut none: Option<String> = None;
        trim(&mut none);
        assert_eq!(none, None);
        let mut list = vec![String::from(" a"), String::from("b ")];
        trim(&mut list);
        assert_eq!(list, ["a", "b"]);
    }

    #[test]
    fn lowercase_handles_unicode() {
        let mut ascii = String::from("ABC def");
        lowercase(&mut ascii);
        assert_eq!(ascii, "abc def");
        let mut greek = String::from("ΣΟΦΊΑ");
        lowercase(&mut greek);
        assert_eq!(greek, "σοφία");
        let mut german = String::from("STRASSE Ä");
        lowercase(&mut german);
        assert_eq!(german, "strasse ä");
    }

    #[cfg(feature = "html")]
    #[test]
    fn html_removes_scripts_handlers_and_javascript_urls() {
        let mut text = String::from(
            r#"<p onclick="steal()">Hello <b>world</b></p><script>alert(1)</script><a href="javascript:alert(1)">x</a><i>ok</i>"#,
        );
        html(&mut text);
        assert!(!text.contains("script"), "{text}");
        assert!(!text.contains("onclick"), "{text}");
        assert!(!text.contains("javascript:"), "{text}");
        assert!(text.contains("<b>world</b>"), "{text}");
        assert!(text.contains("<i>ok</i>"), "{text}");
        assert!(text.contains("<p>"), "{text}");
    }

    #[cfg(feature = "html")]
    #[test]
    fn html_leaves_plain_text_alone() {
        assert!(matches!(
            clean_html("just text"),
            Cow::Borrowed("just text")
        ));
        let mut text = String::from("5 < 6 & 7 > 3");
        html(&mut text);
        assert_eq!(text, "5 &lt; 6 &amp; 7 &gt; 3");
    }
}
