//! classify: one trimmed line of text (or the plain text of one HTML block) →
//! its [`Class`] (byline, editor, date, dateline, promo, chrome, caption,
//! footer or article text), plus the name, caption and dateline parsers the
//! classes are built from.

use std::sync::LazyLock;

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use regex::Regex;

use super::date;
use super::rules::{self, Site};

/// What a line is, as far as the generic and site rules can tell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Class {
    Byline(Vec<String>),
    Editor(String),
    /// "Laporan Wartawan …", "Reporting by …; Editing by …".
    Report {
        authors: Vec<String>,
        editor: Option<String>,
    },
    Date(Zoned),
    PhotoMarker,
    Credit(String),
    Caption {
        caption: String,
        credit: Option<String>,
    },
    Promo,
    PromoHeader,
    Chrome,
    Footer,
    Text,
}

pub(crate) fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

fn last_char(s: &str) -> Option<char> {
    s.trim_end().chars().last()
}

/// Ends like a sentence (or a quotation closing one).
pub(crate) fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end();
    let t = t.trim_end_matches(['"', '”', '’', '\'', ')', '»', '」', '』', '）']);
    matches!(
        last_char(t),
        Some('.' | '!' | '?' | '…' | ':' | ';' | '。' | '！' | '？' | '：')
    ) || matches!(last_char(s), Some('"' | '”'))
}

/// Long enough, or sentence-like enough, to be a paragraph of prose.
pub(crate) fn is_paragraph(s: &str) -> bool {
    let w = word_count(s);
    w >= 14 || (w >= 6 && ends_sentence(s))
}

/// A headline in a list of links: short, no sentence punctuation at the end.
pub(crate) fn is_headline_like(s: &str) -> bool {
    let w = word_count(s);
    (2..=25).contains(&w) && !matches!(last_char(s), Some('.' | ',' | ';' | ':' | '"' | '”'))
}

/// A subheading inside the body: short, unpunctuated, capitalised.
pub(crate) fn is_subheading(s: &str) -> bool {
    let w = word_count(s);
    let first = s.chars().next();
    (2..=12).contains(&w)
        && s.chars().count() <= 100
        && first.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && !matches!(
            last_char(s),
            Some('.' | ',' | ';' | ':' | '!' | '?' | '"' | '”' | '\'' | '’' | ')' | '-' | '–')
        )
}

const AGENCIES: &[&str] = &[
    "reuters",
    "ap",
    "afp",
    "antara",
    "bernama",
    "xinhua",
    "ani",
    "dpa",
    "efe",
    "upi",
    "kyodo",
    "yonhap",
    "associated press",
    "bloomberg",
];

fn is_domain(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    let l = l.trim();
    !l.contains(' ')
        && [".com", ".id", ".co", ".net", ".org", ".news", ".tv"]
            .iter()
            .any(|tld| l.ends_with(tld) || l.contains(&format!("{tld}.")))
        || l.starts_with("detik")
}

fn is_agency(s: &str) -> bool {
    let l = s.trim().to_lowercase();
    AGENCIES.contains(&l.as_str()) || is_domain(&l)
}

/// Words that make a capitalised name a news outlet's ("Harbour Wire", "Kabar
/// Satu"), not a person's.
const OUTLET_WORDS: &[&str] = &[
    "news",
    "wire",
    "post",
    "times",
    "daily",
    "media",
    "press",
    "ledger",
    "gazette",
    "courier",
    "herald",
    "tribune",
    "journal",
    "chronicle",
    "tv",
    "radio",
    "network",
    "agency",
    "kabar",
    "berita",
    "harian",
    "warta",
    "pos",
    "suara",
    "televisi",
    "kantor",
    "online",
    "magazine",
];

/// A news agency, a site's domain, an outlet's name or an acronym ("CNN").
fn is_outlet(s: &str) -> bool {
    let t = s.trim();
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    let acronym = !t.contains(' ')
        && (2..=5).contains(&letters.len())
        && letters.iter().all(|c| c.is_uppercase());
    is_agency(t)
        || acronym
        || t.split_whitespace().any(|w| {
            OUTLET_WORDS.contains(
                &w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
                    .as_str(),
            )
        })
}

