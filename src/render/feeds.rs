//! Feeds: the index → Atom, JSON Feed 1.1, sitemap, robots.txt (machine files).
//!
//! Written in Rust rather than templates so that escaping and XML validity do not
//! depend on a theme author remembering them.

use std::fmt::Write;

use super::context::{Cards, absolute};
use crate::config::Config;
use crate::index::Index;

const SITEMAP_MAX_URLS: usize = 50_000;

/// Characters XML 1.0 forbids; one of them makes readers reject the whole feed.
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A corrected story's feed entry carries its corrections above the text, so a reader
/// whose feed reader shows the update sees what changed (Dewan Pers 1/2012 §4).
fn with_corrections(a: &crate::parse::Article) -> std::io::Result<std::borrow::Cow<'_, str>> {
    let html = a.html()?;
    if a.corrections.is_empty() {
        return Ok(html);
    }
    Ok(format!("{}{html}", corrections_html(a)).into())
}

fn corrections_html(a: &crate::parse::Article) -> String {
    let words = super::filters::words(&a.lang);
    let mut html = String::new();
    for c in &a.corrections {
        let _ = write!(
            html,
            "<p><strong>{} ({}):</strong> {}</p>",
            words.correction,
            super::filters::date_time(&c.date, &a.lang),
            crate::parse::escape_html(&c.text)
        );
    }
    html
}

/// RSS carries the summary (and any corrections), not the whole text: Atom and JSON Feed
/// have it already, and a full-text RSS beside every tag's Atom feed doubled the feeds'
/// bytes and a fifth of a build's render time.
fn rss_description(a: &crate::parse::Article) -> String {
    let summary = crate::parse::escape_html(&a.summary);
    format!("{}<p>{summary}</p>", corrections_html(a))
}

/// One correction of a published story, for the corrections log and its feed.
pub struct CorrectionItem<'a> {
    pub entry: usize,
    pub correction: &'a crate::parse::Correction,
}

/// Every correction of the published stories, newest first (ties: the newer story).
pub fn correction_items(index: &Index) -> Vec<CorrectionItem<'_>> {
    let mut items: Vec<CorrectionItem> = index
        .entries
        .iter()
        .enumerate()
        .flat_map(|(entry, e)| {
            e.article
                .corrections
                .iter()
                .map(move |correction| CorrectionItem { entry, correction })
        })
        .collect();
    items.sort_by(|a, b| {
        b.correction
            .date
            .timestamp()
            .cmp(&a.correction.date.timestamp())
            .then(a.entry.cmp(&b.entry))
    });
    items
}

/// The corrections log as an Atom feed: one entry per correction, linked to its story.
pub fn corrections_atom(index: &Index, config: &Config, title: &str) -> String {
    let base = &config.base_url;
    let items = correction_items(index);
    let updated = items.first().map_or_else(
        || "1970-01-01T00:00:00Z".to_string(),
        |c| c.correction.date.timestamp().to_string(),
    );
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <title>{}</title>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{base}corrections/atom.xml\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}corrections/\"/>\n<id>{base}corrections/</id>\n\
         <updated>{updated}</updated>\n<author><name>{}</name></author>\n",
        xml_escape(&config.lang),
        xml_escape(title),
        xml_escape(&config.title),
    );
    for item in items.iter().take(config.feed_items()) {
        let e = &index.entries[item.entry];
        let n = e
            .article
            .corrections
            .iter()
            .position(|c| std::ptr::eq(c, item.correction))
            .unwrap_or(0);
        let url = format!("{base}{}", e.url);
        let _ = write!(
            x,
            "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <id>{}#correction-{}</id>\n<updated>{}</updated>\n<summary type=\"text\">{}</summary>\n</entry>\n",
            xml_escape(&e.article.title),
            xml_escape(&url),
            xml_escape(&url),
            n + 1,
            item.correction.date.timestamp(),
            xml_escape(&item.correction.text),
        );
    }
    x.push_str("</feed>\n");
    x
}

