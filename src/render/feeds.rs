//! Feeds: the index → Atom, JSON Feed 1.1, sitemap, robots.txt (machine files).
//!
//! Written in Rust rather than templates so that escaping and XML validity do not
//! depend on a theme author remembering them.

use std::fmt::Write;

use super::context::{Card, absolute};
use crate::config::Config;
use crate::index::Index;

pub const FEED_ITEMS: usize = 20;
const SITEMAP_MAX_URLS: usize = 50_000;

/// Characters XML 1.0 forbids; one of them makes readers reject the whole feed.
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
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

/// An Atom feed of `entries` (newest first, at most `FEED_ITEMS`).
pub fn atom(
    index: &Index,
    cards: &[Card],
    entries: &[usize],
    config: &Config,
    title: &str,
    self_path: &str,
    page_path: &str,
) -> String {
    let base = &config.base_url;
    let mut x = String::new();
    let updated = entries
        .iter()
        .take(FEED_ITEMS)
        .map(|&i| {
            let a = &index.entries[i].article;
            a.updated.as_ref().unwrap_or(&a.date).timestamp()
        })
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
    for &i in entries.iter().take(FEED_ITEMS) {
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
            xml_escape(&a.html)
        );
    }
    x.push_str("</feed>\n");
    x
}

pub fn json_feed(index: &Index, cards: &[Card], config: &Config) -> String {
    let base = &config.base_url;
    let items: Vec<serde_json::Value> = index
        .entries
        .iter()
        .take(FEED_ITEMS)
        .enumerate()
        .map(|(i, e)| {
            let a = &e.article;
            let url = format!("{base}{}", e.url);
            let mut item = serde_json::json!({
                "id": url,
                "url": url,
                "title": json_clean(&a.title),
                "content_html": json_clean(&a.html),
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
            item
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": json_clean(&config.title),
        "description": json_clean(&config.description),
        "home_page_url": base,
        "feed_url": format!("{base}feed.json"),
        "language": config.lang,
        "items": items,
    });
    let mut s = serde_json::to_string_pretty(&feed).unwrap_or_default();
    s.push('\n');
    s
}

/// `sitemap.xml`, split into numbered files under an index past 50 000 URLs.
/// Returns (path, content) pairs.
pub fn sitemaps(urls: &[(String, Option<String>)], base: &str) -> Vec<(String, String)> {
    let one = |chunk: &[(String, Option<String>)]| {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for (path, lastmod) in chunk {
            let _ = write!(
                x,
                "<url><loc>{}</loc>",
                xml_escape(&format!("{base}{path}"))
            );
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
    for (n, chunk) in urls.chunks(SITEMAP_MAX_URLS).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        let _ = writeln!(
            index,
            "<sitemap><loc>{}</loc></sitemap>",
            xml_escape(&format!("{base}{name}"))
        );
        files.push((name, one(chunk)));
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
    format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n")
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
