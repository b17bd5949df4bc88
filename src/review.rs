//! Review: a prepared site (`site::Loaded`) → editorial lints as diagnostics, and the
//! queue of drafts and review items for `kabar review` and the preview dashboard.
//!
//! Lints are warnings: they never stop a build. Only `kabar check` turns broken
//! internal links into errors, because a published page with a dead link is a defect.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::{self, Diagnostic, Severity, line_col};
use crate::parse::{Article, Status, frontmatter};
use crate::site::{self, BuildOptions, Error, Loaded};

/// Longer titles are cut off in search results and feed readers.
pub const TITLE_MAX_CHARS: usize = 110;

/// Phrases scrapers leave behind from the publisher's page furniture.
pub const BOILERPLATE: &[&str] = &[
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

/// Two articles sharing this fraction of their word 3-shingles are near-duplicates.
pub const DUPLICATE_JACCARD: f64 = 0.8;

#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    /// The moment that decides what is future-dated.
    pub now: jiff::Timestamp,
    /// Warning in preview banners, error in `kabar check`.
    pub broken_link: Severity,
}

/// Every lint over every parsed article (drafts included). Links are checked
/// only for articles the build renders, against `outputs` (the paths it writes).
pub fn lint(site: &Loaded, outputs: &BTreeSet<String>, opts: &LintOptions) -> Vec<Diagnostic> {
    lint_unless(site, outputs, opts, None).unwrap_or_default()
}

/// `lint`, abandoned (`None`) as soon as `give_way` says so: the preview's second
/// pass stops for a new save.
pub fn lint_unless(
    site: &Loaded,
    outputs: &BTreeSet<String>,
    opts: &LintOptions,
    give_way: Option<&crate::GiveWay>,
) -> Option<Vec<Diagnostic>> {
    let stop = || give_way.is_some_and(|g| g());
    let rendered: HashSet<&Path> = site
        .index
        .entries
        .iter()
        .map(|e| e.article.path.as_path())
        .collect();
    let by_slug: HashMap<&str, &str> = site
        .index
        .entries
        .iter()
        .map(|e| (e.article.slug.as_str(), e.url.as_str()))
        .collect();
    // Without a `tags:` list in site.yaml any tag is fine; aliases only extend a list.
    let allowed_tags: HashSet<&str> = if site.config.tags.is_empty() {
        HashSet::new()
    } else {
        site.config
            .tags
            .iter()
            .chain(site.config.tag_aliases.keys())
            .chain(site.config.tag_aliases.values())
            .map(String::as_str)
            .collect()
    };
    let links = LinkCheck {
        base_url: &site.config.base_url,
        base_path: site.config.base_path(),
        outputs,
        by_slug: &by_slug,
        severity: opts.broken_link,
    };
    let all = site.all();
    let per_article: Vec<Vec<Diagnostic>> = all
        .par_iter()
        .map(|a| {
            if stop() {
                return None;
            }
            let mut out = article_lints(a, &allowed_tags, opts.now);
            if rendered.contains(a.path.as_path()) {
                out.extend(links.check(a));
            }
            Some(out)
        })
        .collect::<Option<_>>()?;
    let mut diags: Vec<Diagnostic> = per_article.into_iter().flatten().collect();
    diags.extend(near_duplicates(&all, &stop)?);
    diagnostics::sort(&mut diags);
    Some(diags)
}