pub fn xml_escape(s: &str) -> String {
    // Byte by byte: everything to escape or drop is ASCII, or U+FFFE/U+FFFF
    // (EF BF BE/BF), and feeds escape whole article bodies.
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        let (replacement, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            0..=0x1f => ("", 1),
            0xef if bytes.get(i + 1) == Some(&0xbf)
                && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
            {
                ("", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // `run` and `i` sit on character boundaries: after and before an ASCII
        // byte or a whole three-byte character.
        out.push_str(&s[run..i]);
        out.push_str(replacement);
        i += len;
        run = i;
    }
    out.push_str(&s[run..]);
    out
}

fn json_clean(s: &str) -> String {
    s.chars().filter(|&c| xml_allowed(c)).collect()
}

/// What one feed shows: its entries (newest first, at most `feeds.items` of them) and,
/// for the site's feed, the notices of stories retracted since they were in it.
pub struct Feed<'a> {
    pub entries: &'a [usize],
    pub title: String,
    pub self_path: &'a str,
    pub page_path: String,
    pub retractions: Vec<&'a (String, std::sync::Arc<crate::parse::Article>)>,
}

/// Retracted stories that a reader's copy of the feed may still hold: dated no earlier
/// than the oldest entry it shows. Their entry comes back once, with the same id, the
/// notice for text and `updated` as its time, so that feed readers replace the story.
pub fn retraction_notices<'a>(
    index: &'a Index,
    entries: &[usize],
    config: &Config,
) -> Vec<&'a (String, std::sync::Arc<crate::parse::Article>)> {
    let shown = &entries[..entries.len().min(config.feed_items())];
    let oldest = match shown.last() {
        Some(&i) if shown.len() == config.feed_items() => {
            Some(index.entries[i].article.date.timestamp())
        }
        _ => None,
    };
    index
        .retracted
        .iter()
        .filter(|(_, a)| oldest.is_none_or(|t| a.date.timestamp() >= t))
        .collect()
}

/// An Atom feed.
/// An Atom feed; an error is a body that could not be read from the build cache.
pub fn atom(
    index: &Index,
    cards: &Cards<'_>,
    config: &Config,
    feed: &Feed,
) -> std::io::Result<String> {
    let Feed {
        entries,
        title,
        self_path,
        page_path,
        ..
    } = feed;
    let (title, page_path) = (title.as_str(), page_path.as_str());
    let base = &config.base_url;
    let mut x = String::new();
    let updated = entries
        .iter()
        .take(config.feed_items())
        .map(|&i| {
            let a = &index.entries[i].article;
            a.updated.as_ref().unwrap_or(&a.date).timestamp()
        })
        .chain(feed.retractions.iter().map(|(_, a)| retracted_at(a)))
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |t| t.to_string());
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <title>{}</title>\n<subtitle>{}</subtitle>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{base}{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}{}\"/>\n<id>{base}{}</id>\n<updated>{updated}</updated>\n\
         <generator uri=\"https://crates.io/crates/kabar\">kabar</generator>\n",
        xml_escape(&config.lang),
        xml_escape(title),
        xml_escape(&config.description),
        xml_escape(self_path),
        xml_escape(page_path),
        xml_escape(self_path),
    );
    if let Some(hub) = &config.websub_hub {
        let _ = writeln!(x, "<link rel=\"hub\" href=\"{}\"/>", xml_escape(hub));
    }
    for &i in entries.iter().take(config.feed_items()) {
        let e = &index.entries[i];
        let a = &e.article;
        let url = format!("{base}{}", e.url);
        let _ = write!(
            x,
            "<entry xml:lang=\"{}\">\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<id>{}</id>\n\
             <published>{}</published>\n<updated>{}</updated>\n",
            xml_escape(&a.lang),
            xml_escape(&a.title),
            xml_escape(&url),
            xml_escape(&url),
            a.date.timestamp(),
            a.updated.as_ref().unwrap_or(&a.date).timestamp(),
        );
        for name in &a.authors {
            let _ = writeln!(x, "<author><name>{}</name></author>", xml_escape(name));
        }
        if a.authors.is_empty() {
            let _ = writeln!(
                x,
                "<author><name>{}</name></author>",
                xml_escape(&config.title)
            );
        }
        for t in &cards[i].tags {
            let _ = writeln!(x, "<category term=\"{}\"/>", xml_escape(&t.name));
        }
        let _ = write!(
            x,
            "<summary type=\"text\">{}</summary>\n<content type=\"html\">{}</content>\n</entry>\n",
            xml_escape(&a.summary),
            xml_escape(&with_corrections(a)?)
        );
    }
    for (url, a) in &feed.retractions {
        let url = format!("{base}{url}");
        let notice = a.retraction.as_deref().unwrap_or_default();
        let _ = write!(
            x,
            "<entry xml:lang=\"{}\">\n<title>{}: {}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <id>{}</id>\n<published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n\
             <summary type=\"text\">{}</summary>\n</entry>\n",
            xml_escape(&a.lang),
            super::filters::words(&a.lang).retracted,
            xml_escape(&a.title),
            xml_escape(&url),
            xml_escape(&url),
            a.date.timestamp(),
            retracted_at(a),
            xml_escape(&config.title),
            xml_escape(notice),
        );
    }
    x.push_str("</feed>\n");
    Ok(x)
}

