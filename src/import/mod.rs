//! import: a raw scraped article (plain text or saved HTML, as bytes) → front
//! matter + Markdown, written under `content/` with `status: review`.
//!
//! `kabar import` turns a raw news page — the text someone copied from it, or
//! the saved HTML — into a Markdown file with the project's front matter,
//! marked `status: review` for an editor to check.
//!
//! * [`decode_input`] turns the file's bytes into text (size cap, binary
//!   check, BOM / UTF-8 / declared charset / windows-1252 with a warning).
//! * `text` finds the header, body and footer of copied text; `html` reads
//!   the page's metadata and extracts its main content as Markdown blocks.
//! * Both classify their lines with `classify` and hand them to `clean`;
//!   the rules they use are data (`rules`: `rules/generic.yaml` plus one
//!   YAML file per site); `date` reads the dates.

mod classify;
mod clean;
mod date;
mod html;
mod rules;
mod text;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use serde::Serialize;

/// What the caller may tell the importer.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The article's URL (`--url`); wins over the canonical URL of the page.
    pub url: Option<String>,
    /// The publication date to use when the input has none (`--date`).
    pub date: Option<jiff::civil::Date>,
    /// The source name (`--source`); wins over anything found in the input.
    pub source: Option<String>,
    /// The time zone for dates without one, for `date` and for the path.
    pub timezone: TimeZone,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            url: None,
            date: None,
            source: None,
            timezone: jakarta(),
        }
    }
}

/// Asia/Jakarta (from the bundled tz database; fixed +07:00 if it were missing).
pub fn jakarta() -> TimeZone {
    TimeZone::get("Asia/Jakarta").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(7)))
}

/// An input file that could not be imported, and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ImportError {
    pub file: String,
    #[source]
    pub problem: Problem,
}

/// Why a file was not imported; nothing was written for it.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    #[error("no article text found ({tried}); nothing written")]
    Empty { tried: String },
    #[error("{size} bytes is over the {limit}-byte import limit; not read")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary data, not text or HTML; not imported")]
    Binary,
    #[error("HTML elements nested {depth} deep (the limit is {limit}); not imported")]
    TooDeep { depth: usize, limit: usize },
    #[error("no headline found")]
    NoTitle,
    #[error("no publication date found in the input; pass --date YYYY-MM-DD")]
    NoDate,
    #[error("{} already exists; not overwriting it", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ImportError {
    pub(crate) fn new(file: impl Into<String>, problem: Problem) -> ImportError {
        ImportError {
            file: file.into(),
            problem,
        }
    }

    /// As a diagnostic: the file, and the problem as its message.
    pub fn to_diagnostic(&self) -> crate::diagnostics::Diagnostic {
        crate::diagnostics::Diagnostic::error(&self.file, self.problem.to_string())
    }
}

/// The `source` front matter key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Source {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The `image` front matter key (only written when `src` is known).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Image {
    pub src: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
}

/// The front matter the importer writes, in the contract's key order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FrontMatter {
    pub title: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    pub slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub editor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dateline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    pub status: String,
}

/// One imported article.
#[derive(Debug, Clone)]
pub struct Imported {
    pub front: FrontMatter,
    /// The publication time, in the import time zone.
    pub date: Zoned,
    /// The cleaned body, Markdown.
    pub body: String,
}

impl Imported {
    /// The whole file: YAML front matter between `---` lines, then the body.
    pub fn to_markdown(&self) -> String {
        let yaml = serde_yaml::to_string(&self.front).unwrap_or_default();
        let mut out = String::with_capacity(yaml.len() + self.body.len() + 16);
        out.push_str("---\n");
        out.push_str(&yaml);
        if !yaml.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n\n");
        out.push_str(self.body.trim());
        out.push('\n');
        out
    }

    /// `YYYY/MM/DD/<slug>.md`, the date in the import time zone.
    pub fn relative_path(&self) -> PathBuf {
        PathBuf::from(format!(
            "{}{}.md",
            crate::index::archive::day_path(self.date.date()),
            self.front.slug
        ))
    }
}

/// What the text and HTML readers extract before the shared finishing steps.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub authors: Vec<String>,
    pub editor: Option<String>,
    pub date: Option<Zoned>,
    pub updated: Option<Zoned>,
    pub tags: Vec<String>,
    pub section: Option<String>,
    pub source_name: Option<String>,
    pub url: Option<String>,
    pub dateline: Option<String>,
    pub image_src: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub image_credit: Option<String>,
    pub body: String,
}

