//! Parse: loaded sources → `Article`s (validated front matter + sanitised HTML) and diagnostics.

pub mod frontmatter;
pub mod highlight;
pub mod markdown;
pub mod sanitize;
pub mod slug;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::ZonedDateTime;
use rayon::prelude::*;

pub use frontmatter::{Correction, Image, SourceRef, Status};

use crate::config::Config;
use crate::diagnostics::{Diagnostic, line_col};
use crate::load::{Loaded, Source};

/// Serialised only into the build cache (`site::cache`), which a lean build writes:
/// the source text it never keeps is not stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Article {
    pub path: PathBuf,
    #[serde(skip)]
    pub source_text: Arc<str>,
    /// Identity of the source (path and text): everything an article is derives from
    /// it and the site's configuration, so equal hashes mean an unchanged article.
    pub hash: u64,
    pub title: String,
    pub date: ZonedDateTime,
    pub updated: Option<ZonedDateTime>,
    pub slug: String,
    /// The editor's summary, or the first paragraph when there is none.
    pub summary: String,
    pub has_summary: bool,
    pub tags: Vec<String>,
    /// The desk (`section:`), as written; aliases are resolved by the index.
    pub section: Option<String>,
    pub authors: Vec<String>,
    pub editor: Option<String>,
    pub source: Option<SourceRef>,
    pub dateline: Option<String>,
    pub lang: String,
    pub image: Option<Image>,
    pub status: Status,
    pub story: Option<String>,
    pub related: Vec<String>,
    pub extra: serde_json::Value,
    /// Oldest first.
    pub corrections: Vec<Correction>,
    pub retraction: Option<String>,
    /// Old paths that redirect here (relative, ending in `/`).
    pub aliases: Vec<String>,
    /// Overrides the canonical URL (a syndicated copy of someone else's story).
    pub canonical: Option<String>,
    /// The body, empty when it waits in the build cache (`stored`): read it with `html()`.
    #[serde(skip)]
    pub html: String,
    /// The body's plain text, empty like `html`: read it with `text()`.
    #[serde(skip)]
    pub text: String,
    /// Where the body waits when this article came from the build cache.
    #[serde(skip)]
    pub stored: Option<Stored>,
    pub word_count: usize,
    /// The search index's digest of the full text, taken by a lean parse before it drops
    /// `text`; `None` when `text` is whole and the digest can be taken from it. Never
    /// cached: its ids name stems of this process's vocabulary only.
    #[serde(skip)]
    pub search: Option<crate::index::search::Terms>,
    /// Related stories' term frequencies, counted by a lean parse in the same pass over
    /// the words as the search digest (and from the whole text, like a parse that keeps
    /// it); the related stage takes them.
    #[serde(skip)]
    pub features: Features,
    /// Link targets with their 1-based (line, column) in the file. Not kept in the
    /// build cache: only the lints read them (`kabar check` and the preview's second
    /// pass), and both parse every article afresh.
    #[serde(skip)]
    pub links: Vec<(String, usize, usize)>,
}

impl Article {
    /// The body's HTML, read from the build cache when the article came from there.
    pub fn html(&self) -> std::io::Result<Cow<'_, str>> {
        match &self.stored {
            Some(s) => s.body().map(|b| b.html.into()),
            None => Ok(self.html.as_str().into()),
        }
    }

    /// The body's plain text, read like `html`.
    pub fn text(&self) -> std::io::Result<Cow<'_, str>> {
        match &self.stored {
            Some(s) => s.body().map(|b| b.text.into()),
            None => Ok(self.text.as_str().into()),
        }
    }

    /// The related stories' term frequencies the build cache holds for this article,
    /// when it came from there.
    pub fn stored_terms(&self) -> Option<std::io::Result<Vec<(u64, f32)>>> {
        let s = self.stored.as_ref()?;
        Some(s.from.terms(s.terms))
    }
}

/// An article's body as the build cache keeps it, apart from the rest: at 100 000
/// articles the bodies are most of a gigabyte, and a build reads only those of the pages
/// it renders again.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Body {
    pub html: String,
    pub text: String,
}

/// Bytes of the build cache: where they are, and their CRC-32.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub at: u64,
    pub len: u32,
    pub crc: u32,
}