/// When a retraction is news: the story's `updated:` (set it to the time of the
/// retraction), or its date.
fn retracted_at(a: &crate::parse::Article) -> jiff::Timestamp {
    a.updated.as_ref().unwrap_or(&a.date).timestamp()
}

/// JSON Feed 1.1; an error is a body that could not be read from the build cache.
pub fn json_feed(index: &Index, cards: &Cards<'_>, config: &Config) -> std::io::Result<String> {
    let base = &config.base_url;
    let items: Vec<serde_json::Value> = index
        .entries
        .iter()
        .take(config.feed_items())
        .enumerate()
        .map(|(i, e)| {
            let a = &e.article;
            let url = format!("{base}{}", e.url);
            let mut item = serde_json::json!({
                "id": url,
                "url": url,
                "title": json_clean(&a.title),
                "content_html": json_clean(&with_corrections(a)?),
                "summary": json_clean(&a.summary),
                "date_published": cards[i].date,
                "authors": a.authors.iter().map(|n| serde_json::json!({"name": json_clean(n)})).collect::<Vec<_>>(),
                "tags": cards[i].tags.iter().map(|t| json_clean(&t.name)).collect::<Vec<_>>(),
                "language": a.lang,
            });
            if let Some(u) = &a.updated {
                item["date_modified"] = serde_json::Value::String(super::filters::rfc3339(u));
            }
            if let Some(img) = &a.image {
                item["image"] = serde_json::Value::String(absolute(base, &img.src));
            }
            Ok(item)
        })
        .collect::<std::io::Result<_>>()?;
    let mut items = items;
    let all: Vec<usize> = (0..index.entries.len()).collect();
    for (url, a) in retraction_notices(index, &all, config) {
        let url = format!("{base}{url}");
        items.push(serde_json::json!({
            "id": url,
            "url": url,
            "title": json_clean(&format!("{}: {}", super::filters::words(&a.lang).retracted, a.title)),
            "content_text": json_clean(a.retraction.as_deref().unwrap_or_default()),
            "date_published": super::filters::rfc3339(&a.date),
            "date_modified": super::filters::rfc3339(a.updated.as_ref().unwrap_or(&a.date)),
            "language": a.lang,
        }));
    }
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": json_clean(&config.title),
        "description": json_clean(&config.description),
        "home_page_url": base,
        "feed_url": format!("{base}feed.json"),
        "language": config.lang,
        "items": items,
    });
    let mut feed = feed;
    if let Some(hub) = &config.websub_hub {
        feed["hubs"] = serde_json::json!([{"type": "WebSub", "url": hub}]);
    }
    let mut s = serde_json::to_string_pretty(&feed).unwrap_or_default();
    s.push('\n');
    Ok(s)
}

