//! date: one date string as news pages print it (Indonesian and English forms,
//! with WIB/WITA/WIT, named zones or UTC offsets) or as metadata gives it (ISO
//! 8601, RFC 2822) → a zoned date-time in the import time zone.

use std::sync::LazyLock;

use jiff::ZonedDateTime as Zoned;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use regex::Regex;

const MONTHS: &[(&str, i8)] = &[
    ("januari", 1),
    ("january", 1),
    ("jan", 1),
    ("februari", 2),
    ("february", 2),
    ("pebruari", 2),
    ("feb", 2),
    ("maret", 3),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("mei", 5),
    ("may", 5),
    ("juni", 6),
    ("june", 6),
    ("jun", 6),
    ("juli", 7),
    ("july", 7),
    ("jul", 7),
    ("agustus", 8),
    ("august", 8),
    ("agu", 8),
    ("agt", 8),
    ("ags", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("oktober", 10),
    ("october", 10),
    ("okt", 10),
    ("oct", 10),
    ("november", 11),
    ("nopember", 11),
    ("nov", 11),
    ("desember", 12),
    ("december", 12),
    ("des", 12),
    ("dec", 12),
];

/// Zone abbreviations and their offsets in minutes.
const ZONES: &[(&str, i32)] = &[
    ("WIB", 7 * 60),
    ("WITA", 8 * 60),
    ("WIT", 9 * 60),
    ("GMT", 0),
    ("UTC", 0),
    ("Z", 0),
    ("BST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("EDT", -4 * 60),
    ("EST", -5 * 60),
    ("CDT", -5 * 60),
    ("CST", -6 * 60),
    ("MDT", -6 * 60),
    ("MST", -7 * 60),
    ("PDT", -7 * 60),
    ("PST", -8 * 60),
    ("SGT", 8 * 60),
    ("MYT", 8 * 60),
    ("JST", 9 * 60),
    ("KST", 9 * 60),
    ("AEST", 10 * 60),
    ("IST", 5 * 60 + 30),
];

/// Words allowed around a date on a date line.
const FILLER: &[&str] = &[
    "updated",
    "update",
    "published",
    "posted",
    "last",
    "on",
    "at",
    "diperbarui",
    "dipublikasikan",
    "diterbitkan",
    "terbit",
    "tayang",
    "pukul",
    "jam",
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "jum'at",
    "sabtu",
    "minggu",
    "ahad",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "ET",
    "et",
];

const MONTH_RE: &str = r"(?i:januari|january|jan|februari|pebruari|february|feb|maret|march|mar|april|apr|mei|may|juni|june|jun|juli|july|jul|agustus|august|agu|agt|ags|aug|september|sept|sep|oktober|october|okt|oct|november|nopember|nov|desember|december|des|dec)";

static DMY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b(\d{{1,2}})\s+({MONTH_RE})\.?,?\s+(\d{{4}})\b"))
        .expect("DMY pattern compiles")
});
static MDY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b({MONTH_RE})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b"))
        .expect("MDY pattern compiles")
});
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b").expect("NUMERIC pattern compiles")
});
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").expect("ISO_DATE pattern compiles")
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*(a\.?m\.?|p\.?m\.?)(?:\s|$|,))?")
        .expect("TIME pattern compiles")
});
static UPDATED_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\s|[|·•,;-])\s*(?:updated|last updated|diperbarui|update)\b")
        .expect("UPDATED_SUFFIX pattern compiles")
});
static ZONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(WITA|WIB|WIT|GMT|UTC|BST|CEST|CET|EDT|EST|CDT|CST|MDT|MST|PDT|PST|SGT|MYT|JST|KST|AEST|IST)\b(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?|(?:^|\s)([+-])(\d{2}):?(\d{2})\b").expect("ZONE pattern compiles")
});

pub(crate) fn month_number(s: &str) -> Option<i8> {
    let l = s.to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == l).map(|(_, m)| *m)
}

fn num<T: std::str::FromStr>(c: &regex::Captures<'_>, i: usize) -> Option<T> {
    c.get(i).and_then(|m| m.as_str().parse().ok())
}

/// Finds a calendar date in `line`; returns it and the byte span it covers.
type Ymd = Option<(i16, i8, i8)>;

