//! Front matter: one source's text → validated `FrontMatter` + the Markdown body, or located errors.

use std::path::Path;

use jiff::ZonedDateTime;
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::config::yaml_diagnostic;
use crate::diagnostics::{Diagnostic, suggest};

/// The YAML parser is quadratic on deep nesting: refuse big blocks before parsing.
pub const MAX_FRONT_MATTER_BYTES: usize = 16 * 1024;

pub const KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "slug",
    "summary",
    "tags",
    "section",
    "authors",
    "author",
    "editor",
    "source",
    "dateline",
    "lang",
    "image",
    "status",
    "story",
    "related",
    "extra",
    "corrections",
    "retraction",
    "aliases",
    "canonical",
];

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    Published,
    /// Withdrawn after publication: the URL keeps a notice, every list forgets it.
    Retracted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
            Status::Retracted => "retracted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub src: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub credit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct SourceRef {
    pub name: String,
    pub url: Option<String>,
}

/// A correction to a published story: shown on it as a dated notice, newest last.
/// (Serialised only into the build cache.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
pub struct Correction {
    pub date: ZonedDateTime,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct FrontMatter {
    pub title: String,
    pub date: ZonedDateTime,
    pub updated: Option<ZonedDateTime>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    /// The desk the story belongs to (one per article), as written.
    pub section: Option<String>,
    pub authors: Vec<String>,
    pub editor: Option<String>,
    pub source: Option<SourceRef>,
    pub dateline: Option<String>,
    pub lang: Option<String>,
    pub image: Option<Image>,
    pub status: Status,
    pub story: Option<String>,
    pub related: Vec<String>,
    pub extra: serde_json::Value,
    pub corrections: Vec<Correction>,
    pub retraction: Option<String>,
    /// Old paths of this story (`YYYY/MM/DD/old-slug/`, relative, ending in `/`).
    pub aliases: Vec<String>,
    pub canonical: Option<String>,
}

/// `tags: politik` is read as one tag: a lone scalar is what editors mean.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSource {
    Name(String),
    Full { name: String, url: Option<String> },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    // Kept as a Value so that `title: 2026` and `title: null` are caught, not coerced.
    title: Option<serde_yaml::Value>,
    date: Option<serde_yaml::Value>,
    updated: Option<serde_yaml::Value>,
    slug: Option<String>,
    summary: Option<String>,
    tags: Option<OneOrMany>,
    section: Option<String>,
    authors: Option<OneOrMany>,
    author: Option<String>,
    editor: Option<String>,
    source: Option<RawSource>,
    dateline: Option<String>,
    lang: Option<String>,
    image: Option<Image>,
    status: Option<String>,
    story: Option<String>,
    related: Option<OneOrMany>,
    extra: Option<serde_yaml::Value>,
    corrections: Option<Vec<RawCorrection>>,
    retraction: Option<String>,
    aliases: Option<OneOrMany>,
    canonical: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorrection {
    date: serde_yaml::Value,
    text: String,
}

/// Splits the fenced YAML block from the body. Returns (yaml, the line offset to
/// add to YAML positions, body).
pub fn split(text: &str) -> Result<(&str, usize, &str), Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(Diagnostic::error(
            "",
            "missing front matter: the file must start with a `---` line",
        )
        .at(1, 1)
        .hint("add a block like `---\\ntitle: \"…\"\\ndate: 2024-06-25\\n---` at the top"));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[yaml_start..offset];
            let body = &text[offset + line.len()..];
            return Ok((yaml, 1, body));
        }
        offset += line.len();
        if offset - yaml_start > MAX_FRONT_MATTER_BYTES {
            return Err(Diagnostic::error(
                "",
                format!("front matter is over {} KiB", MAX_FRONT_MATTER_BYTES / 1024),
            )
            .at(1, 1)
            .hint("front matter holds metadata only; move long text into the body"));
        }
    }
    Err(Diagnostic::error(
        "",
        "front matter is not closed: no `---` line after the opening one",
    )
    .at(1, 1)
    .hint("add a line with `---` after the last front matter key"))
}