/// A job title after a byline's name ("AP Auto Writer", "Koresponden").
fn is_job_title(s: &str) -> bool {
    let l = s.trim().to_lowercase();
    [
        "writer",
        "correspondent",
        "reporter",
        "editor",
        "koresponden",
        "wartawan",
        "kontributor",
    ]
    .iter()
    .any(|t| l.ends_with(t))
}

const PARTICLES: &[&str] = &[
    "bin", "binti", "van", "von", "de", "da", "al", "el", "der", "la", "le",
];

fn is_name(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    (1..=6).contains(&words.len())
        && words.iter().all(|w| {
            let w = w.trim_matches(|c: char| c == '.' || c == ',');
            w.chars().next().is_some_and(|c| c.is_uppercase())
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '’' | '-'))
                || PARTICLES.contains(&w.to_lowercase().as_str())
        })
}

/// "ELLEN MARSH" → "Ellen Marsh"; other names are left as they are.
fn title_case_if_shouting(name: &str) -> String {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 4 || letters.iter().any(|c| c.is_lowercase()) {
        return name.to_string();
    }
    name.split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut cs = lower.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

static NAME_SPLIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*(?:,|;|\||&|\s+dan\s+|\s+and\s+)\s*").expect("NAME_SPLIT pattern compiles")
});
static PAREN_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*\([^()]*\)\s*$").expect("PAREN_TAIL pattern compiles"));

/// Splits "A, B dan C" / "A and B, Reuters" into names, dropping agencies.
/// Returns None when a part does not look like a person's name.
pub(crate) fn parse_names(s: &str) -> Option<Vec<String>> {
    let s = PAREN_TAIL.replace(s, "").to_string();
    let parts: Vec<String> = NAME_SPLIT.split(&s).map(collapse_ws).collect();
    let mut names = Vec::new();
    for (i, p) in parts.into_iter().filter(|p| !p.is_empty()).enumerate() {
        // After the first name, "Jane Doe, Harbour Wire" or "…, AP Auto Writer".
        if is_agency(&p) || i > 0 && (is_outlet(&p) || is_job_title(&p)) {
            continue;
        }
        // "Kontributor Jayapura, Markus Yikwa": a title and a place, then the name.
        if p.split_whitespace().next().is_some_and(is_job_title) {
            continue;
        }
        if !is_name(&p) {
            return None;
        }
        names.push(title_case_if_shouting(&p));
    }
    (!names.is_empty()).then_some(names)
}

static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:penulis|reporter|wartawan|pewarta|author|authors|writer|written by|ditulis oleh|oleh)\s*[:：]\s*(.+)$|^(?i:oleh|penulis|reporter|pewarta|wartawan)\s+(.+)$|^(?:By|BY)\s*:?\s+(.+)$").expect("BYLINE pattern compiles")
});
static EDITOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:editor|penyunting|redaktur|edited by)\s*[:：]?\s*(.+)$")
        .expect("EDITOR pattern compiles")
});
static NAME_OUTLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([^,]{3,60}),\s*([^,]{2,60})$").expect("NAME_OUTLET pattern compiles")
});
static NAME_DASH_SITE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.+?)\s+[-–—|]\s+(\S+)$").expect("NAME_DASH_SITE pattern compiles")
});
static REPORT_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(additional reporting|reporting|writing|editing)\s+by\s+(.+)$")
        .expect("REPORT_PART pattern compiles")
});
static CREDIT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(foto|photo|image|picture|pic|credit)\s*:")
        .expect("CREDIT_LABEL pattern compiles")
});
static CAPTION_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.+?)\s*\(((?:[^()]*/[^()]*)|(?:(?i:foto|photo|image|picture|pic|credit|dok\.?|istimewa|ilustrasi|getty|shutterstock|reuters|ap|afp|antara)[^()]*))\)\s*\.?$").expect("CAPTION_CREDIT pattern compiles")
});