fn find_date(line: &str) -> Option<(Date, (usize, usize))> {
    let try_re = |re: &Regex, order: &dyn Fn(&regex::Captures<'_>) -> Ymd| {
        re.captures_iter(line).find_map(|c| {
            let (y, m, d) = order(&c)?;
            let m0 = c.get(0)?;
            Date::new(y, m, d)
                .ok()
                .map(|date| (date, (m0.start(), m0.end())))
        })
    };
    try_re(&DMY, &|c| {
        Some((num(c, 3)?, month_number(c.get(2)?.as_str())?, num(c, 1)?))
    })
    .or_else(|| {
        try_re(&MDY, &|c| {
            Some((num(c, 3)?, month_number(c.get(1)?.as_str())?, num(c, 2)?))
        })
    })
    .or_else(|| try_re(&ISO_DATE, &|c| Some((num(c, 1)?, num(c, 2)?, num(c, 3)?))))
    .or_else(|| try_re(&NUMERIC, &|c| Some((num(c, 3)?, num(c, 2)?, num(c, 1)?))))
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Parses a line that is (mostly) a date, such as "Kamis, 20 Juni 2024 10:15
/// WIB", "20/06/2024, 10:15 WIB", "June 20, 2024 10:15 AM GMT+7" or "Updated
/// 3:04 PM EDT, Thu June 20, 2024". A line with more than a few other words
/// is not a date line. Times without a zone are taken in `tz`.
pub fn parse_date_line(line: &str, tz: &TimeZone) -> Option<Zoned> {
    if line.chars().count() > 90 {
        return None;
    }
    // "June 21, 2024 3:45 PM GMT+8 Updated 2 hours ago": the publication date
    // is the part before the update note.
    if let Some(m) = UPDATED_SUFFIX.find(line)
        && m.start() > 0
        && let Some(z) = parse_date_line(line[..m.start()].trim_end(), tz)
    {
        return Some(z);
    }
    let (date, dspan) = find_date(line)?;
    let mut spans = vec![dspan];
    let mut time = Time::midnight();
    let mut has_time = false;
    if let Some(c) = TIME.captures_iter(line).find(|c| {
        c.get(0)
            .is_some_and(|m| !overlaps((m.start(), m.end()), dspan))
    }) && let Some(m0) = c.get(0)
    {
        let mut h: i8 = num(&c, 1)?;
        let mi: i8 = num(&c, 2)?;
        let s: i8 = num(&c, 3).unwrap_or(0);
        if let Some(ampm) = c.get(4) {
            let pm = ampm.as_str().to_ascii_lowercase().starts_with('p');
            if h == 12 {
                h = 0;
            }
            if pm {
                h += 12;
            }
        }
        time = Time::new(h, mi, s, 0).ok()?;
        has_time = true;
        spans.push((m0.start(), m0.end()));
    }
    let mut offset: Option<i32> = None;
    if let Some(c) = ZONE.captures_iter(line).find(|c| {
        c.get(0).is_some_and(|m| {
            let start = m.start() + (m.as_str().len() - m.as_str().trim_start().len());
            !spans.iter().any(|s| overlaps((start, m.end()), *s))
        })
    }) && let Some(m0) = c.get(0)
    {
        let (base, sign, hh, mm) = if let Some(z) = c.get(1) {
            let base = ZONES
                .iter()
                .find(|(n, _)| *n == z.as_str())
                .map_or(0, |(_, o)| *o);
            (
                base,
                c.get(2).map(|m| m.as_str()),
                num::<i32>(&c, 3),
                num::<i32>(&c, 4),
            )
        } else {
            (
                0,
                c.get(5).map(|m| m.as_str()),
                num::<i32>(&c, 6),
                num::<i32>(&c, 7),
            )
        };
        let extra = match (sign, hh) {
            (Some(sg), Some(h)) => {
                let v = h * 60 + mm.unwrap_or(0);
                if sg == "-" { -v } else { v }
            }
            _ => base,
        };
        offset = Some(extra);
        spans.push((m0.start(), m0.end()));
    }
    // What is left must be filler.
    let mut rest = String::with_capacity(line.len());
    for (i, ch) in line.char_indices() {
        if spans.iter().any(|s| i >= s.0 && i < s.1) {
            rest.push(' ');
        } else {
            rest.push(ch);
        }
    }
    let leftover = rest
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | '|' | '-' | '–' | '—' | '(' | ')' | ':' | '/' | '•' | '·'
                )
        })
        .filter(|w| !w.is_empty())
        .filter(|w| {
            let l = w.trim_end_matches('.').to_lowercase();
            !FILLER.contains(&l.as_str()) && !FILLER.contains(w)
        })
        .count();
    if leftover > 2 {
        return None;
    }
    let _ = has_time;
    let dt = DateTime::from_parts(date, time);
    let zoned = match offset {
        Some(mins) => {
            let off = Offset::from_seconds(mins.checked_mul(60)?).ok()?;
            dt.to_zoned_datetime(TimeZone::fixed(off))
                .ok()?
                .with_time_zone(tz.clone())
        }
        None => dt.to_zoned_datetime(tz.clone()).ok()?,
    };
    Some(zoned)
}

