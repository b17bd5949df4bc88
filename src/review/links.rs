//! Review, link checks: an article's internal links + the paths the build writes →
//! a diagnostic for each link that reaches no page or file, with the likely fix.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::diagnostics::{Diagnostic, Severity};
use crate::parse::Article;

pub(super) struct LinkCheck<'a> {
    pub(super) base_url: &'a str,
    pub(super) base_path: String,
    pub(super) outputs: &'a BTreeSet<String>,
    pub(super) by_slug: &'a HashMap<&'a str, &'a str>,
    pub(super) severity: Severity,
}

impl LinkCheck<'_> {
    pub(super) fn check(&self, a: &Article) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (link, line, col) in &a.links {
            if let Some(d) = self.source_link(a, link) {
                out.push(d.at(*line, *col).with_source(a.source_text.clone()));
                continue;
            }
            let Some(rel) = self.internal(link) else {
                continue;
            };
            if self.resolves(&rel) {
                continue;
            }
            let mut d = Diagnostic {
                severity: self.severity,
                ..Diagnostic::warning(
                    &a.path,
                    format!(
                        "broken internal link `{link}`: the build writes no page or file there"
                    ),
                )
            }
            .at(*line, *col)
            .with_source(a.source_text.clone());
            let last = rel.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            d = match self.by_slug.get(last) {
                Some(url) => d.hint(format!("did you mean `{}{url}`?", self.base_path)),
                None => d.hint(
                    "article URLs are /YYYY/MM/DD/<slug>/ with the date in the site time zone",
                ),
            };
            out.push(d);
        }
        out
    }

    /// A link written to another article's source file (`other.md`, Zola's `@/…`): it
    /// is published as written and breaks, so say which URL the article has.
    fn source_link(&self, a: &Article, link: &str) -> Option<Diagnostic> {
        let path = link.split(['#', '?']).next().unwrap_or("");
        let is_source = link.starts_with("@/")
            || (path.ends_with(".md") && !path.contains("://") && !path.starts_with('/'));
        if !is_source {
            return None;
        }
        let stem = Path::new(path).file_stem()?.to_string_lossy().into_owned();
        let hint = match self.by_slug.get(stem.as_str()) {
            Some(url) => format!("link to the article's URL: `{}{url}`", self.base_path),
            None => "link to the article's URL, /YYYY/MM/DD/<slug>/".into(),
        };
        Some(
            Diagnostic {
                severity: self.severity,
                ..Diagnostic::warning(
                    &a.path,
                    format!("link `{link}` points at a source file, which is not published"),
                )
            }
            .hint(hint),
        )
    }

    /// The output path a link points at, relative to the site root, or `None`
    /// for links that leave the site (other hosts, mailto:, fragments).
    fn internal(&self, link: &str) -> Option<String> {
        let path = if let Some(rest) = link.strip_prefix(self.base_url) {
            rest.to_string()
        } else if link.starts_with('/') && !link.starts_with("//") {
            match link.strip_prefix(self.base_path.as_str()) {
                Some(rest) => rest.to_string(),
                // Under the host but outside the site's folder: never one of ours.
                None => return Some(link.to_string()),
            }
        } else {
            return None;
        };
        let path = path.split(['#', '?']).next().unwrap_or("");
        Some(percent_decode(path).unwrap_or_else(|| path.to_string()))
    }

    fn resolves(&self, rel: &str) -> bool {
        if rel.is_empty() || rel.ends_with('/') {
            return self.outputs.contains(&format!("{rel}index.html"));
        }
        self.outputs.contains(rel) || self.outputs.contains(&format!("{rel}/index.html"))
    }
}

/// Strict percent-decoding: `None` for a malformed escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Two hex digits exactly: `u8::from_str_radix` alone would also take "+1".
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%c0%ae"), None);
        assert_eq!(percent_decode("%2"), None);
    }

    /// Found while writing the `serve_path` fuzz target (its well-formedness
    /// check fails on it): a sign is not a hex digit, yet `%+1` decoded to
    /// U+0001 and `%+0` to NUL.
    #[test]
    fn fuzz_percent_sign_escape_is_malformed() {
        assert_eq!(percent_decode("/a%+1b"), None);
        assert_eq!(percent_decode("%+0"), None);
        assert_eq!(percent_decode("%-1"), None);
        assert_eq!(percent_decode("%C3%a9").as_deref(), Some("é"));
    }
}