fn classify_byline(line: &str) -> Option<Class> {
    if word_count(line) > 14 {
        return None;
    }
    if line.contains('|') {
        return classify_credit_parts(line);
    }
    if let Some(c) = BYLINE.captures(line) {
        let names = c.get(1).or(c.get(2)).or(c.get(3))?.as_str();
        if let Some(n) = parse_names(names) {
            return Some(Class::Byline(n));
        }
        // "By Reuters": no person to record, but not article text either.
        return is_outlet(names).then_some(Class::Chrome);
    }
    if let Some(c) = EDITOR.captures(line) {
        let names = parse_names(c.get(1)?.as_str())?;
        return names.into_iter().next().map(Class::Editor);
    }
    if let Some(c) = NAME_DASH_SITE.captures(line)
        && is_agency(c.get(2)?.as_str())
    {
        return parse_names(c.get(1)?.as_str()).map(Class::Byline);
    }
    if let Some(c) = NAME_OUTLET.captures(line) {
        let (name, outlet) = (c.get(1)?.as_str(), c.get(2)?.as_str());
        if (is_outlet(outlet) || is_job_title(outlet)) && word_count(name) >= 2 && !is_outlet(name)
        {
            return parse_names(name).map(Class::Byline);
        }
    }
    None
}

/// "Reporter NAME | Editor NAME": every part a byline or an editor line.
fn classify_credit_parts(line: &str) -> Option<Class> {
    let mut authors = Vec::new();
    let mut editor = None;
    for part in line.split('|').map(str::trim).filter(|p| !p.is_empty()) {
        match classify_byline(part)? {
            Class::Byline(n) => authors.extend(n),
            Class::Editor(e) => editor = editor.or(Some(e)),
            _ => return None,
        }
    }
    Some(Class::Report { authors, editor })
}

fn classify_report(line: &str) -> Option<Class> {
    if !rules::generic().report_lines.is_match(line) {
        return None;
    }
    let mut authors = Vec::new();
    let mut editor = None;
    for part in line.split(';') {
        if let Some(c) = REPORT_PART.captures(part.trim()) {
            let kind = c
                .get(1)
                .map(|m| m.as_str().to_lowercase())
                .unwrap_or_default();
            let names = c
                .get(2)
                .and_then(|m| parse_names(m.as_str().trim_end_matches('.')));
            match (kind.as_str(), names) {
                ("reporting" | "writing", Some(n)) => authors.extend(n),
                ("editing", Some(n)) => editor = n.into_iter().next(),
                _ => {}
            }
        }
    }
    Some(Class::Report { authors, editor })
}

/// Splits "caption (CREDIT/NAME)" into caption and credit.
pub(crate) fn split_caption(line: &str) -> (String, Option<String>) {
    if let Some(c) = CAPTION_CREDIT.captures(line)
        && let (Some(cap), Some(cr)) = (c.get(1), c.get(2))
        && cr.as_str().chars().filter(|c| c.is_alphabetic()).count() >= 2
    {
        return (collapse_ws(cap.as_str()), Some(collapse_ws(cr.as_str())));
    }
    (collapse_ws(line), None)
}

fn looks_like_credit(s: &str) -> bool {
    let w = word_count(s);
    w <= 5
        && !ends_sentence(s)
        && (s.contains('/') || is_name(s) || is_agency(s) || s.chars().any(|c| c.is_uppercase()))
}

/// State carried from line to line (photo widgets).
#[derive(Debug, Default)]
pub(crate) struct ClassifyState {
    widget_left: u8,
    widget_seen_credit: bool,
}

