//! Review, per-article lints: one parsed article (with the site's tag list) →
//! warnings about what an editor should fix before publishing, each at its place
//! in the source file.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use crate::config::Config;
use crate::diagnostics::{self, Diagnostic, line_col};
use crate::parse::{Article, frontmatter};

/// Longer titles are cut off in search results and feed readers.
pub(crate) const TITLE_MAX_CHARS: usize = 110;

/// Phrases scrapers leave behind from the publisher's page furniture.
pub(crate) const BOILERPLATE: &[&str] = &[
    "Baca juga",
    "Read more",
    "Read also",
    "Advertisement",
    "Iklan",
    "Simak video",
    "Share this",
    "Subscribe",
    "Ikuti kami",
    "All rights reserved",
    "BERITA TERKAIT",
];

/// The tags an article may use; empty when any tag is fine.
pub(super) fn allowed_tags(config: &Config) -> HashSet<&str> {
    // Without a `tags:` list in site.yaml any tag is fine; aliases only extend a list.
    if config.tags.is_empty() {
        HashSet::new()
    } else {
        config
            .tags
            .iter()
            .chain(config.tag_aliases.keys())
            .chain(config.tag_aliases.values())
            .map(String::as_str)
            .collect()
    }
}

pub(super) fn article_lints(
    a: &Article,
    allowed_tags: &HashSet<&str>,
    now: jiff::Timestamp,
) -> Vec<Diagnostic> {
    let text: &str = &a.source_text;
    let key = |k: &str| front_matter_key(text, k).unwrap_or((1, 1));
    let mut out = Vec::new();
    if !a.has_summary {
        out.push(warn(a, "no summary".into(), key("title")).hint(
            "add `summary:` with one or two sentences; the first paragraph stands in for now",
        ));
    }
    if a.tags.is_empty() {
        out.push(
            warn(a, "no tags".into(), key("title"))
                .hint("add `tags: [..]` so readers can find related stories"),
        );
    } else if !allowed_tags.is_empty() {
        out.extend(unknown_tags(a, allowed_tags));
    }
    let title_len = a.title.chars().count();
    if title_len > TITLE_MAX_CHARS {
        out.push(
            warn(
                a,
                format!("title is {title_len} characters long (over {TITLE_MAX_CHARS})"),
                key("title"),
            )
            .hint(
                "long titles are cut off in feeds and search results; move detail into the summary",
            ),
        );
    }
    out.extend(body_lints(a));
    if a.date.timestamp() > now {
        out.push(
            warn(
                a,
                format!("dated in the future ({})", a.date.date()),
                key("date"),
            )
            .hint("`kabar build` leaves it out until then unless you pass --future"),
        );
    }
    out
}

/// Mistakes that build without a word and publish something other than what the
/// editor wrote: a pin to no story, a missing image, a tag list written as one string,
/// a language kabar has no words for.
pub(super) fn silent_mistakes(
    a: &Article,
    by_slug: &std::collections::HashMap<&str, &str>,
    outputs: &std::collections::BTreeSet<String>,
    base_path: &str,
) -> Vec<Diagnostic> {
    let text: &str = &a.source_text;
    let key = |k: &str| front_matter_key(text, k).unwrap_or((1, 1));
    let mut out = Vec::new();
    for pin in a
        .related
        .iter()
        .filter(|p| !by_slug.contains_key(p.as_str()))
    {
        let slugs: Vec<&str> = by_slug.keys().copied().collect();
        let hint = match diagnostics::suggest(pin, &slugs) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "`related:` takes the slugs of published articles".into(),
        };
        out.push(
            warn(
                a,
                format!(
                    "pinned related story `{pin}` is not a published article; the pin is dropped"
                ),
                key("related"),
            )
            .hint(hint),
        );
    }
    if let Some(img) = a
        .image
        .as_ref()
        .filter(|i| i.src.starts_with('/') && !i.src.starts_with("//"))
    {
        let rel = img
            .src
            .strip_prefix(base_path)
            .unwrap_or(img.src.trim_start_matches('/'));
        if !outputs.contains(rel) {
            out.push(
                warn(
                    a,
                    format!(
                        "image `{}` is not in static/: the page shows a broken image",
                        img.src
                    ),
                    key("image"),
                )
                .hint("put the file under static/ at that path, or fix `image: {src: ..}`"),
            );
        }
    }
    for tag in a.tags.iter().filter(|t| t.contains(',')) {
        let at = tag_position(text, tag).unwrap_or_else(|| key("tags"));
        let list = tag.split(',').map(str::trim).collect::<Vec<_>>().join(", ");
        out.push(
            warn(
                a,
                format!("one tag `{tag}`: a comma does not split tags"),
                at,
            )
            .hint(format!("write a list: tags: [{list}]")),
        );
    }
    let primary = a
        .lang
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !matches!(primary.as_str(), "id" | "en") {
        out.push(
            warn(
                a,
                format!(
                    "kabar has no interface words for `lang: {}`: its page shows English labels",
                    a.lang
                ),
                key("lang"),
            )
            .hint("the default theme speaks id and en; translate its words in your own templates/"),
        );
    }
    out
}