/// Parses a machine-readable date from metadata: RFC 3339 / ISO 8601 with or
/// without offset, or a bare date; falls back to the human forms.
pub fn parse_iso(s: &str, tz: &TimeZone) -> Option<Zoned> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned_datetime(tz.clone()));
    }
    // "+0700" style offsets.
    // `split_at_checked`: the fifth byte from the end may be inside a character.
    if s.len() > 5
        && let Some((head, tail)) = s.split_at_checked(s.len() - 5)
        && tail.starts_with(['+', '-'])
        && tail[1..].chars().all(|c| c.is_ascii_digit())
        && let Ok(ts) = format!("{head}{}:{}", &tail[..3], &tail[3..]).parse::<jiff::Timestamp>()
    {
        return Some(ts.to_zoned_datetime(tz.clone()));
    }
    let slashed =
        s.len() >= 10 && s.as_bytes().get(4) == Some(&b'/') && s.as_bytes().get(7) == Some(&b'/');
    let owned;
    let s = if slashed {
        owned = s.replacen('/', "-", 2);
        owned.as_str()
    } else {
        s
    };
    if let Ok(dt) = s.replacen(' ', "T", 1).parse::<DateTime>() {
        return dt.to_zoned_datetime(tz.clone()).ok();
    }
    if let Ok(d) = s.parse::<Date>() {
        return d.to_zoned_datetime(tz.clone()).ok();
    }
    parse_date_line(s, tz)
}

/// Formats as RFC 3339 with offset.
pub fn rfc3339(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern that does not compile must fail here, not disable its rule.
    #[test]
    fn every_pattern_compiles() {
        for re in [
            &DMY,
            &MDY,
            &NUMERIC,
            &ISO_DATE,
            &TIME,
            &ZONE,
            &UPDATED_SUFFIX,
        ] {
            assert!(!LazyLock::force(re).as_str().is_empty());
        }
    }

    fn jkt() -> TimeZone {
        TimeZone::get("Asia/Jakarta").unwrap_or(TimeZone::UTC)
    }

    fn p(s: &str) -> Option<String> {
        parse_date_line(s, &jkt()).map(|z| rfc3339(&z))
    }

    #[test]
    fn indonesian_forms() {
        assert_eq!(
            p("Kamis, 20 Juni 2024 10:15 WIB").as_deref(),
            Some("2024-06-20T10:15:00+07:00")
        );
        assert_eq!(
            p("20/06/2024, 10:15 WIB").as_deref(),
            Some("2024-06-20T10:15:00+07:00")
        );
        assert_eq!(
            p("Rabu, 19 Jun 2024 14.30 WITA").as_deref(),
            Some("2024-06-19T13:30:00+07:00")
        );
        assert_eq!(
            p("Senin, 3 Agustus 2024 | 09:00 WIT").as_deref(),
            Some("2024-08-03T07:00:00+07:00")
        );
        assert_eq!(
            p("Kompas.com - 21/06/2024, 08:05 WIB").as_deref(),
            Some("2024-06-21T08:05:00+07:00")
        );
    }

    #[test]
    fn english_forms() {
        assert_eq!(
            p("June 20, 2024 10:15 AM GMT+7").as_deref(),
            Some("2024-06-20T10:15:00+07:00")
        );
        assert_eq!(
            p("Updated 3:04 PM EDT, Thu June 20, 2024").as_deref(),
            Some("2024-06-21T02:04:00+07:00")
        );
        assert_eq!(
            p("20 June 2024 08:00 UTC").as_deref(),
            Some("2024-06-20T15:00:00+07:00")
        );
        assert_eq!(
            p("June 20, 2024").as_deref(),
            Some("2024-06-20T00:00:00+07:00")
        );
        assert_eq!(
            p("June 21, 2024 3:45 PM GMT+8 Updated 2 hours ago").as_deref(),
            Some("2024-06-21T14:45:00+07:00")
        );
        assert_eq!(
            p("Diperbarui 28 Juni 2024, 07:05 PM GMT+7").as_deref(),
            Some("2024-06-28T19:05:00+07:00")
        );
        assert_eq!(
            p("Published 12:30 PM +08:00, June 20, 2024").as_deref(),
            Some("2024-06-20T11:30:00+07:00")
        );
    }

    #[test]
    fn not_date_lines() {
        assert_eq!(
            p("Presiden meresmikan jembatan pada 20 Juni 2024 di Kalimantan Timur bersama menteri"),
            None
        );
        assert_eq!(p("Hello"), None);
        assert_eq!(p("31/02/2024"), None);
    }

    #[test]
    fn iso() {
        let z = |s| parse_iso(s, &jkt()).map(|z| rfc3339(&z));
        assert_eq!(
            z("2024-06-20T03:15:00Z").as_deref(),
            Some("2024-06-20T10:15:00+07:00")
        );
        assert_eq!(
            z("2024-06-20T10:15:00+0700").as_deref(),
            Some("2024-06-20T10:15:00+07:00")
        );
        assert_eq!(
            z("2024-06-20 10:15:00").as_deref(),
            Some("2024-06-20T10:15:00+07:00")
        );
        assert_eq!(
            z("2024-06-20").as_deref(),
            Some("2024-06-20T00:00:00+07:00")
        );
    }

    /// Found while triaging the fuzz targets (the same `&s[n..]` pattern as the
    /// front matter date): a multi-byte character across the fifth byte from the
    /// end of a `datetime`/`datePublished` value panicked in `split_at`.
    #[test]
    fn iso_with_multibyte_char_before_offset_is_none() {
        assert_eq!(parse_iso("abcdeé1234", &jkt()), None);
        assert_eq!(parse_iso("2024-06-20T10:15:00é+070", &jkt()), None);
    }
}