/// Classifies one line. `contiguous` tells whether the line follows the
/// previous one without a blank line.
pub(crate) fn classify(
    line: &str,
    st: &mut ClassifyState,
    contiguous: bool,
    site: Option<&Site>,
    tz: &TimeZone,
) -> Class {
    let g = rules::generic();
    if !contiguous {
        st.widget_left = 0;
    }
    if st.widget_left > 0 {
        st.widget_left -= 1;
        if word_count(line) <= 20 && !is_dateline_start(line) {
            if let Some(rest) = g.credit_prefixes.prefix_end(line) {
                return Class::Credit(collapse_ws(line.get(rest..).unwrap_or_default()));
            }
            let (caption, credit) = split_caption(line);
            if credit.is_some() {
                return Class::Caption { caption, credit };
            }
            if !st.widget_seen_credit && looks_like_credit(line) {
                st.widget_seen_credit = true;
                return Class::Credit(collapse_ws(line));
            }
            return Class::Caption {
                caption,
                credit: None,
            };
        }
        st.widget_left = 0;
    }
    if site.is_some_and(|s| s.drop.is_match(line)) {
        return Class::Chrome;
    }
    if g.footer_markers.is_match(line) {
        return Class::Footer;
    }
    if g.chrome_lines.is_match(line)
        || (line.contains(['·', '|', '•'])
            && line
                .split(['·', '|', '•'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .all(|p| g.chrome_lines.is_match(p)))
    {
        return Class::Chrome;
    }
    if g.promo_headers.is_match(line) {
        return Class::PromoHeader;
    }
    if let Some(end) = g.promo_prefixes.prefix_end(line) {
        let rest = line
            .get(end..)
            .unwrap_or_default()
            .trim_matches(|c: char| c.is_whitespace() || c == ':');
        return if rest.is_empty() {
            Class::PromoHeader
        } else {
            Class::Promo
        };
    }
    if g.photo_markers.is_match(line) {
        st.widget_left = 2;
        st.widget_seen_credit = false;
        return Class::PhotoMarker;
    }
    if let Some(rest) = g.credit_prefixes.prefix_end(line) {
        let rest = collapse_ws(line.get(rest..).unwrap_or_default());
        let (caption, credit) = split_caption(&rest);
        if credit.is_none() && word_count(&rest) <= 6 {
            return Class::Credit(rest);
        }
        return Class::Caption { caption, credit };
    }
    if let Some(c) = classify_report(line) {
        if let Class::Report { authors, editor } = &c
            && authors.is_empty()
            && editor.is_none()
            && let Some(b) = classify_byline(line)
        {
            return b;
        }
        return c;
    }
    if let Some(c) = classify_byline(line) {
        return c;
    }
    if let Some(d) = date::parse_date_line(line, tz) {
        return Class::Date(d);
    }
    if word_count(line) <= 40 {
        let (caption, credit) = split_caption(line);
        if let Some(cr) = credit
            && (cr.contains('/') || CREDIT_LABEL.is_match(&cr))
        {
            return Class::Caption {
                caption,
                credit: Some(cr),
            };
        }
    }
    Class::Text
}

static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([^!?\x22“”]{2,80}?)(?:\s+[-–—]+\s*|\s*[–—]+\s*|\s+--\s*)(\S.*)$")
        .expect("DATELINE pattern compiles")
});
static PARENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(([^()]*)\)").expect("PARENS pattern compiles"));

/// A parsed dateline: the city (uppercase) and the agency or site named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dateline {
    pub city: Option<String>,
    pub agency: Option<String>,
    pub rest: String,
}

fn is_dateish(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
}

fn city_case(s: &str) -> Option<bool> {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 {
        return None;
    }
    if !words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '.' | '-' | '\''))
    }) {
        return None;
    }
    let letters: String = s.chars().filter(|c| c.is_alphabetic()).collect();
    if !letters.is_empty() && letters.chars().all(|c| c.is_uppercase()) {
        return Some(true);
    }
    if words.len() <= 3
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
    {
        return Some(false);
    }
    None
}

