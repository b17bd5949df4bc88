//! Configuration: `site.yaml` text → `Config` (every key optional, with defaults).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::Diagnostic;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub title: String,
    pub base_url: String,
    pub lang: String,
    pub timezone: String,
    pub description: String,
    pub paginate: usize,
    /// Alternative spelling → canonical tag name.
    pub tag_aliases: BTreeMap<String, String>,
    /// When non-empty, `kabar check` warns about tags outside this list.
    pub tags: Vec<String>,
    /// Known sections in navigation order; when non-empty, another `section:` is a warning.
    pub sections: Vec<String>,
    /// Alternative spelling → canonical section name.
    pub section_aliases: BTreeMap<String, String>,
    /// Interface strings per language over the theme's (`strings: {en: {by: "Words by"}}`).
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
    pub related: RelatedConfig,
    pub author: Option<String>,
    /// The publisher's logo (a path under the site or a URL), for JSON-LD and feeds.
    pub logo: Option<String>,
    pub feeds: FeedsConfig,
    /// A WebSub hub that feeds advertise, so that readers learn of new stories at once.
    pub websub_hub: Option<String>,
    /// Free-form values passed to templates as `site.extra`.
    pub extra: serde_yaml::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedsConfig {
    /// Entries per feed.
    pub items: usize,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        FeedsConfig { items: 20 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelatedConfig {
    pub count: usize,
}

impl Default for RelatedConfig {
    fn default() -> Self {
        RelatedConfig { count: 5 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Kabar".into(),
            base_url: "http://localhost/".into(),
            lang: "id".into(),
            timezone: "Asia/Jakarta".into(),
            description: String::new(),
            paginate: 20,
            tag_aliases: BTreeMap::new(),
            tags: Vec::new(),
            sections: Vec::new(),
            section_aliases: BTreeMap::new(),
            strings: BTreeMap::new(),
            related: RelatedConfig::default(),
            author: None,
            logo: None,
            feeds: FeedsConfig::default(),
            websub_hub: None,
            extra: serde_yaml::Value::Null,
        }
    }
}

const KEYS: &[&str] = &[
    "title",
    "base_url",
    "lang",
    "timezone",
    "description",
    "paginate",
    "tag_aliases",
    "tags",
    "sections",
    "section_aliases",
    "strings",
    "related",
    "author",
    "logo",
    "feeds",
    "websub_hub",
    "extra",
];

impl Config {
    /// Reads `site.yaml` under `root`; a missing file means all defaults.
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join("site.yaml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Diagnostic::error("site.yaml", format!("cannot read: {e}"))),
        };
        Config::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Config, Diagnostic> {
        let mut config: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_yaml::from_str(text)
                .map_err(|e| yaml_diagnostic("site.yaml", text, &e, 0, KEYS))?
        };
        if !config.base_url.ends_with('/') {
            config.base_url.push('/');
        }
        for (key, url) in [
            ("base_url", Some(&config.base_url)),
            ("websub_hub", config.websub_hub.as_ref()),
        ] {
            if let Some(url) =
                url.filter(|u| !(u.starts_with("https://") || u.starts_with("http://")))
            {
                return Err(Diagnostic::error(
                    "site.yaml",
                    format!("`{key}` `{url}` has no http:// or https://"),
                )
                .at(key_line(text, key), 1)
                .hint(format!(
                    "write the full address: {key}: \"https://{}\"",
                    url.trim_end_matches('/')
                )));
            }
        }
        if config.feeds.items == 0 {
            return Err(
                Diagnostic::error("site.yaml", "`feeds.items` must be at least 1")
                    .at(key_line(text, "feeds"), 1),
            );
        }
        if config.paginate == 0 {
            return Err(Diagnostic::error(
                "site.yaml",
                "`paginate` must be at least 1",
            ));
        }
        if jiff::tz::TimeZone::get(&config.timezone).is_err() {
            return Err(Diagnostic::error(
                "site.yaml",
                format!("unknown time zone `{}`", config.timezone),
            )
            .at(key_line(text, "timezone"), 1)
            .hint("use an IANA name such as Asia/Jakarta or Europe/London"));
        }
        Ok(config)
    }

    /// Entries in each feed (`feeds.items`).
    pub fn feed_items(&self) -> usize {
        self.feeds.items
    }

    pub fn tz(&self) -> jiff::tz::TimeZone {
        // Validated in `parse`; UTC only for a hand-built Config.
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The path part of `base_url` ("/" or "/project/"), prefixed to every link.
    pub fn base_path(&self) -> String {
        let after_scheme = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, r)| r);
        match after_scheme.find('/') {
            Some(i) => after_scheme[i..].to_string(),
            None => "/".to_string(),
        }
    }
}

/// What YAML's own message leaves out for the two mistakes editors make most.
fn syntax_hint(msg: &str, line: &str) -> Option<&'static str> {
    if line.contains('\t') || msg.contains("tab") {
        Some("YAML does not allow tabs for indentation: indent with spaces")
    } else if msg.contains("mapping values are not allowed") {
        Some("a value that contains `: ` must be quoted: title: \"Banjir: warga mengungsi\"")
    } else {
        None
    }
}

/// The 1-based line of a top-level key, or 1.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(key))
        .map_or(1, |i| i + 1)
}

/// A YAML error with its position moved by `line_offset` (the front matter fence),
/// and a "did you mean" hint for unknown fields.
pub fn yaml_diagnostic(
    file: impl Into<std::path::PathBuf>,
    text: &str,
    err: &serde_yaml::Error,
    line_offset: usize,
    keys: &[&str],
) -> Diagnostic {
    let msg = err.to_string();
    // The crate appends " at line N column M"; the position is shown separately.
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let mut diag = Diagnostic::error(file, msg.clone());
    if let Some(loc) = err.location() {
        diag = diag.at(loc.line() + line_offset, loc.column());
        let line = text
            .lines()
            .nth(loc.line().saturating_sub(1))
            .unwrap_or_default();
        if let Some(hint) = syntax_hint(&msg, line) {
            diag = diag.hint(hint);
        }
    } else {
        diag = diag.at(line_offset.max(1), 1);
    }
    if let Some(unknown) = msg
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        diag.message = format!("unknown key `{unknown}`");
        if let Some(s) = crate::diagnostics::suggest(unknown, keys) {
            diag = diag.hint(format!("did you mean `{s}`?"));
        } else {
            diag = diag.hint(format!("known keys: {}", keys.join(", ")));
        }
        // Point at the key itself rather than wherever the parser stopped.
        if let Some(line) = text
            .lines()
            .position(|l| l.trim_start().starts_with(&format!("{unknown}:")))
        {
            diag.line = Some(line + 1 + line_offset);
            diag.col = Some(1);
        }
    }
    // A duplicate is reported at its first occurrence; the second is the one to remove.
    if let Some(dup) = msg
        .strip_prefix("duplicate field `")
        .and_then(|r| r.split('`').next())
    {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(&format!("{dup}:")));
        if let Some((line, _)) = lines.nth(1) {
            diag.line = Some(line + 1 + line_offset);
            diag.col = Some(1);
            diag = diag.hint(format!("`{dup}` is set twice; keep one"));
        }
    }
    diag
}