/// The kind of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Html,
    Text,
}

/// Tells HTML from plain text by its content (the file name breaks ties).
pub fn detect_kind(name: &str, input: &str) -> InputKind {
    let head: String = input
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(512)
        .collect();
    let lower = head.to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.starts_with("<?xml") && lower.contains("<html")
    {
        return InputKind::Html;
    }
    let tags = ["<body", "<head", "<div", "<p>", "<p ", "<meta ", "<article"];
    let lower_all = input.to_ascii_lowercase();
    let count: usize = tags.iter().map(|t| lower_all.matches(t).count()).sum();
    let name_l = name.to_ascii_lowercase();
    if count >= 3 || (count >= 1 && (name_l.ends_with(".html") || name_l.ends_with(".htm"))) {
        InputKind::Html
    } else {
        InputKind::Text
    }
}

/// Imports one input held in memory. `name` is used in messages.
pub fn import_str(name: &str, input: &str, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let kind = detect_kind(name, input);
    if kind == InputKind::Html
        && let Some(depth) = html::too_deep(input)
    {
        return Err(ImportError::new(
            name.to_string(),
            Problem::TooDeep {
                depth,
                limit: html::MAX_DEPTH,
            },
        ));
    }
    let ex = match kind {
        InputKind::Html => html::extract(input, opts),
        InputKind::Text => text::extract(input, opts),
    };
    if ex.body.trim().is_empty() {
        let tried = match kind {
            InputKind::Html => {
                "read as HTML: tried the main-content extractor, the whole <body> and JSON-LD articleBody"
            }
            InputKind::Text => {
                "read as plain text: every line was site chrome, a promo, a byline or a date"
            }
        };
        return Err(ImportError::new(
            name.to_string(),
            Problem::Empty {
                tried: tried.to_string(),
            },
        ));
    }
    finish(name, ex, opts)
}

/// The largest input `kabar import` reads: real article pages are well under
/// 2 MiB; anything far larger is not one, and would cost time and memory.
pub const MAX_INPUT_BYTES: u64 = 8 * 1024 * 1024;

/// Bytes as read from a file → text: a BOM wins, then valid UTF-8, then the
/// charset an HTML page declares; anything else is read as windows-1252 with a
/// warning. NUL bytes (outside UTF-16) mean binary data, an error.
pub fn decode_input(name: &str, bytes: &[u8]) -> Result<(String, Option<String>), ImportError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return Ok((text.into_owned(), None));
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err(ImportError::new(name.to_string(), Problem::Binary));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), None));
    }
    let declared = declared_charset(bytes);
    let enc = declared
        .as_deref()
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8);
    match enc {
        Some(e) => Ok((e.decode_without_bom_handling(bytes).0.into_owned(), None)),
        None => {
            let why = match declared {
                Some(l) => format!("declares charset {l:?} but is not valid in it"),
                None => "is not UTF-8 and declares no charset".to_string(),
            };
            let text = encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned();
            Ok((text, Some(format!("{name}: {why}; read as windows-1252"))))
        }
    }
}

/// `<meta charset="…">` or `content="text/html; charset=…"` in the first 4 KiB.
fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let label: String = lower[at..]
        .iter()
        .skip_while(|b| matches!(b, b'"' | b'\'' | b' '))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
        .map(|b| *b as char)
        .collect();
    (!label.is_empty()).then_some(label)
}