/// Parses a dateline prefix such as "JAKARTA, KOMPAS.com –", "TRIBUNNEWS.COM ,
/// PYONGYANG –", "JAKARTA (Reuters) -", "LONDON, Nov 12 (AP) —" or
/// "KOMPAS.com - ".
pub(crate) fn parse_dateline(line: &str) -> Option<Dateline> {
    let c = DATELINE.captures(line)?;
    let pre = c.get(1)?.as_str().trim();
    let rest = c.get(2)?.as_str().trim().to_string();
    if pre.contains(". ") || pre.ends_with('.') || word_count(pre) > 8 {
        return None;
    }
    let mut agency: Option<String> = None;
    let mut city: Option<String> = None;
    let mut upper_city = false;
    let mut extra_part = false;
    let mut parts: Vec<String> = Vec::new();
    for p in PARENS.captures_iter(pre) {
        if let Some(m) = p.get(1) {
            let a = m.as_str().trim();
            if is_agency(a) || city_case(a).is_some() {
                agency.get_or_insert_with(|| a.to_string());
            } else {
                return None;
            }
        }
    }
    let without_parens = PARENS.replace_all(pre, ",").to_string();
    parts.extend(
        without_parens
            .split(',')
            .map(collapse_ws)
            .filter(|p| !p.is_empty()),
    );
    for p in &parts {
        if is_domain(p) || is_agency(p) {
            agency.get_or_insert_with(|| p.clone());
        } else if is_dateish(p) {
            continue;
        } else if let Some(upper) = city_case(p) {
            match &city {
                None => {
                    upper_city = upper;
                    city = Some(p.to_uppercase());
                }
                // "BANDUNG, Kabar Priangan --": the outlet after the city.
                Some(_) if agency.is_none() && is_outlet(p) => agency = Some(p.clone()),
                // "CEBU, Philippines (Wire) —": the country after the city.
                Some(_) if !extra_part => extra_part = true,
                Some(_) => return None,
            }
        } else {
            return None;
        }
    }
    let ok = match (&city, &agency) {
        (_, Some(_)) => true,
        (Some(_), None) => upper_city || parts.len() == 1,
        (None, None) => false,
    };
    ok.then_some(Dateline { city, agency, rest })
}

/// "Kupang -" on a line of its own: the dateline of the paragraph below. Returns
/// the line with the dash, ready to be joined to that paragraph.
pub(crate) fn lone_dateline(line: &str) -> Option<&str> {
    let city = line.trim_end().strip_suffix(['-', '–', '—'])?.trim_end();
    let city = city.trim_end_matches(['-', '–', '—']).trim_end();
    let (place, outlet) = match city.split_once(',') {
        Some((p, o)) => (p.trim(), Some(o.trim())),
        None => (city, None),
    };
    (city_case(place).is_some() && outlet.is_none_or(is_outlet)).then_some(line.trim())
}

/// Whether a line opens with a dateline.
pub(crate) fn is_dateline_start(line: &str) -> bool {
    parse_dateline(line).is_some()
}