/// `sitemap.xml`, split into numbered files under an index past 50 000 URLs.
/// Returns (path, content) pairs.
pub fn sitemaps(
    urls: &[(std::borrow::Cow<'_, str>, Option<jiff::civil::Date>)],
    base: &str,
) -> Vec<(String, String)> {
    let escaped_base = xml_escape(base);
    let one = |chunk: &[(std::borrow::Cow<'_, str>, Option<jiff::civil::Date>)]| {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (path, lastmod) in chunk {
            for part in ["<url><loc>", &escaped_base, &xml_escape(path), "</loc>"] {
                x.push_str(part);
            }
            if let Some(m) = lastmod {
                let _ = write!(x, "<lastmod>{m}</lastmod>");
            }
            x.push_str("</url>\n");
        }
        x.push_str("</urlset>\n");
        x
    };
    if urls.len() <= SITEMAP_MAX_URLS {
        return vec![("sitemap.xml".into(), one(urls))];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    use rayon::prelude::*;
    let bodies: Vec<String> = urls.par_chunks(SITEMAP_MAX_URLS).map(one).collect();
    for (n, body) in bodies.into_iter().enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        let _ = writeln!(
            index,
            "<sitemap><loc>{}</loc></sitemap>",
            xml_escape(&format!("{base}{name}"))
        );
        files.push((name, body));
    }
    index.push_str("</sitemapindex>\n");
    files.push(("sitemap.xml".into(), index));
    files
}

/// The file names `sitemaps` writes for `urls` URLs.
pub fn sitemap_names(urls: usize) -> Vec<String> {
    let mut names: Vec<String> = if urls <= SITEMAP_MAX_URLS {
        Vec::new()
    } else {
        (1..=urls.div_ceil(SITEMAP_MAX_URLS))
            .map(|n| format!("sitemap-{n}.xml"))
            .collect()
    };
    names.push("sitemap.xml".into());
    names
}

pub fn robots(base: &str) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\nSitemap: {base}news-sitemap.xml\n"
    )
}

/// Google News reads stories published in the last two days, at most 1 000 of them.
pub const NEWS_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);
const NEWS_MAX_URLS: usize = 1_000;

/// Entries (newest first) inside the news sitemap's window at `now`.
pub fn news_window(index: &Index, now: jiff::Timestamp) -> Vec<usize> {
    index
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let published = e.article.date.timestamp();
            published <= now && now.duration_since(published) <= NEWS_WINDOW
        })
        .map(|(i, _)| i)
        .take(NEWS_MAX_URLS)
        .collect()
}

/// `news-sitemap.xml` by Google's rules: the `news:` extension, the publication's name
/// and language, each story's publication date and title.
pub fn news_sitemap(index: &Index, config: &Config, window: &[usize]) -> String {
    let base = &config.base_url;
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    for &i in window {
        let e = &index.entries[i];
        let a = &e.article;
        let _ = writeln!(
            x,
            "<url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name>\
             <news:language>{}</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>",
            xml_escape(&format!("{base}{}", e.url)),
            xml_escape(&config.title),
            xml_escape(&news_language(&a.lang)),
            super::filters::rfc3339(&a.date),
            xml_escape(&a.title),
        );
    }
    x.push_str("</urlset>\n");
    x
}

/// Google News takes ISO 639 codes, with `zh-cn` and `zh-tw` the only regional ones.
fn news_language(lang: &str) -> String {
    let lower = lang.to_ascii_lowercase();
    match lower.as_str() {
        "zh-cn" | "zh-tw" => lower,
        _ => lower.split(['-', '_']).next().unwrap_or("und").to_string(),
    }
}