/// Reads bodies back (the build cache's file, kept open for the build).
pub trait Bodies: Send + Sync + std::fmt::Debug {
    fn body(&self, at: Span) -> std::io::Result<Body>;
    fn terms(&self, at: Span) -> std::io::Result<Vec<(u64, f32)>>;
    /// The bytes at `at`, checked, for a cache written afresh to copy.
    fn raw(&self, at: Span) -> std::io::Result<Vec<u8>>;
    /// The search result's excerpt kept in the article's record at `at`.
    fn lede(&self, at: Span) -> std::io::Result<String>;
}

/// Where a cached article's record, term frequencies and body are.
#[derive(Debug, Clone)]
pub struct Stored {
    pub from: Arc<dyn Bodies>,
    pub record: Span,
    pub terms: Span,
    pub body: Span,
}

impl Stored {
    fn body(&self) -> std::io::Result<Body> {
        self.from.body(self.body)
    }

    /// The search result's excerpt, read again from the record when a block of results
    /// is rebuilt (a new story's block, eight results): kept in memory for every
    /// article it was 30 MB at 100 000.
    pub fn lede(&self) -> std::io::Result<String> {
        self.from.lede(self.record)
    }
}

/// Term frequencies handed from the parse to the related stage, which takes them so
/// they are freed once read. A clone has none: they are counted again from its text.
#[derive(Debug, Default)]
pub struct Features(Mutex<Option<Vec<(u64, f32)>>>);

impl Features {
    pub fn new(counts: Vec<(u64, f32)>) -> Self {
        Features(Mutex::new(Some(counts)))
    }