/// Normalises an agency or site named in a dateline to a source name.
pub(crate) fn agency_name(a: &str) -> String {
    let a = a.trim();
    let letters: String = a.chars().filter(|c| c.is_alphabetic()).collect();
    if a.len() > 4 && letters.chars().all(|c| c.is_uppercase()) {
        let lower = a.to_lowercase();
        let mut cs = lower.chars();
        return match cs.next() {
            Some(f) => f.to_uppercase().chain(cs).collect(),
            None => String::new(),
        };
    }
    a.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern that does not compile must fail here, not disable its rule.
    #[test]
    fn every_pattern_compiles() {
        for re in [
            &NAME_SPLIT,
            &PAREN_TAIL,
            &BYLINE,
            &EDITOR,
            &NAME_DASH_SITE,
            &NAME_OUTLET,
            &REPORT_PART,
            &CAPTION_CREDIT,
            &CREDIT_LABEL,
            &DATELINE,
            &PARENS,
        ] {
            assert!(!LazyLock::force(re).as_str().is_empty());
        }
    }

    #[test]
    fn datelines() {
        let d = |s: &str| {
            parse_dateline(s).map(|d| (d.city, d.agency.map(|a| agency_name(&a)), d.rest))
        };
        assert_eq!(
            d("TRIBUNNEWS.COM , PYONGYANG – Presiden Korea Utara hadir."),
            Some((
                Some("PYONGYANG".into()),
                Some("Tribunnews.com".into()),
                "Presiden Korea Utara hadir.".into()
            ))
        );
        assert_eq!(
            d("JAKARTA, KOMPAS.com – Harga naik.").and_then(|x| x.0),
            Some("JAKARTA".into())
        );
        assert_eq!(d("KOMPAS.com - Harga naik.").map(|x| x.0), Some(None));
        assert_eq!(
            d("JAKARTA (Reuters) - Indonesia said.").and_then(|x| x.1),
            Some("Reuters".into())
        );
        assert_eq!(
            d("LONDON, Nov 12 (AP) — A man said.").and_then(|x| x.0),
            Some("LONDON".into())
        );
        assert_eq!(
            d("Jakarta - Presiden berkata.").and_then(|x| x.0),
            Some("JAKARTA".into())
        );
        assert_eq!(
            d("CEBU, Philippines (Harbour Wire) — Ferries resumed.").map(|x| (x.0, x.1)),
            Some((Some("CEBU".into()), Some("Harbour Wire".into())))
        );
        assert_eq!(
            d("BANDUNG, Kabar Priangan -- Petani bersiap.").map(|x| (x.0, x.1)),
            Some((Some("BANDUNG".into()), Some("Kabar Priangan".into())))
        );
        assert_eq!(lone_dateline("Kupang -"), Some("Kupang -"));
        assert_eq!(lone_dateline("Harga naik -"), None);
        assert_eq!(d("Menurut dia, harga beras naik - dan terus naik."), None);
        assert_eq!(d("The minister - who spoke on Monday - said."), None);
    }

    #[test]
    fn bylines() {
        assert_eq!(
            classify_byline("Penulis: Namira Yunia Lestanti"),
            Some(Class::Byline(vec!["Namira Yunia Lestanti".into()]))
        );
        assert_eq!(
            classify_byline("Editor: Hendra Gunawan"),
            Some(Class::Editor("Hendra Gunawan".into()))
        );
        assert_eq!(
            classify_byline("By Jane Doe and John Roe, Reuters"),
            Some(Class::Byline(vec!["Jane Doe".into(), "John Roe".into()]))
        );
        assert_eq!(
            classify_byline("Oleh: Rina Sari"),
            Some(Class::Byline(vec!["Rina Sari".into()]))
        );
        assert_eq!(
            classify_byline("Oleh karena itu, pemerintah menunda rencana itu."),
            None
        );
        assert_eq!(
            classify_byline("Emma Castillo, Harbour Wire"),
            Some(Class::Byline(vec!["Emma Castillo".into()]))
        );
        assert_eq!(
            classify_byline("Tom Roe, AP Auto Writer"),
            Some(Class::Byline(vec!["Tom Roe".into()]))
        );
        assert_eq!(classify_byline("By Reuters"), Some(Class::Chrome));
        assert_eq!(classify_byline("Jakarta, Indonesia"), None);
        assert_eq!(
            classify_byline("Reporter Dimas Pratama | Editor Sari Wulandari"),
            Some(Class::Report {
                authors: vec!["Dimas Pratama".into()],
                editor: Some("Sari Wulandari".into())
            })
        );
        assert_eq!(
            classify_byline("Firdaus Anwar - detikNews"),
            Some(Class::Byline(vec!["Firdaus Anwar".into()]))
        );
    }

    #[test]
    fn captions() {
        assert_eq!(
            split_caption("Warga antre di pasar, Rabu (19/6/2024). (KOMPAS.com/ANDI PUTRA)"),
            (
                "Warga antre di pasar, Rabu (19/6/2024).".to_string(),
                Some("KOMPAS.com/ANDI PUTRA".to_string())
            )
        );
    }
}
