//! Validation of arbitrary JSON against the showcase's request bodies: a
//! body that passes holds to every rule the structs declare.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::Validate;

#[path = "../../examples/secure_api/requests.rs"]
#[allow(dead_code)]
mod requests;

fuzz_target!(|body: &[u8]| {
    if let Ok(mut item) = serde_json::from_slice::<requests::NewItem>(body)
        && item.sanitize_and_validate().is_ok()
    {
        let name = item.name.chars().count();
        assert!((3..=50).contains(&name), "{:?}", item.name);
        assert_eq!(item.name.trim(), item.name);
        assert!(item.email.contains('@'), "{:?}", item.email);
        let tags = item.tags.as_deref().unwrap_or_default();
        assert!(tags.len() <= 10);
        assert!(tags.iter().all(|tag| (1..=30).contains(&tag.chars().count())));
    }
    if let Ok(mut comment) = serde_json::from_slice::<requests::NewComment>(body)
        && comment.sanitize_and_validate().is_ok()
    {
        // Sanitized text escapes `<` outside tags, so every `<` opens a tag
        // the sanitizer kept: none may be a script or carry a handler.
        let text = comment.text.to_ascii_lowercase();
        for tag in text.split('<').skip(1) {
            assert!(!tag.starts_with("script"), "{:?}", comment.text);
            for name in attribute_names(tag) {
                assert!(!name.starts_with("on"), "{:?}", comment.text);
            }
        }
        assert!((1..=2000).contains(&comment.text.chars().count()));
    }
});

/// The attribute names of one tag (the text after its `<`), skipping
/// quoted values, which may hold any text.
fn attribute_names(tag: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = tag.chars().peekable();
    // The tag's own name.
    while chars.next_if(|c| !c.is_whitespace() && *c != '>').is_some() {}
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        match chars.peek() {
            None | Some('>') => return names,
            _ => {}
        }
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !matches!(c, '=' | '>' | '/')) {
            name.push(c);
        }
        names.push(name);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(quote) => while chars.next().is_some_and(|c| c != quote) {},
                None => while chars.next_if(|c| !c.is_whitespace() && *c != '>').is_some() {},
            }
        }
    }
}
