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
    let sep = if is_id(lang) { '.' } else { ':' };
    let zone = z.strftime("%Z").to_string();
    format!(
        "{} · {:02}{sep}{:02} {zone}",
        long_date(z.date(), lang),
        z.hour(),
        z.minute()
    )
}

/// RFC 3339 with the local offset, as feeds and `<time datetime>` want it.
pub fn rfc3339(z: &ZonedDateTime) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Interface words of the default theme, in the site language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Words {
    pub related: &'static str,
    pub story: &'static str,
    pub tags: &'static str,
    pub all_tags: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub next_page: &'static str,
    pub prev_page: &'static str,
    pub page: &'static str,
    pub edition: &'static str,
    pub archive: &'static str,
    pub by: &'static str,
    pub editor: &'static str,
    pub source: &'static str,
    pub read_original: &'static str,
    pub updated: &'static str,
    pub minutes: &'static str,
    pub search: &'static str,
    pub no_results: &'static str,
    /// "{n} results": the search page's count, announced to screen readers.
    pub results: &'static str,
    /// "{n} more on this story", under a story's best hit.
    pub more_in_story: &'static str,
    pub search_needs_script: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub home: &'static str,
    pub stories: &'static str,
    pub feed: &'static str,
    pub latest: &'static str,
    pub photo: &'static str,
    pub correction: &'static str,
    pub corrections: &'static str,
    pub corrections_text: &'static str,
    pub retracted: &'static str,
    pub moved: &'static str,
}

pub fn words(lang: &str) -> Words {
    if is_id(lang) {
        Words {
            related: "Berita terkait",
            story: "Kronologi berita ini",
            tags: "Topik",
            all_tags: "Semua topik",
            newer: "Lebih baru",
            older: "Lebih lama",
            next_page: "Halaman berikutnya",
            prev_page: "Halaman sebelumnya",
            page: "Halaman",
            edition: "Edisi",
            archive: "Arsip",
            by: "Oleh",
            editor: "Editor",
            source: "Sumber",
            read_original: "Baca artikel asli",
            updated: "Diperbarui",
            minutes: "menit baca",
            search: "Cari berita",
            no_results: "Tidak ada hasil",
            results: "{n} hasil",
            more_in_story: "{n} lagi dari berita ini",
            search_needs_script: "Pencarian memerlukan JavaScript.",
            not_found: "Halaman tidak ditemukan",
            not_found_text: "Alamat ini tidak ada atau sudah dipindahkan.",
            home: "Beranda",
            stories: "berita",
            feed: "Umpan Atom",
            latest: "Edisi terbaru",
            photo: "Foto",
            correction: "Koreksi",
            corrections: "Koreksi dan ralat",
            corrections_text: "Setiap koreksi atas berita yang sudah terbit, terbaru di atas.",
            retracted: "Berita ini dicabut",
            moved: "Halaman ini sudah pindah ke",
        }
    } else {
        Words {
            related: "Related stories",
            story: "More on this story",
            tags: "Topics",
            all_tags: "All topics",
            newer: "Newer",
            older: "Older",
            next_page: "Next page",
            prev_page: "Previous page",
            page: "Page",
            edition: "Edition",
            archive: "Archive",
            by: "By",
            editor: "Editor",
            source: "Source",
            read_original: "Read the original",
            updated: "Updated",
            minutes: "min read",
            search: "Search stories",
            no_results: "No results",
            results: "{n} results",
            more_in_story: "{n} more on this story",
            search_needs_script: "Search needs JavaScript.",
            not_found: "Page not found",
            not_found_text: "This address does not exist or has moved.",
            home: "Home",
            stories: "stories",
            feed: "Atom feed",
            latest: "Latest editions",
            photo: "Photo",
            correction: "Correction",
            corrections: "Corrections",
            corrections_text: "Every correction to a published story, newest first.",
            retracted: "This story was retracted",
            moved: "This page has moved to",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_and_english_dates() {
        let d = jiff::civil::date(2024, 6, 20);
        assert_eq!(long_date(d, "id"), "Kamis, 20 Juni 2024");
        assert_eq!(long_date(d, "en"), "Thursday, 20 June 2024");
    }
}
