//! Sanitize: rendered article HTML (untrusted: scraped) → HTML with only safe tags, attributes and URLs.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["figure", "figcaption", "input", "section", "mark"])
        // `svg`, `math`, `iframe`, `style` stay out: each has carried XSS past sanitisers.
        .add_generic_attributes(["class", "id", "dir"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        // A code block scrolls sideways: focusable, a keyboard can scroll it.
        .add_tag_attributes("pre", ["tabindex"])
        .attribute_filter(|element, attribute, value| {
            if element == "input" && attribute == "type" && value != "checkbox" {
                return None;
            }
            if attribute == "tabindex" && value != "0" {
                return None;
            }
            Some(Cow::Borrowed(value))
        })
        .clean_content_tags(HashSet::from(["script", "style", "template", "noscript"]));
    b
});

pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_active_content() {
        let dirty = r#"<p onclick="x()">a<script>alert(1)</script><img src=x onerror=alert(1)>
            <a href="javascript:alert(1)">j</a><iframe src="//e"></iframe><style>p{}</style>
            <svg><set attributeName="href" to="javascript:alert(1)"/></svg><math></math>
            <form><input type="text"></form><base href="//e"><meta http-equiv="refresh"></p>"#;
        let out = clean(dirty);
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "javascript:",
            "<iframe",
            "<style",
            "<svg",
            "<math",
            "<form",
            "<base",
            "<meta",
            "type=\"text\"",
        ] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
    }
}
