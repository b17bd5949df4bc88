//! Highlight: fenced code (text + language) → HTML spans with `hl-` CSS classes, and the theme CSS.

use std::sync::LazyLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// The language token of a fence info string, reduced to characters that are safe
/// in a class name (the info string is article text, so it is untrusted).
pub fn language(info: &str) -> String {
    info.split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '-' | '_'))
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `<pre><code>` for one block; unknown languages are escaped plain text.
pub fn highlight(code: &str, lang: &str) -> String {
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{lang}\"")
    };
    let syntax = (!lang.is_empty())
        .then(|| SYNTAXES.find_syntax_by_token(lang))
        .flatten();
    let inner = syntax.and_then(|syntax| {
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        Some(generator.finalize())
    });
    let inner = inner.unwrap_or_else(|| super::escape_html(code));
    format!("<pre class=\"code\"><code{class}>{inner}</code></pre>\n")
}

/// Light theme CSS, then the dark theme inside a `prefers-color-scheme` query.
pub fn theme_css() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
            .unwrap_or_default()
    };
    format!(
        "{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css("InspiredGitHub"),
        css("base16-ocean.dark")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_string_cannot_inject() {
        assert_eq!(
            language("\"><script>alert(1)</script>"),
            "scriptalert1script"
        );
        assert_eq!(language("rust,ignore"), "rust");
    }

    #[test]
    fn known_language_gets_classes() {
        let html = highlight("fn main() {}\n", "rust");
        assert!(html.contains("hl-"), "{html}");
        let plain = highlight("<b>\n", "nosuchlang");
        assert!(plain.contains("&lt;b&gt;"));
    }
}
