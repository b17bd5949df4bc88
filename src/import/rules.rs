//! rules: the compiled-in YAML rule files → line patterns. `rules/generic.yaml`
//! applies to every site; one YAML file per site (compiled into the binary with
//! `include_str!`) adds only what the generic rules miss.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// The per-site rule files, compiled in. Add a site by adding a file to
/// `src/import/rules/` and a line here.
const SITE_FILES: &[(&str, &str)] = &[
    ("tribunnews", include_str!("rules/tribunnews.yaml")),
    ("kompas", include_str!("rules/kompas.yaml")),
    ("detik", include_str!("rules/detik.yaml")),
];

const GENERIC_FILE: &str = include_str!("rules/generic.yaml");

#[derive(Debug, Deserialize)]
struct GenericFile {
    promo_prefixes: Vec<String>,
    promo_headers: Vec<String>,
    chrome_lines: Vec<String>,
    footer_markers: Vec<String>,
    photo_markers: Vec<String>,
    credit_prefixes: Vec<String>,
    report_lines: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SiteFile {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    detect: Vec<String>,
    #[serde(default)]
    drop: Vec<String>,
}

/// A set of regexes; a line matches when any of them does.
#[derive(Debug, Default)]
pub struct Patterns(Vec<Regex>);

impl Patterns {
    fn compile(file: &str, list: &[String]) -> Result<Self, String> {
        list.iter()
            .map(|p| Regex::new(p).map_err(|e| format!("{file}: bad pattern {p:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()
            .map(Patterns)
    }

    pub fn is_match(&self, line: &str) -> bool {
        self.0.iter().any(|r| r.is_match(line))
    }

    /// The end of the first match at the start of `line`, if any.
    pub fn prefix_end(&self, line: &str) -> Option<usize> {
        self.0
            .iter()
            .filter_map(|r| r.find(line))
            .filter(|m| m.start() == 0)
            .map(|m| m.end())
            .max()
    }
}

/// The generic rules.
#[derive(Debug)]
pub struct Generic {
    pub promo_prefixes: Patterns,
    pub promo_headers: Patterns,
    pub chrome_lines: Patterns,
    pub footer_markers: Patterns,
    pub photo_markers: Patterns,
    pub credit_prefixes: Patterns,
    pub report_lines: Patterns,
}

/// The rules of one site.
#[derive(Debug)]
pub struct Site {
    /// The rule file's name, without `.yaml`.
    #[allow(dead_code)]
    pub id: &'static str,
    pub name: String,
    pub hosts: Vec<String>,
    pub detect: Patterns,
    pub drop: Patterns,
}

impl Site {
    fn matches_host(&self, url: &str) -> bool {
        let host = url_host(url);
        !host.is_empty()
            && self
                .hosts
                .iter()
                .any(|h| host == h.as_str() || host.ends_with(&format!(".{h}")))
    }
}

/// The host part of a URL, lowercased ("" when there is none).
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or_default();
    host.trim_start_matches("www.").to_ascii_lowercase()
}

fn load_generic() -> Result<Generic, String> {
    let f: GenericFile =
        serde_yaml::from_str(GENERIC_FILE).map_err(|e| format!("generic.yaml: {e}"))?;
    let c = |l: &[String]| Patterns::compile("generic.yaml", l);
    Ok(Generic {
        promo_prefixes: c(&f.promo_prefixes)?,
        promo_headers: c(&f.promo_headers)?,
        chrome_lines: c(&f.chrome_lines)?,
        footer_markers: c(&f.footer_markers)?,
        photo_markers: c(&f.photo_markers)?,
        credit_prefixes: c(&f.credit_prefixes)?,
        report_lines: c(&f.report_lines)?,
    })
}

fn load_sites() -> Result<Vec<Site>, String> {
    SITE_FILES
        .iter()
        .map(|(id, text)| {
            let f: SiteFile = serde_yaml::from_str(text).map_err(|e| format!("{id}.yaml: {e}"))?;
            Ok(Site {
                id,
                name: f.name,
                hosts: f.hosts,
                detect: Patterns::compile(id, &f.detect)?,
                drop: Patterns::compile(id, &f.drop)?,
            })
        })
        .collect()
}

/// The rule files are compiled in: one that does not parse is a bug in kabar, caught by
/// `rule_files_compile`, never a rule silently switched off.
static RULES: LazyLock<(Generic, Vec<Site>)> = LazyLock::new(|| {
    (
        load_generic().expect("the compiled-in generic rules parse"),
        load_sites().expect("the compiled-in site rules parse"),
    )
});

/// Checks that every compiled-in rule file parses.
#[cfg(test)]
fn check() -> Result<(), String> {
    load_generic()?;
    load_sites()?;
    Ok(())
}

pub fn generic() -> &'static Generic {
    &RULES.0
}

/// The site whose rules apply: by the host of `url` first, then by the
/// `detect` patterns on the raw input.
pub fn site_for(url: Option<&str>, input: &str) -> Option<&'static Site> {
    let sites = &RULES.1;
    if let Some(u) = url
        && let Some(s) = sites.iter().find(|s| s.matches_host(u))
    {
        return Some(s);
    }
    sites.iter().find(|s| s.detect.is_match(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_files_compile() {
        assert_eq!(check(), Ok(()));
        assert!(generic().promo_prefixes.is_match("Baca juga: Sesuatu"));
        assert!(generic().footer_markers.is_match("Ikuti kami di"));
    }

    #[test]
    fn hosts() {
        assert_eq!(url_host("https://www.Kompas.com/a/b?c"), "kompas.com");
        assert_eq!(url_host("news.detik.com"), "news.detik.com");
        let s = site_for(Some("https://nasional.kompas.com/read/1"), "");
        assert_eq!(s.map(|s| s.id), Some("kompas"));
    }
}