fn finish(name: &str, ex: Extracted, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let file = name.to_string();
    let title = ex
        .title
        .map(|t| classify::collapse_ws(&t))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ImportError::new(file.clone(), Problem::NoTitle))?;
    let date = match (ex.date, opts.date) {
        (Some(d), _) => d.with_time_zone(opts.timezone.clone()),
        (None, Some(d)) => d
            .to_zoned_datetime(opts.timezone.clone())
            .map_err(|_| ImportError::new(file.clone(), Problem::NoDate))?,
        (None, None) => return Err(ImportError::new(file, Problem::NoDate)),
    };
    let source_name = opts
        .source
        .clone()
        .or(ex.source_name)
        .filter(|s| !s.trim().is_empty());
    let source_url = opts.url.clone().or(ex.url).filter(|s| !s.trim().is_empty());
    let source = (source_name.is_some() || source_url.is_some()).then_some(Source {
        name: source_name,
        url: source_url,
    });
    let lang = detect_lang(&format!("{title}\n{}", ex.body));
    let mut extra = BTreeMap::new();
    let image = match ex.image_src.filter(|s| !s.trim().is_empty()) {
        Some(src) => Some(Image {
            src,
            alt: ex.image_alt.filter(|s| !s.is_empty()),
            caption: ex.image_caption.filter(|s| !s.is_empty()),
            credit: ex.image_credit.filter(|s| !s.is_empty()),
        }),
        None => {
            if let Some(c) = ex.image_caption.filter(|s| !s.is_empty()) {
                extra.insert("image_caption".to_string(), c);
            }
            if let Some(c) = ex.image_credit.filter(|s| !s.is_empty()) {
                extra.insert("image_credit".to_string(), c);
            }
            None
        }
    };
    // `extra.section` until the front matter parser knows `section:`.
    if let Some(s) = ex
        .section
        .map(|s| classify::collapse_ws(&s))
        .filter(|s| !s.is_empty())
    {
        extra.insert("section".to_string(), s);
    }
    let mut authors: Vec<String> = Vec::new();
    for a in ex.authors {
        let a = classify::collapse_ws(&a);
        if !a.is_empty() && !authors.contains(&a) {
            authors.push(a);
        }
    }
    let front = FrontMatter {
        slug: make_slug(&title),
        title,
        date: date::rfc3339(&date),
        summary: ex
            .summary
            .map(|s| classify::collapse_ws(&s))
            .filter(|s| !s.is_empty()),
        updated: ex
            .updated
            .map(|u| u.with_time_zone(opts.timezone.clone()))
            .filter(|u| *u > date)
            .map(|u| date::rfc3339(&u)),
        tags: dedup_tags(ex.tags),
        authors,
        editor: ex.editor.filter(|s| !s.is_empty()),
        source,
        dateline: ex.dateline.filter(|s| !s.is_empty()),
        lang: Some(lang.to_string()),
        image,
        extra,
        status: "review".to_string(),
    };
    Ok(Imported {
        front,
        date,
        body: ex.body,
    })
}

/// Tags as the page lists them, each once (case-insensitively), at most 12.
fn dedup_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = classify::collapse_ws(&t);
        if !t.is_empty()
            && t.chars().count() <= 60
            && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase())
        {
            out.push(t);
        }
    }
    out.truncate(12);
    out
}

/// ASCII lowercase words joined by '-', at most 80 characters, cut at a word.
pub fn make_slug(title: &str) -> String {
    let s = slug::slugify(title);
    let mut out = String::new();
    for w in s.split('-').filter(|w| !w.is_empty()) {
        let extra = if out.is_empty() { w.len() } else { w.len() + 1 };
        if out.len() + extra > 80 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        // A first word longer than 80 characters, or nothing usable at all.
        out = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(80)
            .collect();
    }
    if out.is_empty() {
        out = "article".to_string();
    }
    out
}

const ID_STOP: &[&str] = &[
    "yang", "dan", "di", "dengan", "untuk", "ini", "itu", "dari", "pada", "tidak", "akan", "dalam",
    "ke", "juga", "oleh", "adalah", "telah", "karena", "bahwa", "para", "kami", "tersebut", "atau",
    "sudah", "saat", "kata", "ujar",
];
const EN_STOP: &[&str] = &[
    "the", "and", "of", "to", "in", "is", "that", "for", "with", "was", "on", "as", "by", "it",
    "said", "are", "be", "has", "have", "from", "at", "this", "will", "its", "were", "an",
];

/// "id" or "en", by counting stop words.
pub fn detect_lang(text: &str) -> &'static str {
    let (mut id, mut en) = (0usize, 0usize);
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if ID_STOP.contains(&w.as_str()) {
            id += 1;
        }
        if EN_STOP.contains(&w.as_str()) {
            en += 1;
        }
    }
    if en > id { "en" } else { "id" }
}

/// The outcome of [`import_paths`].
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Files written, in order.
    pub written: Vec<PathBuf>,
    /// One error per input that failed.
    pub errors: Vec<ImportError>,
    /// Inputs that were imported with a guess (an undeclared encoding), each naming its file.
    pub warnings: Vec<String>,
}

fn is_importable(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("txt" | "text" | "html" | "htm")
    )
}