fn article_lints(
    a: &Article,
    allowed_tags: &HashSet<&str>,
    now: jiff::Timestamp,
) -> Vec<Diagnostic> {
    let text: &str = &a.source_text;
    let key = |k: &str| front_matter_key(text, k).unwrap_or((1, 1));
    let mut out = Vec::new();
    let warn = |msg: String, (l, c): (usize, usize)| {
        Diagnostic::warning(&a.path, msg)
            .at(l, c)
            .with_source(a.source_text.clone())
    };
    if !a.has_summary {
        out.push(warn("no summary".into(), key("title")).hint(
            "add `summary:` with one or two sentences; the first paragraph stands in for now",
        ));
    }
    if a.tags.is_empty() {
        out.push(
            warn("no tags".into(), key("title"))
                .hint("add `tags: [..]` so readers can find related stories"),
        );
    } else if !allowed_tags.is_empty() {
        for tag in &a.tags {
            if !allowed_tags.contains(tag.as_str()) {
                let at = tag_position(text, tag).unwrap_or_else(|| key("tags"));
                let known: Vec<&str> = allowed_tags.iter().copied().collect();
                let hint = match diagnostics::suggest(tag, &known) {
                    Some(s) => format!("did you mean `{s}`? Or add it to `tags:` in site.yaml"),
                    None => {
                        "use a tag from `tags:` in site.yaml, or add it there or to `tag_aliases:`"
                            .into()
                    }
                };
                out.push(
                    warn(format!("tag `{tag}` is not in site.yaml's tag list"), at).hint(hint),
                );
            }
        }
    }
    let title_len = a.title.chars().count();
    if title_len > TITLE_MAX_CHARS {
        out.push(
            warn(
                format!("title is {title_len} characters long (over {TITLE_MAX_CHARS})"),
                key("title"),
            )
            .hint(
                "long titles are cut off in feeds and search results; move detail into the summary",
            ),
        );
    }
    let body_start =
        frontmatter::split(text).map_or(text.len(), |(_, _, body)| text.len() - body.len());
    if a.text.trim().is_empty() {
        out.push(
            warn("empty body".into(), line_col(text, body_start))
                .hint("write the story below the closing `---`"),
        );
    }
    out.extend(
        boilerplate(text, body_start)
            .into_iter()
            .map(|(phrase, at)| {
                warn(
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
            warn("image without alt text".into(), key("image")).hint(
                "describe the picture in `image: {alt: \"..\"}` for readers who cannot see it",
            ),
        );
    }
    for at in body_images_without_alt(text, body_start) {
        out.push(
            warn("image without alt text".into(), line_col(text, at))
                .hint("describe the picture between the brackets: ![what it shows](..)"),
        );
    }
    if a.date.timestamp() > now {
        out.push(
            warn(
                format!("dated in the future ({})", a.date.date()),
                key("date"),
            )
            .hint("`kabar build` leaves it out until then unless you pass --future"),
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

struct LinkCheck<'a> {
    base_url: &'a str,
    base_path: String,
    outputs: &'a BTreeSet<String>,
    by_slug: &'a HashMap<&'a str, &'a str>,
    severity: Severity,
}

impl LinkCheck<'_> {
    fn check(&self, a: &Article) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (link, line, col) in &a.links {
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
pub fn percent_decode(s: &str) -> Option<String> {
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

const BINS: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = BINS / BANDS;
/// Each article is compared with at most this many earlier members of a bucket,
/// so a thousand copies of one text cost thousands of comparisons, not a million.
const BUCKET_PEERS: usize = 8;

/// Near-duplicates by MinHash (one-permutation hashing, 64 bins) and LSH
/// (16 bands of 4): candidates share a band, then exact Jaccard decides.
fn near_duplicates(all: &[&Article], stop: &(dyn Fn() -> bool + Sync)) -> Option<Vec<Diagnostic>> {
    let signatures: Vec<Option<[u64; BINS]>> = all
        .par_iter()
        .map(|a| (!stop()).then(|| signature(&shingles(a))))
        .collect::<Option<_>>()?;
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (i, sig) in signatures.iter().enumerate() {
        let Some(sig) = sig else { continue };
        for band in 0..BANDS {
            let key = sig[band * ROWS..(band + 1) * ROWS]
                .iter()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, v| mix(h ^ v));
            buckets.entry((band, key)).or_default().push(i);
        }
    }
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for members in buckets.values() {
        for (p, &j) in members.iter().enumerate().skip(1) {
            for &i in &members[..p.min(BUCKET_PEERS)] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    if pairs.is_empty() {
        return Some(Vec::new());
    }
    let involved: BTreeSet<usize> = pairs.iter().flat_map(|&(i, j)| [i, j]).collect();
    let sets: HashMap<usize, Vec<u64>> = involved
        .into_par_iter()
        .map(|i| (i, shingles(all[i])))
        .collect();
    let pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    let confirmed: Vec<(usize, usize, f64)> = pairs
        .par_iter()
        .filter_map(|&(i, j)| {
            let s = jaccard(sets.get(&i)?, sets.get(&j)?);
            (s >= DUPLICATE_JACCARD).then_some((i, j, s))
        })
        .collect();
    // One report per article, naming its closest twin.
    let mut best: BTreeMap<usize, (usize, f64)> = BTreeMap::new();
    for (i, j, s) in confirmed {
        for (a, b) in [(i, j), (j, i)] {
            let e = best.entry(a).or_insert((b, s));
            if s > e.1 || (s == e.1 && b < e.0) {
                *e = (b, s);
            }
        }
    }
    let found = best
        .into_iter()
        .map(|(a, (b, s))| {
            Diagnostic::warning(
                &all[a].path,
                format!(
                    "near-duplicate of {} ({:.0}% of word sequences shared)",
                    all[b].path.display(),
                    s * 100.0
                ),
            )
            .at(1, 1)
            .with_source(all[a].source_text.clone())
            .hint("keep one of them, or set `status: draft` on the copy")
        })
        .collect();
    Some(found)
}

/// Sorted, deduplicated hashes of lowercase word 3-grams of title and body.
fn shingles(a: &Article) -> Vec<u64> {
    let words: Vec<u64> = a
        .title
        .split(|c: char| !c.is_alphanumeric())
        .chain(a.text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .flat_map(char::to_lowercase)
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, c| {
                    (h ^ u64::from(u32::from(c))).wrapping_mul(0x0000_0100_0000_01b3)
                })
        })
        .collect();
    let mut out: Vec<u64> = words
        .windows(3)
        .map(|w| mix(mix(mix(w[0]) ^ w[1]) ^ w[2]))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// One-permutation MinHash with rotation densification; `None` below a few shingles,
/// where similarity means nothing (an empty body has its own lint).
fn signature(shingles: &[u64]) -> Option<[u64; BINS]> {
    if shingles.len() < 4 {
        return None;
    }
    let mut bins = [u64::MAX; BINS];
    for &h in shingles {
        let bin = (h >> 58) as usize;
        let v = h & ((1 << 58) - 1);
        bins[bin] = bins[bin].min(v);
    }
    let filled = bins;
    for (b, slot) in bins.iter_mut().enumerate() {
        if *slot == u64::MAX {
            let (k, v) = (1..BINS)
                .map(|k| (k, filled[(b + k) % BINS]))
                .find(|&(_, v)| v != u64::MAX)?;
            *slot = mix(v ^ k as u64);
        }
    }
    Some(bins)
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// splitmix64's finaliser: a cheap, well-mixed, deterministic hash step.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Lint findings as banner lines, by source path.
pub fn findings(diags: &[Diagnostic]) -> BTreeMap<PathBuf, Vec<String>> {
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

/// `kabar check`: every validation of the build, a render without writing (template
/// errors that only show at render time), and the lints, with broken links as errors.
/// Returns every diagnostic, warnings included; `Err` when the build itself fails.
pub fn check(opts: &BuildOptions) -> Result<Vec<Diagnostic>, Error> {
    let site = site::prepare(opts)?;
    let outputs = site::dry_render(opts, &site)?;
    let lint_opts = LintOptions {
        now: opts.now.unwrap_or_else(jiff::Timestamp::now),
        broken_link: Severity::Error,
    };
    let mut diags = site.warnings.clone();
    diags.extend(lint(&site, &outputs, &lint_opts));
    diagnostics::sort(&mut diags);
    Ok(diags)
}

#[derive(Debug)]
pub struct QueueItem<'a> {
    pub article: &'a Article,
    /// Path of the article's page below the site root (`2024/06/25/slug/`).
    pub url: String,
    pub lints: Vec<&'a Diagnostic>,
}

#[derive(Debug)]
pub struct QueueGroup<'a> {
    pub status: Status,
    pub items: Vec<QueueItem<'a>>,
}

/// Review items, then drafts; newest first within each; each with its lints.
pub fn queue<'a>(site: &'a Loaded, lints: &'a [Diagnostic]) -> Vec<QueueGroup<'a>> {
    let mut by_file: HashMap<&Path, Vec<&Diagnostic>> = HashMap::new();
    for d in lints {
        by_file.entry(d.file.as_path()).or_default().push(d);
    }
    [Status::Review, Status::Draft]
        .into_iter()
        .map(|status| {
            let mut items: Vec<QueueItem> = site
                .all()
                .into_iter()
                .filter(|a| a.status == status)
                .map(|a| QueueItem {
                    article: a,
                    url: crate::index::article_url(a),
                    lints: by_file.get(a.path.as_path()).cloned().unwrap_or_default(),
                })
                .collect();
            items.sort_by(|x, y| {
                y.article
                    .date
                    .timestamp()
                    .cmp(&x.article.date.timestamp())
                    .then_with(|| x.article.path.cmp(&y.article.path))
            });
            QueueGroup { status, items }
        })
        .collect()
}

/// The queue as plain text for the terminal.
pub fn queue_text(groups: &[QueueGroup]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for g in groups {
        let _ = writeln!(
            s,
            "{} ({})",
            g.status.as_str().to_uppercase(),
            g.items.len()
        );
        if g.items.is_empty() {
            s.push_str("  (none)\n");
        }
        for item in &g.items {
            let a = item.article;
            let _ = writeln!(s, "  {}  {}", a.date.date(), a.title);
            let _ = writeln!(s, "      {}  → /{}", a.path.display(), item.url);
            for d in &item.lints {
                let at = d.line.map(|l| format!("line {l}: ")).unwrap_or_default();
                let _ = writeln!(s, "      {at}{}", d.message);
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lints_give_way_when_asked_and_otherwise_find_the_same() {
        let opts = BuildOptions {
            drafts: true,
            ..BuildOptions::new(env!("CARGO_MANIFEST_DIR"))
        };
        let loaded = site::prepare(&opts).expect("the bundled site builds");
        let outputs = site::output_paths(&opts, &loaded);
        let lint_opts = LintOptions {
            now: jiff::Timestamp::now(),
            broken_link: Severity::Warning,
        };
        let shown = |d: Vec<Diagnostic>| d.iter().map(ToString::to_string).collect::<Vec<_>>();
        let all = shown(lint(&loaded, &outputs, &lint_opts));
        assert!(!all.is_empty(), "the bundled review items have findings");
        let waiting: crate::GiveWay = std::sync::Arc::new(|| true);
        assert!(lint_unless(&loaded, &outputs, &lint_opts, Some(&waiting)).is_none());
        let idle: crate::GiveWay = std::sync::Arc::new(|| false);
        let again = lint_unless(&loaded, &outputs, &lint_opts, Some(&idle)).map(shown);
        assert_eq!(again, Some(all));
    }

    #[test]
    fn boilerplate_respects_word_boundaries_and_case() {
        let text = "---\ntitle: x\n---\nPeriklanan naik.\nbaca JUGA: lainnya\n";
        let found = boilerplate(text, 17);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Baca juga");
        assert_eq!(line_col(text, found[0].1), (5, 1));
    }

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

    #[test]
    fn minhash_finds_similar_and_ignores_different() {
        let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
        let a: Vec<u64> = {
            let mut v: Vec<u64> = words
                .windows(3)
                .map(|w| mix(w.len() as u64 ^ w[0].len() as u64 ^ fnv(&w.join(" "))))
                .collect();
            v.sort_unstable();
            v
        };
        let mut b = a.clone();
        b.truncate(190);
        let c: Vec<u64> = a.iter().map(|x| mix(*x)).collect();
        let agree =
            |x: &[u64; BINS], y: &[u64; BINS]| x.iter().zip(y).filter(|(p, q)| p == q).count();
        let (sa, sb) = (signature(&a).expect("sig"), signature(&b).expect("sig"));
        let mut c = c;
        c.sort_unstable();
        let sc = signature(&c).expect("sig");
        assert!(agree(&sa, &sb) > 48, "similar sets agree in most bins");
        assert!(agree(&sa, &sc) < 4, "unrelated sets almost never agree");
        assert!(jaccard(&a, &b) > 0.9);
    }

    fn fnv(s: &str) -> u64 {
        s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
}
