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
            let tag = tag.split('>').next().unwrap_or_default();
            assert!(!tag.starts_with("script"), "{:?}", comment.text);
            assert!(
                !tag.split_whitespace().skip(1).any(|attribute| attribute.starts_with("on")),
                "{:?}",
                comment.text
            );
        }
        assert!((1..=2000).contains(&comment.text.chars().count()));
    }
});