fn warn(a: &Article, msg: String, (l, c): (usize, usize)) -> Diagnostic {
    Diagnostic::warning(&a.path, msg)
        .at(l, c)
        .with_source(a.source_text.clone())
}

/// Tags missing from site.yaml's `tags:` list, each at its place in the front matter.
fn unknown_tags(a: &Article, allowed_tags: &HashSet<&str>) -> Vec<Diagnostic> {
    let text: &str = &a.source_text;
    let mut out = Vec::new();
    for tag in &a.tags {
        if !allowed_tags.contains(tag.as_str()) {
            let at = tag_position(text, tag)
                .unwrap_or_else(|| front_matter_key(text, "tags").unwrap_or((1, 1)));
            let known: Vec<&str> = allowed_tags.iter().copied().collect();
            let hint = match diagnostics::suggest(tag, &known) {
                Some(s) => format!("did you mean `{s}`? Or add it to `tags:` in site.yaml"),
                None => "use a tag from `tags:` in site.yaml, or add it there or to `tag_aliases:`"
                    .into(),
            };
            out.push(warn(a, format!("tag `{tag}` is not in site.yaml's tag list"), at).hint(hint));
        }
    }
    out
}

/// An empty body, leftover boilerplate, and images without alt text.
fn body_lints(a: &Article) -> Vec<Diagnostic> {
    let text: &str = &a.source_text;
    let key = |k: &str| front_matter_key(text, k).unwrap_or((1, 1));
    let mut out = Vec::new();
    let body_start =
        frontmatter::split(text).map_or(text.len(), |(_, _, body)| text.len() - body.len());
    if a.text.trim().is_empty() {
        out.push(
            warn(a, "empty body".into(), line_col(text, body_start))
                .hint("write the story below the closing `---`"),
        );
    }
    out.extend(
        boilerplate(text, body_start)
            .into_iter()
            .map(|(phrase, at)| {
                warn(
                    a,
                    format!("leftover boilerplate \"{phrase}\""),
                    line_col(text, at),
                )
                .hint("remove the publisher's page furniture from the body")
            }),
    );
    if a.image
        .as_ref()
        .is_some_and(|img| img.alt.trim().is_empty())
    {
        out.push(
            warn(a, "image without alt text".into(), key("image")).hint(
                "describe the picture in `image: {alt: \"..\"}` for readers who cannot see it",
            ),
        );
    }
    for at in body_images_without_alt(text, body_start) {
        out.push(
            warn(a, "image without alt text".into(), line_col(text, at))
                .hint("describe the picture between the brackets: ![what it shows](..)"),
        );
    }
    out
}

/// 1-based (line, col) of `key:` at the start of a front matter line.
fn front_matter_key(text: &str, key: &str) -> Option<(usize, usize)> {
    for (i, line) in text.lines().enumerate() {
        if i > 0 && line.trim_end() == "---" {
            return None;
        }
        if line.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
            return Some((i + 1, 1));
        }
    }
    None
}

/// Where `tag` is written in the front matter, after the `tags:` key.
fn tag_position(text: &str, tag: &str) -> Option<(usize, usize)> {
    let fm_end = text.get(3..)?.find("\n---").map_or(text.len(), |i| i + 3);
    let start = text[..fm_end].find("\ntags:")?;
    let at = text[start..fm_end].find(tag)? + start;
    Some(line_col(text, at))
}

/// Byte offsets of boilerplate phrases in the body, matched case-insensitively on word boundaries.
fn boilerplate(text: &str, body_start: usize) -> Vec<(&'static str, usize)> {
    // ASCII lowercasing keeps every byte offset, so matches map straight back.
    let body = text[body_start..].to_ascii_lowercase();
    let bytes = body.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
    let mut found = Vec::new();
    for phrase in BOILERPLATE {
        let needle = phrase.to_ascii_lowercase();
        for (i, _) in body.match_indices(&needle) {
            let end = i + needle.len();
            if (i == 0 || !is_word(bytes[i - 1])) && bytes.get(end).is_none_or(|&b| !is_word(b)) {
                found.push((*phrase, body_start + i));
            }
        }
    }
    found.sort_by_key(|&(_, at)| at);
    found
}

/// Byte offsets of Markdown images written `![](..)`.
fn body_images_without_alt(text: &str, body_start: usize) -> Vec<usize> {
    text[body_start..]
        .match_indices("![](")
        .map(|(i, _)| body_start + i)
        .collect()
}

/// Lint findings as banner lines, by source path.
pub(crate) fn findings(diags: &[Diagnostic]) -> BTreeMap<PathBuf, Vec<String>> {
    let mut out: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for d in diags {
        let at = d.line.map(|l| format!("line {l}: ")).unwrap_or_default();
        let hint = d
            .hint
            .as_ref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        out.entry(d.file.clone())
            .or_default()
            .push(format!("{at}{}{hint}", d.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_respects_word_boundaries_and_case() {
        let text = "---\ntitle: x\n---\nPeriklanan naik.\nbaca JUGA: lainnya\n";
        let found = boilerplate(text, 17);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Baca juga");
        assert_eq!(line_col(text, found[0].1), (5, 1));
    }
}