/// Imports files and directories (walked in sorted order, `.txt`, `.text`,
/// `.html`, `.htm` files) into `content_dir/YYYY/MM/DD/<slug>.md`. Never
/// overwrites: an existing target is an error for that input, and the others
/// go on.
pub fn import_paths(inputs: &[PathBuf], content_dir: &Path, opts: &ImportOptions) -> ImportReport {
    let mut report = ImportReport::default();
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() && is_importable(e.path()) => {
                        files.push(e.into_path());
                    }
                    Ok(_) => {}
                    Err(err) => report.errors.push(ImportError::new(
                        err.path().unwrap_or(input).display().to_string(),
                        Problem::Read(err.into()),
                    )),
                }
            }
        } else {
            files.push(input.clone());
        }
    }
    for file in files {
        let name = file.display().to_string();
        match import_file(&file, &name, content_dir, opts, &mut report.warnings) {
            Ok(p) => report.written.push(p),
            Err(e) => report.errors.push(e),
        }
    }
    report
}

fn import_file(
    file: &Path,
    name: &str,
    content_dir: &Path,
    opts: &ImportOptions,
    warnings: &mut Vec<String>,
) -> Result<PathBuf, ImportError> {
    let rerr = |source| ImportError::new(name.to_string(), Problem::Read(source));
    let size = fs::metadata(file).map_err(rerr)?.len();
    if size > MAX_INPUT_BYTES {
        return Err(ImportError::new(
            name.to_string(),
            Problem::TooLarge {
                size,
                limit: MAX_INPUT_BYTES,
            },
        ));
    }
    let mut bytes = Vec::new();
    // `take`: the file may have grown since `metadata`.
    fs::File::open(file)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_INPUT_BYTES), &mut bytes)
        })
        .map_err(rerr)?;
    let (input, warning) = decode_input(name, &bytes)?;
    warnings.extend(warning);
    let imported = import_str(name, &input, opts)?;
    let path = content_dir.join(imported.relative_path());
    if path.exists() {
        return Err(ImportError::new(name.to_string(), Problem::Exists(path)));
    }
    let werr = |source| {
        ImportError::new(
            name.to_string(),
            Problem::Write {
                path: path.clone(),
                source,
            },
        )
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(werr)?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                ImportError::new(name.to_string(), Problem::Exists(path.clone()))
            } else {
                werr(source)
            }
        })?;
    f.write_all(imported.to_markdown().as_bytes())
        .map_err(werr)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_is_short_ascii() {
        let s = make_slug(
            "Bantu Kemenangan Putin, Pimpinan Korut Kirim Pasukan Untuk Jadi Tameng Rusia Hadapi Ukraina Lagi Dan Lagi",
        );
        assert!(s.len() <= 80, "{s}");
        assert!(s.starts_with("bantu-kemenangan-putin-pimpinan-korut"));
        assert!(!s.ends_with('-'));
        assert_eq!(make_slug("!!!"), "article");
    }

    #[test]
    fn kind() {
        assert_eq!(
            detect_kind("a.txt", "Judul\n\nIsi berita."),
            InputKind::Text
        );
        assert_eq!(
            detect_kind("a", "<!DOCTYPE html><html></html>"),
            InputKind::Html
        );
    }

    #[test]
    fn lang() {
        assert_eq!(
            detect_lang("Presiden mengatakan bahwa ini adalah yang terbaik dan"),
            "id"
        );
        assert_eq!(
            detect_lang("The president said that this is the best for the country"),
            "en"
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn random_text_never_panics(s in "\\PC{0,400}") {
            let _ = import_str("random.txt", &s, &ImportOptions::default());
        }

        #[test]
        fn random_lines_never_panic(lines in proptest::collection::vec(
            prop_oneof![
                Just("Baca juga: x".to_string()),
                Just("Penulis: A B".to_string()),
                Just("zoom-in".to_string()),
                Just("JAKARTA, X.com – y".to_string()),
                Just("Kamis, 20 Juni 2024 10:15 WIB".to_string()),
                Just("© 2024".to_string()),
                Just(String::new()),
                "[A-Za-z .,:()/–-]{0,60}",
            ],
            0..30,
        )) {
            let s = lines.join("\n");
            let _ = import_str("random.txt", &s, &ImportOptions::default());
        }

        #[test]
        fn random_html_never_panics(s in "<(p|div|h2|ul|li|a|blockquote|script)>[\\PC<>/]{0,80}(</p>)?{0,3}") {
            let html = format!("<!DOCTYPE html><html><body>{s}</body></html>");
            let _ = import_str("random.html", &html, &ImportOptions::default());
        }
    }
}
