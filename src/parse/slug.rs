//! Slugs: titles and tag names → URL path segments that cannot leave the output folder.

pub const MAX_SLUG_BYTES: usize = 200;

/// An explicit `slug:` must already be a safe segment: lowercase ASCII letters,
/// digits and single hyphens. Anything else (`..`, `a/b`, `%2e`) is refused, not repaired,
/// because a published slug is a promise about a URL.
pub fn validate(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("`slug` is empty".into());
    }
    if slug.len() > MAX_SLUG_BYTES {
        return Err(format!(
            "`slug` is {} bytes, over the {MAX_SLUG_BYTES} byte limit",
            slug.len()
        ));
    }
    let ok_chars = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok_chars || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(format!(
            "`slug` `{slug}` may hold only lowercase letters a-z, digits and single hyphens (suggestion: `{}`)",
            slugify(slug)
        ));
    }
    Ok(())
}

/// Transliterates to ASCII (so NFC and NFD spellings, `Foo` and `foo`, meet on one slug)
/// and cuts long results at a hyphen.
pub fn slugify(text: &str) -> String {
    let s = slug::slugify(text);
    if s.len() <= 80 {
        return s;
    }
    let cut = s[..80].rfind('-').unwrap_or(80);
    s[..cut].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_every_escape() {
        for bad in [
            "../../x", "/abs", "a/b", ".", "..", "", "%2e%2e", "A", "a b", "-a", "a--b",
        ] {
            assert!(validate(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate(&"a".repeat(201)).is_err());
        assert!(validate("banjir-rob-2024").is_ok());
    }

    #[test]
    fn normalisation_forms_meet() {
        assert_eq!(slugify("Caf\u{e9} Foo"), slugify("Cafe\u{301} foo"));
        assert_eq!(slugify("Banjir Rob: Jakarta!"), "banjir-rob-jakarta");
    }
}
