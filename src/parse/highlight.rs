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
    // Focusable, so that a keyboard can scroll a long line into view.
    format!("<pre class=\"code\" tabindex=\"0\"><code{class}>{inner}</code></pre>\n")
}

/// The background code blocks sit on (the theme's `--card`), light and dark.
const LIGHT_BACKGROUND: [u8; 3] = [0xff, 0xff, 0xff];
const DARK_BACKGROUND: [u8; 3] = [0x1d, 0x1c, 0x1a];
/// WCAG AA for normal text: syntect's bundled themes fall short of it in places
/// (InspiredGitHub's constants are 4.1:1 on white).
const MIN_CONTRAST: f64 = 4.5;

/// The light theme, then the dark one, each in a media query of its own: a rule of
/// one theme that the other lacks must not leak into it.
pub fn theme_css() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str, background: [u8; 3]| {
        themes
            .themes
            .get(name)
            .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
            .map(|css| readable(&css, background))
            .unwrap_or_default()
    };
    format!(
        "@media not all and (prefers-color-scheme: dark) {{\n{}\n}}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css("InspiredGitHub", LIGHT_BACKGROUND),
        css("base16-ocean.dark", DARK_BACKGROUND)
    )
}

/// Every `color: #rrggbb` of a theme's CSS moved towards black (on a light background)
/// or white (on a dark one) until it reaches `MIN_CONTRAST` against `background`.
fn readable(css: &str, background: [u8; 3]) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(at) = rest.find(" color: #") {
        let (head, tail) = rest.split_at(at + " color: #".len());
        out.push_str(head);
        let hex = tail.get(..6).and_then(|h| {
            let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
            Some([byte(0)?, byte(2)?, byte(4)?])
        });
        match hex {
            Some(rgb) => {
                let [r, g, b] = contrasting(rgb, background);
                out.push_str(&format!("{r:02x}{g:02x}{b:02x}"));
                rest = &tail[6..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn contrasting(mut rgb: [u8; 3], background: [u8; 3]) -> [u8; 3] {
    let target: i16 = if luminance(background) > 0.5 { 0 } else { 255 };
    while contrast(rgb, background) < MIN_CONTRAST {
        // An eighth of the way each step, at least one unit: ends at black or white,
        // which always pass.
        rgb = rgb.map(|c| {
            let c = i16::from(c);
            let step = (target - c) / 8;
            let step = if step == 0 {
                (target - c).signum()
            } else {
                step
            };
            u8::try_from(c + step).unwrap_or(c as u8)
        });
    }
    rgb
}

fn luminance(rgb: [u8; 3]) -> f64 {
    let [r, g, b] = rgb.map(|c| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_colour_of_both_themes_is_readable_on_its_background() {
        let css = theme_css();
        let (light, dark) = css
            .split_once("\n@media (prefers-color-scheme: dark) {\n")
            .expect("two themes");
        for (theme, background) in [(light, LIGHT_BACKGROUND), (dark, DARK_BACKGROUND)] {
            let colours: Vec<&str> = theme.split(" color: #").skip(1).map(|c| &c[..6]).collect();
            assert!(colours.len() > 10, "{theme}");
            for hex in colours {
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex");
                let ratio = contrast([byte(0), byte(2), byte(4)], background);
                assert!(ratio >= MIN_CONTRAST, "#{hex}: {ratio:.2}");
            }
        }
        // InspiredGitHub's constant colour was 4.1:1 on white.
        assert!(!css.contains("#0086b3"));
    }

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