/// Parses and validates the YAML block. `offset` is added to YAML line numbers.
pub fn parse(
    file: &Path,
    yaml: &str,
    offset: usize,
    tz: &TimeZone,
) -> Result<FrontMatter, Vec<Diagnostic>> {
    let raw = read(file, yaml, offset)?;
    let mut check = Checker {
        file,
        yaml,
        offset,
        errs: Vec::new(),
    };
    let title = check.title(raw.title);
    let date = check.date(raw.date, tz);
    let updated = raw
        .updated
        .and_then(|v| check.date_value("updated", &v, tz));
    let status = check.status(raw.status.as_deref());
    let slug = check.slug(raw.slug);
    let lang = check.lang(raw.lang);
    let authors = check.authors(raw.authors, raw.author);
    let section = raw
        .section
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let source = check.source(raw.source);
    let corrections = check.corrections(raw.corrections.unwrap_or_default(), tz);
    let retraction = check.retraction(status, raw.retraction);
    let aliases = check.aliases(raw.aliases.map(OneOrMany::into_vec).unwrap_or_default());
    let canonical = check.http_url("canonical", raw.canonical);
    if let (Some(date), Some(updated)) = (&date, &updated)
        && updated < date
    {
        let d = check
            .err("updated", "`updated` is earlier than `date`".into())
            .hint("`updated` is when the story last changed, after it was published");
        check.push(d);
    }
    let tags: Vec<String> = raw
        .tags
        .map(OneOrMany::into_vec)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let extra = raw
        .extra
        .map(|v| serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
        .unwrap_or(serde_json::Value::Object(Default::default()));
    match (check.errs.is_empty(), date) {
        (true, Some(date)) => Ok(FrontMatter {
            title,
            date,
            updated,
            slug,
            summary: raw
                .summary
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            tags,
            section,
            authors,
            editor: raw.editor,
            source,
            dateline: raw.dateline,
            lang,
            image: raw.image,
            status,
            story: raw.story,
            related: raw.related.map(OneOrMany::into_vec).unwrap_or_default(),
            extra,
            corrections,
            retraction,
            aliases,
            canonical,
        }),
        _ => Err(check.errs),
    }
}

/// The YAML as typed keys, or why it is not front matter at all.
fn read(file: &Path, yaml: &str, offset: usize) -> Result<Raw, Vec<Diagnostic>> {
    if let Some((line, col)) = find_yaml_tag(yaml) {
        return Err(vec![
            Diagnostic::error(
                file,
                "YAML tags (`!include`, `!!binary`, …) are not allowed in front matter",
            )
            .at(line + offset, col)
            .hint("front matter is plain data: quote the value if the `!` is part of the text"),
        ]);
    }
    match serde_yaml::from_str::<Option<Raw>>(yaml) {
        Ok(Some(raw)) => Ok(raw),
        Ok(None) => Err(vec![
            Diagnostic::error(file, "front matter is empty")
                .at(1, 1)
                .hint("at least `title` and `date` are required"),
        ]),
        Err(e) => Err(vec![yaml_diagnostic(file, yaml, &e, offset, KEYS)]),
    }
}

/// Checks one field at a time, collecting every problem (each at its key's position).
struct Checker<'a> {
    file: &'a Path,
    yaml: &'a str,
    offset: usize,
    errs: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at_key(&self, key: &str) -> Option<(usize, usize)> {
        key_position(self.yaml, key).map(|(l, c)| (l + self.offset, c))
    }

    fn err(&self, key: &str, msg: String) -> Diagnostic {
        let (l, c) = self.at_key(key).unwrap_or((self.offset, 1));
        Diagnostic::error(self.file, msg).at(l, c)
    }

    /// Where a value under `key` sits: the first item (of an inline `[…]`/`{…}` or a
    /// block list/mapping under the key) for which `pick(sub_key, value)` holds, quotes
    /// removed. Names are checked after YAML parsed them, so this only finds the spot
    /// to point at; it falls back to the key itself.
    fn value_position(
        &self,
        key: &str,
        pick: impl Fn(Option<&str>, &str) -> bool,
    ) -> Option<(usize, usize)> {
        let (line, _) = key_position(self.yaml, key)?;
        let lines: Vec<&str> = self.yaml.lines().collect();
        let first = lines.get(line - 1)?;
        let after = first.find(':')? + 1;
        let unquote = |v: &str| v.trim().trim_matches(['"', '\'']).to_string();
        let split = |item: &str| -> (Option<String>, String) {
            match item.split_once(':') {
                Some((k, v)) if !k.contains(['"', '\'']) => {
                    (Some(k.trim().to_string()), unquote(v))
                }
                _ => (None, unquote(item)),
            }
        };
        if !first[after..].trim().is_empty() {
            let mut at = after;
            for item in first[after..].split(',') {
                let body = item.trim_start_matches([' ', '[', '{']);
                let start = at + (item.len() - body.len());
                let body = body.trim_end_matches([' ', ']', '}']);
                let (k, v) = split(body);
                if pick(k.as_deref(), &v) {
                    let lead = body.find(':').filter(|_| k.is_some()).map_or(0, |i| {
                        i + 1 + (body[i + 1..].len() - body[i + 1..].trim_start().len())
                    });
                    return Some((line + self.offset, start + lead + 1));
                }
                at += item.len() + 1;
            }
            return Some((line + self.offset, after + 1));
        }
        for (i, l) in lines.iter().enumerate().skip(line) {
            if !l.starts_with([' ', '-', '\t']) {
                break;
            }
            let t = l.trim_start().trim_start_matches('-').trim_start();
            let (k, v) = split(t);
            if pick(k.as_deref(), &v) {
                return Some((i + 1 + self.offset, l.len() - t.len() + 1));
            }
        }
        Some((line + self.offset, 1))
    }

    fn push(&mut self, d: Diagnostic) {
        self.errs.push(d);
    }

    fn title(&mut self, title: Option<serde_yaml::Value>) -> String {
        let problem = match title {
            Some(serde_yaml::Value::String(s)) if !s.trim().is_empty() => {
                return s.trim().to_string();
            }
            Some(serde_yaml::Value::String(_)) => self.err("title", "`title` is empty".into()),
            Some(other) => self
                .err(
                    "title",
                    format!("`title` must be text, found {}", kind(&other)),
                )
                .hint("quote it: title: \"2026\""),
            None if self.at_key("title").is_some() => self
                .err("title", "`title` must be text, found null".into())
                .hint("write the headline in quotes"),
            None => Diagnostic::error(self.file, "missing required key `title`").at(1, 1),
        };
        self.push(problem);
        String::new()
    }

    fn date(&mut self, date: Option<serde_yaml::Value>, tz: &TimeZone) -> Option<ZonedDateTime> {
        let Some(v) = date else {
            let msg = if self.at_key("date").is_some() {
                "`date` is empty"
            } else {
                "missing required key `date`"
            };
            let d = self.err("date", msg.into());
            self.push(d);
            return None;
        };
        match parse_date_value(&v, tz) {
            Ok(d) => Some(d),
            Err(msg) => {
                let d = self
                    .err("date", msg)
                    .hint("use RFC 3339 (2024-06-25T10:00:00+07:00) or YYYY-MM-DD");
                self.push(d);
                None
            }
        }
    }

    fn date_value(
        &mut self,
        key: &str,
        v: &serde_yaml::Value,
        tz: &TimeZone,
    ) -> Option<ZonedDateTime> {
        parse_date_value(v, tz)
            .map_err(|msg| {
                let d = self.err(key, msg);
                self.push(d);
            })
            .ok()
    }

    fn status(&mut self, status: Option<&str>) -> Status {
        match status {
            None | Some("published") => Status::Published,
            Some("draft") => Status::Draft,
            Some("review") => Status::Review,
            Some("retracted") => Status::Retracted,
            Some(other) => {
                let known = ["draft", "review", "published", "retracted"];
                let d = self
                    .err("status", format!("unknown status `{other}`"))
                    .hint(match suggest(other, &known) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "use one of: draft, review, published, retracted".into(),
                    });
                self.push(d);
                Status::Draft
            }
        }
    }

    fn slug(&mut self, slug: Option<String>) -> Option<String> {
        let slug = slug.map(|s| s.trim().to_string());
        if let Some(Err(msg)) = slug.as_deref().map(super::slug::validate) {
            let d = self.err("slug", msg);
            self.push(d);
        }
        slug
    }

    fn lang(&mut self, lang: Option<String>) -> Option<String> {
        let lang = lang.map(|s| s.trim().to_string());
        if let Some(l) = lang.as_deref().filter(|l| !valid_lang(l)) {
            let d = self
                .err("lang", format!("`{l}` is not a language tag"))
                .hint("use a code such as id or en");
            self.push(d);
        }
        lang
    }

    fn authors(&mut self, authors: Option<OneOrMany>, author: Option<String>) -> Vec<String> {
        let mut authors = authors.map(OneOrMany::into_vec).unwrap_or_default();
        let key = if author.is_some() && authors.is_empty() {
            "author"
        } else {
            "authors"
        };
        if let Some(a) = author {
            if authors.is_empty() {
                authors.push(a);
            } else {
                let d = self
                    .err("author", "both `author` and `authors` are set".into())
                    .hint("keep one of them");
                self.push(d);
            }
        }
        // An empty name would give an author page with no name and no slug: refuse it
        // here, where the editor can be pointed at the line.
        if authors.iter().any(|a| a.trim().is_empty()) {
            let (l, c) = self
                .value_position(key, |_, v| v.trim().is_empty())
                .or_else(|| self.at_key(key))
                .unwrap_or((self.offset, 1));
            self.push(
                Diagnostic::error(self.file, format!("`{key}` holds an empty name"))
                    .at(l, c)
                    .hint("write the author's name, or remove the empty entry"),
            );
        }
        authors
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect()
    }

    fn corrections(&mut self, raw: Vec<RawCorrection>, tz: &TimeZone) -> Vec<Correction> {
        let mut out: Vec<Correction> = raw
            .into_iter()
            .filter_map(|c| {
                let date = self.date_value("corrections", &c.date, tz)?;
                let text = c.text.trim().to_string();
                if text.is_empty() {
                    let d = self
                        .err("corrections", "a correction has no text".into())
                        .hint("say what was wrong and what is right now");
                    self.push(d);
                    return None;
                }
                Some(Correction { date, text })
            })
            .collect();
        // Shown oldest first, whatever order the editor wrote them in.
        out.sort_by_key(|c| c.date.timestamp());
        out
    }

    fn retraction(&mut self, status: Status, text: Option<String>) -> Option<String> {
        let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        match (status, &text) {
            (Status::Retracted, None) => {
                let d = self
                    .err(
                        "status",
                        "a retracted story needs a `retraction:` notice".into(),
                    )
                    .hint("retraction: \"Retracted: the source withdrew the report.\"");
                self.push(d);
            }
            (Status::Draft | Status::Review | Status::Published, Some(_)) => {
                let d = self
                    .err(
                        "retraction",
                        "`retraction:` is set but the story is not retracted".into(),
                    )
                    .hint("add `status: retracted`, or remove the notice");
                self.push(d);
            }
            _ => {}
        }
        text
    }

    /// Old paths, as `/YYYY/MM/DD/old-slug/` or a full URL on this site's root: each
    /// becomes a redirect page, so only plain path segments are accepted.
    fn aliases(&mut self, aliases: Vec<String>) -> Vec<String> {
        let mut out = Vec::new();
        for alias in aliases {
            let path = alias.trim().trim_start_matches('/');
            let path = path.strip_suffix("index.html").unwrap_or(path);
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let valid = !segments.is_empty()
                && alias.trim().starts_with('/')
                && segments.iter().all(|s| {
                    *s != "."
                        && *s != ".."
                        && s.chars()
                            .all(|c| c.is_alphanumeric() || "-_.~%".contains(c))
                });
            if valid {
                out.push(format!("{}/", segments.join("/")));
            } else {
                let d = self
                    .err("aliases", format!("`{alias}` is not a path on this site"))
                    .hint("write the old path as it was published: /2024/06/24/old-slug/");
                self.push(d);
            }
        }
        out
    }

    fn http_url(&mut self, key: &str, url: Option<String>) -> Option<String> {
        let url = url.map(|u| u.trim().to_string());
        if let Some(u) = url
            .as_deref()
            .filter(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            let d = self
                .err(key, format!("`{u}` is not an http(s) URL"))
                .hint("write the full address: https://…");
            self.push(d);
        }
        url
    }

    fn source(&mut self, source: Option<RawSource>) -> Option<SourceRef> {
        let source = source.map(|s| match s {
            RawSource::Name(name) => SourceRef { name, url: None },
            RawSource::Full { name, url } => SourceRef { name, url },
        });
        if let Some(s) = source.as_ref().filter(|s| s.name.trim().is_empty()) {
            let (l, c) = self
                .value_position("source", |k, _| k.is_none_or(|k| k == "name"))
                .or_else(|| self.at_key("source"))
                .unwrap_or((self.offset, 1));
            let what = if s.url.is_some() {
                "`source.name`"
            } else {
                "`source`"
            };
            self.push(
                Diagnostic::error(self.file, format!("{what} is empty"))
                    .at(l, c)
                    .hint("name the outlet: source: {name: \"Harian Contoh\", url: \"https://…\"}"),
            );
            return None;
        }
        let source = source.map(|s| SourceRef {
            name: s.name.trim().to_string(),
            url: s.url,
        });
        let url = source.as_ref().and_then(|s| s.url.as_deref());
        if let Some(url) = url.filter(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            let d = self.err(
                "source",
                format!("source url `{url}` is not an http(s) URL"),
            );
            self.push(d);
        }
        source
    }
}