    pub fn take(&self) -> Option<Vec<(u64, f32)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Clone for Features {
    fn clone(&self) -> Self {
        Features::default()
    }
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub articles: Vec<Article>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A parsed article and the warning about it that parsing alone can give.
type WithWarning = (Article, Option<Diagnostic>);

/// The search index's digest of an article and its related stories' term frequencies
/// (the index stage passes its function, so parse does not depend on it).
pub type Digest = fn(&Article) -> (crate::index::search::Terms, Vec<(u64, f32)>);

/// What a parse for a build that will not lint keeps of each article: never the source
/// text, and either none of the body's text, the search digest (with the lede its result
/// shows) and related stories' term frequencies being taken from it first, or the whole
/// body's text.
#[derive(Debug, Clone, Copy)]
pub enum Lean {
    /// For a build whose articles die with it: at 100 000 articles the whole text is
    /// about a gigabyte, and the digest is smaller.
    Digest(Digest),
    /// For articles an incremental build keeps in its cache, which holds no digest (its
    /// ids name stems of this process's vocabulary only): a later build takes the
    /// digest again, from the whole text.
    Whole,
}

/// Parses every source, keeping what `lean` says (everything when `None`).
pub fn parse(loaded: Loaded, config: &Config, lean: Option<Lean>) -> Parsed {
    let tz = config.tz();
    let empty: Arc<str> = Arc::from("");
    let results: Vec<Result<WithWarning, Vec<Diagnostic>>> = loaded
        .sources
        .into_par_iter()
        .map(|s| {
            let mut article = parse_one(&s, config, &tz).map_err(|ds| {
                ds.into_iter()
                    .map(|d| d.with_source(s.text.clone()))
                    .collect::<Vec<_>>()
            })?;
            let warning = unknown_section(&article, &s.text, config);
            if let Some(Lean::Digest(digest)) = lean {
                let (terms, features) = digest(&article);
                article.search = Some(terms);
                article.features = Features::new(features);
                article.text = String::new();
            }
            if lean.is_some() {
                article.source_text = empty.clone();
            }
            Ok((article, warning))
        })
        .collect();
    let mut out = Parsed {
        articles: Vec::new(),
        diagnostics: loaded.diagnostics,
    };
    for r in results {
        match r {
            Ok((a, warning)) => {
                out.articles.push(a);
                out.diagnostics.extend(warning);
            }
            Err(ds) => out.diagnostics.extend(ds),
        }
    }
    out
}

pub fn parse_one(
    src: &Source,
    config: &Config,
    tz: &jiff::tz::TimeZone,
) -> Result<Article, Vec<Diagnostic>> {
    let text: &str = &src.text;
    let located = |d: Diagnostic| Diagnostic {
        file: src.path.clone(),
        ..d
    };
    let (yaml, offset, body) = frontmatter::split(text).map_err(|d| vec![located(d)])?;
    let fm = frontmatter::parse(&src.path, yaml, offset, tz)?;
    let body_start = text.len() - body.len();
    let rendered = markdown::render(body).map_err(|(at, msg)| {
        let (l, c) = line_col(text, body_start + at);
        vec![Diagnostic::error(&src.path, msg).at(l, c)]
    })?;
    let slug = match fm.slug {
        Some(s) => s,
        None => {
            let s = slug::slugify(&fm.title);
            if s.is_empty() {
                return Err(vec![
                    Diagnostic::error(&src.path, "the title gives an empty slug")
                        .at(offset + 1, 1)
                        .hint("add `slug:` with lowercase letters, digits and hyphens"),
                ]);
            }
            s
        }
    };
    let links = rendered
        .links
        .iter()
        .map(|(url, at)| {
            let (l, c) = line_col(text, body_start + at);
            (url.clone(), l, c)
        })
        .collect();
    let summary = fm
        .summary
        .clone()
        .unwrap_or_else(|| truncate_words(&rendered.first_paragraph, 300));
    Ok(Article {
        path: src.path.clone(),
        source_text: src.text.clone(),
        hash: source_hash(src),
        title: fm.title,
        date: fm.date,
        slug,
        has_summary: fm.summary.is_some(),
        summary,
        tags: fm.tags,
        section: fm.section,
        authors: fm.authors,
        editor: fm.editor,
        source: fm.source,
        dateline: fm.dateline,
        lang: fm.lang.unwrap_or_else(|| config.lang.clone()),
        image: fm.image,
        status: fm.status,
        story: fm.story,
        related: fm.related,
        extra: fm.extra,
        // A correction changes the story: feeds and the sitemap say so.
        updated: fm
            .updated
            .into_iter()
            .chain(fm.corrections.last().map(|c| c.date.clone()))
            .max(),
        corrections: fm.corrections,
        retraction: fm.retraction,
        aliases: fm.aliases,
        canonical: fm.canonical,
        html: rendered.html,
        text: rendered.text,
        stored: None,
        word_count: rendered.word_count,
        search: None,
        features: Features::default(),
        links,
    })
}

/// A `section:` outside site.yaml's `sections:` (when the site lists them) still builds,
/// as a section of its own, but is most likely a typo: say so, at the value.
fn unknown_section(a: &Article, text: &Arc<str>, config: &Config) -> Option<Diagnostic> {
    let name = a.section.as_deref()?;
    if config.sections.is_empty() {
        return None;
    }
    let known: Vec<&str> = config
        .sections
        .iter()
        .chain(config.section_aliases.keys())
        .map(String::as_str)
        .collect();
    let slug = slug::slugify(name);
    if known.iter().any(|k| slug::slugify(k) == slug) {
        return None;
    }
    let at = text
        .lines()
        .position(|l| l.starts_with("section:"))
        .map_or((1, 1), |i| {
            let line = text.lines().nth(i).unwrap_or_default();
            let value = &line["section:".len()..];
            (
                i + 1,
                "section:".len() + value.len() - value.trim_start().len() + 1,
            )
        });
    // Suggest a section's own name before an alias of it.
    let listed: Vec<&str> = config.sections.iter().map(String::as_str).collect();
    let suggestion = crate::diagnostics::suggest(name, &listed)
        .or_else(|| crate::diagnostics::suggest(name, &known));
    let hint = match suggestion {
        Some(s) => format!("did you mean `{s}`? Or add it to `sections:` in site.yaml"),
        None => format!(
            "known sections: {}; or add it to `sections:` in site.yaml",
            config.sections.join(", ")
        ),
    };
    Some(
        Diagnostic::warning(
            &a.path,
            format!("section `{name}` is not in site.yaml's `sections:`"),
        )
        .at(at.0, at.1)
        .hint(hint)
        .with_source(text.clone()),
    )
}

/// The `Article::hash` a source would parse to: an unchanged hash means an
/// unchanged article, whatever its file's stamp says.
pub fn source_hash(src: &Source) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    src.path.hash(&mut h);
    src.text.hash(&mut h);
    h.finish()
}

/// Cuts at a word boundary and adds an ellipsis when anything was cut.
/// An article parsed from `front` (YAML lines, each ending in a newline) and `body`, as
/// tests across the pipeline build them.
#[cfg(test)]
pub(crate) fn test_article(path: &str, front: &str, body: &str) -> Article {
    let src = crate::load::Source {
        path: path.into(),
        text: format!("---\n{front}---\n\n{body}\n").into(),
    };
    let config = crate::config::Config::default();
    parse_one(&src, &config, &config.tz()).expect("valid article")
}

pub fn truncate_words(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let cut = s[..end].rfind(char::is_whitespace).unwrap_or(end);
    format!("{}…", s[..cut].trim_end_matches([',', ';', ':', ' ']))
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