/// An RSS 2.0 feed of `entries` (newest first, at most `feeds.items`), for the readers
/// and RSS-to-email services that read nothing else.
pub fn rss(index: &Index, config: &Config, feed: &Feed) -> String {
    let Feed {
        entries,
        title,
        self_path,
        page_path,
        ..
    } = feed;
    let (title, page_path) = (title.as_str(), page_path.as_str());
    let base = &config.base_url;
    let date = |z: &jiff::ZonedDateTime| jiff::fmt::rfc2822::to_string(z).unwrap_or_default();
    let shown: Vec<usize> = entries.iter().take(config.feed_items()).copied().collect();
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<title>{}</title>\n<link>{base}{}</link>\n\
         <description>{}</description>\n<language>{}</language>\n<generator>kabar</generator>\n\
         <atom:link rel=\"self\" type=\"application/rss+xml\" href=\"{base}{}\"/>\n",
        xml_escape(title),
        xml_escape(page_path),
        xml_escape(&config.description),
        xml_escape(&config.lang),
        xml_escape(self_path),
    );
    if let Some(hub) = &config.websub_hub {
        let _ = writeln!(x, "<atom:link rel=\"hub\" href=\"{}\"/>", xml_escape(hub));
    }
    if let Some(newest) = shown
        .iter()
        .map(|&i| {
            index.entries[i]
                .article
                .updated
                .as_ref()
                .unwrap_or(&index.entries[i].article.date)
        })
        .max()
    {
        let _ = writeln!(x, "<lastBuildDate>{}</lastBuildDate>", date(newest));
    }
    for &i in &shown {
        let e = &index.entries[i];
        let a = &e.article;
        let url = xml_escape(&format!("{base}{}", e.url));
        let _ = write!(
            x,
            "<item>\n<title>{}</title>\n<link>{url}</link>\n<guid isPermaLink=\"true\">{url}</guid>\n\
             <pubDate>{}</pubDate>\n<description>{}</description>\n",
            xml_escape(&a.title),
            date(&a.date),
            xml_escape(&rss_description(a)),
        );
        for name in &a.authors {
            let _ = writeln!(x, "<dc:creator>{}</dc:creator>", xml_escape(name));
        }
        for t in &e.tags {
            let _ = writeln!(
                x,
                "<category>{}</category>",
                xml_escape(&index.tags[*t].name)
            );
        }
        x.push_str("</item>\n");
    }
    for (url, a) in &feed.retractions {
        let url = xml_escape(&format!("{base}{url}"));
        let _ = write!(
            x,
            "<item>\n<title>{}: {}</title>\n<link>{url}</link>\n<guid isPermaLink=\"true\">{url}</guid>\n\
             <pubDate>{}</pubDate>\n<description>{}</description>\n</item>\n",
            super::filters::words(&a.lang).retracted,
            xml_escape(&a.title),
            date(&a.date),
            xml_escape(a.retraction.as_deref().unwrap_or_default()),
        );
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_escapes_markup_and_drops_what_xml_forbids() {
        assert_eq!(
            xml_escape("Tom & \"Jerry\" <b>'s</b>\u{1}\u{FFFE} — ok 🙂"),
            "Tom &amp; &quot;Jerry&quot; &lt;b&gt;&apos;s&lt;/b&gt; — ok 🙂"
        );
        assert_eq!(xml_escape(""), "");
        assert_eq!(xml_escape("&"), "&amp;");
    }

    proptest::proptest! {
        /// Unescaping gives back the text without the characters XML forbids.
        #[test]
        fn xml_escape_round_trips(
            s in "\\PC*|[\u{0}-\u{1f}&<>\"'a\u{e9}\u{EFBF}\u{FFEE}\u{FFFD}\u{FFFE}\u{FFFF}]*"
        ) {
            let escaped = xml_escape(&s);
            proptest::prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
            let back = escaped
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            let allowed: String = s.chars().filter(|&c| xml_allowed(c)).collect();
            proptest::prop_assert_eq!(back, allowed);
        }
    }
}
