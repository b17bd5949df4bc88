//! Filters: dates and interface words in the reader's language (Indonesian or English).

use jiff::ZonedDateTime;
use jiff::civil::{Date, Weekday};

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_id(lang: &str) -> bool {
    lang.starts_with("id") || lang.starts_with("ms")
}

pub fn month_name(month: i8, lang: &str) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    if is_id(lang) {
        MONTHS_ID[i]
    } else {
        MONTHS_EN[i]
    }
}

fn weekday_name(w: Weekday, lang: &str) -> &'static str {
    match (w, is_id(lang)) {
        (Weekday::Monday, true) => "Senin",
        (Weekday::Tuesday, true) => "Selasa",
        (Weekday::Wednesday, true) => "Rabu",
        (Weekday::Thursday, true) => "Kamis",
        (Weekday::Friday, true) => "Jumat",
        (Weekday::Saturday, true) => "Sabtu",
        (Weekday::Sunday, true) => "Minggu",
        (Weekday::Monday, false) => "Monday",
        (Weekday::Tuesday, false) => "Tuesday",
        (Weekday::Wednesday, false) => "Wednesday",
        (Weekday::Thursday, false) => "Thursday",
        (Weekday::Friday, false) => "Friday",
        (Weekday::Saturday, false) => "Saturday",
        (Weekday::Sunday, false) => "Sunday",
    }
}

/// "Kamis, 20 Juni 2024" / "Thursday, 20 June 2024".
pub fn long_date(d: Date, lang: &str) -> String {
    format!(
        "{}, {} {} {}",
        weekday_name(d.weekday(), lang),
        d.day(),
        month_name(d.month(), lang),
        d.year()
    )
}

/// "Kamis, 20 Juni 2024 · 10.15 WIB" (Indonesian writes times with a dot).
pub fn date_time(z: &ZonedDateTime, lang: &str) -> String {
    format!("{} · {}", long_date(z.date(), lang), time_of_day(z, lang))
}

/// "10.15 WIB" / "10:15 WIB": what a card under its day's heading shows.
pub fn time_of_day(z: &ZonedDateTime, lang: &str) -> String {
    let sep = if is_id(lang) { '.' } else { ':' };
    let zone = z.strftime("%Z").to_string();
    format!("{:02}{sep}{:02} {zone}", z.hour(), z.minute())
}

/// RFC 3339 with the local offset, as feeds and `<time datetime>` want it.
pub fn rfc3339(z: &ZonedDateTime) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The theme's table of interface strings (`templates/strings.yaml`), compiled in.
pub const BUILTIN_STRINGS: &str = include_str!("../../templates/strings.yaml");

/// Interface words of the default theme in one language. Every key is required in the
/// built-in table (a test reads it), so a site's partial table falls back key by key.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub skip: String,
    pub related: String,
    pub story: String,
    pub tags: String,
    pub all_tags: String,
    pub newer: String,
    pub older: String,
    pub next_page: String,
    pub prev_page: String,
    pub page: String,
    pub newest_page: String,
    pub edition: String,
    pub archive: String,
    pub by: String,
    pub editor: String,
    pub source: String,
    pub read_original: String,
    pub updated: String,
    pub minutes: String,
    pub search: String,
    pub search_site: String,
    pub no_results: String,
    pub results: String,
    pub more_in_story: String,
    pub search_needs_script: String,
    pub not_found: String,
    pub not_found_text: String,
    pub home: String,
    pub stories: String,
    pub feed: String,
    pub latest: String,
    pub photo: String,
    pub correction: String,
    pub corrections: String,
    pub corrections_text: String,
    pub retracted: String,
    pub moved: String,
    pub sections: String,
    pub section: String,
    pub authors: String,
    pub sources: String,
    pub more_in_section: String,
    pub lead: String,
    pub review: String,
    pub review_text: String,
    pub status: String,
    pub date: String,
    pub file: String,
    pub embargo: String,
    pub findings: String,
    pub no_findings: String,
    pub not_published: String,
}

/// The built-in table, per language.
fn builtin() -> &'static std::collections::BTreeMap<String, Words> {
    static TABLE: std::sync::OnceLock<std::collections::BTreeMap<String, Words>> =
        std::sync::OnceLock::new();
    // Compiled in and read by a unit test: a failure here is a bug in the theme, not input.
    TABLE.get_or_init(|| {
        serde_yaml::from_str(BUILTIN_STRINGS).expect("the built-in strings.yaml parses")
    })
}

/// `id-ID` → `id`; Malay reads the Indonesian table rather than English.
fn table_lang(lang: &str) -> &str {
    let primary = lang.split(['-', '_']).next().unwrap_or(lang);
    if primary.eq_ignore_ascii_case("ms") {
        "id"
    } else {
        primary
    }
}

/// The theme's words in `lang` (English when the theme has no table for it).
pub fn words(lang: &str) -> Words {
    let table = builtin();
    let key = table_lang(lang).to_ascii_lowercase();
    table
        .get(&key)
        .or_else(|| table.get("en"))
        .cloned()
        .expect("the built-in table has English")
}

/// Every language's words for one site: the theme's table with the site's
/// `strings:` laid over it, key by key.
#[derive(Debug, Clone)]
pub struct Strings {
    by_lang: std::collections::BTreeMap<String, Words>,
    site_lang: String,
}

impl Strings {
    pub fn new(config: &crate::config::Config) -> Strings {
        let mut by_lang = builtin().clone();
        for (lang, over) in &config.strings {
            let key = table_lang(lang).to_ascii_lowercase();
            let base = by_lang.get(&key).cloned().unwrap_or_else(|| words(&key));
            let mut v = serde_json::to_value(&base).unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                for (k, text) in over {
                    if map.contains_key(k) {
                        map.insert(k.clone(), serde_json::Value::String(text.clone()));
                    }
                }
            }
            if let Ok(w) = serde_json::from_value(v) {
                by_lang.insert(key, w);
            }
        }
        Strings {
            by_lang,
            site_lang: config.lang.clone(),
        }
    }

    /// The words for a page in `lang`: its table, else English.
    pub fn get(&self, lang: &str) -> &Words {
        let key = table_lang(lang).to_ascii_lowercase();
        self.by_lang
            .get(&key)
            .or_else(|| self.by_lang.get(table_lang(&self.site_lang)))
            .or_else(|| self.by_lang.get("en"))
            .expect("the built-in table has English")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_has_every_key_in_both_languages() {
        let table: std::collections::BTreeMap<String, Words> =
            serde_yaml::from_str(BUILTIN_STRINGS).expect("strings.yaml parses");
        assert!(table.contains_key("id") && table.contains_key("en"));
        assert_eq!(words("id-ID").by, "Oleh");
        assert_eq!(words("fr").by, "By");
    }

    #[test]
    fn indonesian_and_english_dates() {
        let d = jiff::civil::date(2024, 6, 20);
        assert_eq!(long_date(d, "id"), "Kamis, 20 Juni 2024");
        assert_eq!(long_date(d, "en"), "Thursday, 20 June 2024");
    }
}