fn kind(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "null",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "text",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a mapping",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

fn parse_date_value(v: &serde_yaml::Value, tz: &TimeZone) -> Result<ZonedDateTime, String> {
    match v {
        serde_yaml::Value::String(s) => parse_date(s.trim(), tz),
        other => Err(format!("a date must be text, found {}", kind(other))),
    }
}

/// RFC 3339 with an offset, or a civil date/time read in the site time zone.
pub fn parse_date(s: &str, tz: &TimeZone) -> Result<ZonedDateTime, String> {
    let bad = |e: jiff::Error| format!("invalid date `{s}`: {e}");
    // Bytes, not `&s[10..]`: byte 10 may fall inside a multi-byte character.
    let after_date = s.as_bytes().get(10..).unwrap_or_default();
    let has_offset = s.len() > 10
        && (s.ends_with('Z')
            || s.ends_with('z')
            || after_date.contains(&b'+')
            || after_date.contains(&b'-'));
    if has_offset {
        let ts: jiff::Timestamp = s.parse().map_err(bad)?;
        return Ok(ts.to_zoned_datetime(tz.clone()));
    }
    if s.len() == 10 {
        let d: jiff::civil::Date = s.parse().map_err(bad)?;
        return d.to_zoned_datetime(tz.clone()).map_err(bad);
    }
    let dt: jiff::civil::DateTime = s.parse().map_err(bad)?;
    dt.to_zoned_datetime(tz.clone()).map_err(bad)
}

fn valid_lang(l: &str) -> bool {
    let mut parts = l.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Position of the first YAML tag (`!x`, `!!x`) outside quotes: tags can make the
/// parser build values the schema never sees checked, so they are refused up front.
fn find_yaml_tag(yaml: &str) -> Option<(usize, usize)> {
    for (i, line) in yaml.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut quote: Option<char> = None;
        for (col, &c) in chars.iter().enumerate() {
            let prev = if col == 0 { ' ' } else { chars[col - 1] };
            let next = chars.get(col + 1).copied().unwrap_or(' ');
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '#' && prev.is_whitespace() => break,
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '!'
                    && !next.is_whitespace()
                    && (prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':' | '-')) =>
                {
                    return Some((i + 1, col + 1));
                }
                None => {}
            }
        }
    }
    None
}

/// 1-based line and column of a top-level `key:` in the YAML block.
fn key_position(yaml: &str, key: &str) -> Option<(usize, usize)> {
    yaml.lines().enumerate().find_map(|(i, line)| {
        let rest = line.strip_prefix(key)?;
        rest.trim_start().starts_with(':').then_some((i + 1, 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> TimeZone {
        TimeZone::get("Asia/Jakarta").expect("bundled tzdb")
    }

    #[test]
    fn split_handles_bom_crlf_and_trailing_spaces() {
        let (yaml, offset, body) =
            split("\u{feff}---  \r\ntitle: x\r\n---\r\nbody\r\n").expect("split");
        assert_eq!(yaml, "title: x\r\n");
        assert_eq!(body, "body\r\n");
        assert_eq!(offset, 1);
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let z = parse_date("2024-06-25", &tz()).expect("date");
        assert_eq!(z.to_string(), "2024-06-25T00:00:00+07:00[Asia/Jakarta]");
        let z = parse_date("2024-06-25T10:00:00Z", &tz()).expect("utc");
        assert_eq!(z.hour(), 17);
        assert!(parse_date("2026-02-30", &tz()).is_err());
        assert!(parse_date("tomorrow", &tz()).is_err());
    }

    /// Found by the `frontmatter` fuzz target: a multi-byte character across
    /// byte 10 of a date panicked (`&s[10..]`) instead of being an error.
    #[test]
    fn fuzz_date_with_multibyte_char_at_byte_ten_is_an_error() {
        assert!(parse_date("2026-11-1\u{46b}13", &tz()).is_err());
        assert!(parse_date("2026-11-1é", &tz()).is_err());
        let text = "---\ntitle: x\ndate: 2026-11-1\u{46b}13\n---\nbody\n";
        let (yaml, offset, _) = split(text).expect("split");
        let errs = parse(Path::new("a.md"), yaml, offset, &tz()).expect_err("bad date");
        assert!(errs[0].message.contains("invalid date"), "{errs:?}");
    }
}
