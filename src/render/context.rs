//! Context: index entries → slim, serialisable views for templates (no article text is ever a template).

use crate::index::archive::day_path;
use std::borrow::Cow;

use serde::Serialize;

use super::filters::{date_time, long_date, rfc3339, time_of_day};
use crate::config::Config;
use crate::index::{Entry, Index};
use crate::parse::{Image, SourceRef};

/// What every page knows about the site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub lang: String,
    pub base_url: String,
    /// Prefix for every internal link ("/" or "/project/").
    pub root: String,
    pub feed_url: String,
    pub json_feed_url: String,
    /// The search page; its index lives under it.
    pub search_url: String,
    pub tags_url: String,
    pub style_url: String,
    pub preview: bool,
    pub extra: serde_json::Value,
    pub generator: &'static str,
    /// OpenGraph's `language_TERRITORY` form of the site language.
    pub locale: String,
    /// Absolute URL of the publisher's logo (`logo:` in site.yaml).
    pub logo_url: Option<String>,
    /// The sections site.yaml lists that have stories, in its order: the navigation.
    pub sections: Vec<TagLink>,
}

impl SiteView {
    pub fn new(config: &Config, preview: bool) -> Self {
        let root = config.base_path();
        SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            lang: config.lang.clone(),
            base_url: config.base_url.clone(),
            feed_url: format!("{root}atom.xml"),
            json_feed_url: format!("{root}feed.json"),
            search_url: format!("{root}search/"),
            tags_url: format!("{root}tags/"),
            style_url: format!("{root}style.css"),
            root,
            preview,
            extra: serde_json::to_value(&config.extra).unwrap_or_default(),
            generator: concat!("kabar ", env!("CARGO_PKG_VERSION")),
            locale: og_locale(&config.lang),
            logo_url: config
                .logo
                .as_deref()
                .map(|l| absolute(&config.base_url, l)),
            sections: Vec::new(),
        }
    }

    /// The navigation's sections: those site.yaml lists, each of which has a page even
    /// before its first story (so the navigation depends on site.yaml alone).
    pub fn with_sections(mut self, config: &Config) -> Self {
        let mut seen = std::collections::BTreeSet::new();
        self.sections = config
            .sections
            .iter()
            .map(|s| (s, crate::parse::slug::slugify(s)))
            .filter(|(_, slug)| !slug.is_empty() && seen.insert(slug.clone()))
            .map(|(name, slug)| TagLink {
                name: name.clone(),
                url: format!("{}sections/{slug}/", self.root),
            })
            .collect();
        self
    }
}

/// `id` → `id_ID`, `en` → `en_US`; a tag with a region keeps it.
pub fn og_locale(lang: &str) -> String {
    match lang.split_once(['-', '_']) {
        Some((l, r)) => format!("{}_{}", l.to_lowercase(), r.to_uppercase()),
        None if lang.eq_ignore_ascii_case("id") => "id_ID".into(),
        None if lang.eq_ignore_ascii_case("en") => "en_US".into(),
        None => lang.to_lowercase(),
    }
}

#[derive(Debug, Clone, Hash, Serialize)]
pub struct TagLink {
    pub name: String,
    pub url: String,
}

/// An article as lists, related links and feeds show it.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub title: String,
    pub url: String,
    pub slug: String,
    pub lang: String,
    pub date: String,
    pub date_display: String,
    pub day_display: String,
    /// The time alone, for a card under its day's heading.
    pub time_display: String,
    pub summary: String,
    pub dateline: Option<String>,
    pub tags: Vec<TagLink>,
    pub section: Option<TagLink>,
    /// The label above the title: the section, or the first tag when there is none.
    pub kicker: Option<TagLink>,
    /// Each linked to the author's page.
    pub authors: Vec<TagLink>,
    /// The outlet, linked to its page on this site.
    pub source: Option<TagLink>,
    pub status: &'static str,
    pub image: Option<Image>,
    pub reading_minutes: usize,
}

/// Every entry's card, made when a page first shows it: an incremental build renders a
/// few dozen pages of a site of 100 000 cards.
pub struct Cards<'a> {
    index: &'a Index,
    root: String,
    /// Boxed: a card is over 500 bytes, and 100 000 empty slots of that size would be
    /// 50 MB touched before a single card is made.
    made: Vec<std::sync::OnceLock<Box<Card>>>,
}

impl<'a> Cards<'a> {
    pub fn new(index: &'a Index, root: &str) -> Self {
        Cards {
            index,
            root: root.to_string(),
            made: (0..index.entries.len())
                .map(|_| Default::default())
                .collect(),
        }
    }

    /// What card `i` is made of besides the site's settings: the article's fields it
    /// shows (not its body: an edit of the body leaves the card as it was), its URL and
    /// day, and the names and slugs of its groups. Equal keys, equal cards.
    pub fn key(&self, i: usize) -> u64 {
        use std::hash::{Hash, Hasher};
        let (index, e) = (self.index, &self.index.entries[i]);
        let a = &e.article;
        let mut h = rustc_hash::FxHasher::default();
        (&a.title, &a.slug, &a.lang, &a.date, &a.summary, &a.dateline).hash(&mut h);
        (a.status.as_str(), &a.image, a.word_count.div_ceil(200)).hash(&mut h);
        (&e.url, e.day).hash(&mut h);
        let groups = e
            .section
            .map(|g| &index.sections[g])
            .into_iter()
            .chain(e.tags.iter().map(|&g| &index.tags[g]))
            .chain(e.authors.iter().map(|&g| &index.authors[g]))
            .chain(e.source.map(|g| &index.sources[g]));
        for g in groups {
            (&g.name, &g.slug).hash(&mut h);
        }
        (e.section.is_some(), e.tags.len(), e.authors.len()).hash(&mut h);
        h.finish()
    }

    fn make(&self, i: usize) -> Card {
        let (index, root) = (self.index, &self.root);
        let link = |folder: &str, g: &crate::index::tags::Tag| TagLink {
            name: g.name.clone(),
            url: format!("{root}{folder}/{}/", g.slug),
        };
        let e = &index.entries[i];
        let a = &e.article;
        let section = e.section.map(|s| link("sections", &index.sections[s]));
        let first_tag = e.tags.first().map(|&t| link("tags", &index.tags[t]));
        Card {
            time_display: time_of_day(&a.date, &a.lang),
            kicker: section.clone().or(first_tag),
            section,
            authors: e
                .authors
                .iter()
                .map(|&g| link("authors", &index.authors[g]))
                .collect(),
            source: e.source.map(|g| link("sources", &index.sources[g])),
            title: a.title.clone(),
            url: format!("{root}{}", e.url),
            slug: a.slug.clone(),
            lang: a.lang.clone(),
            date: rfc3339(&a.date),
            date_display: date_time(&a.date, &a.lang),
            day_display: long_date(e.day, &a.lang),
            summary: a.summary.clone(),
            dateline: a.dateline.clone(),
            tags: e
                .tags
                .iter()
                .map(|&t| link("tags", &index.tags[t]))
                .collect(),
            status: a.status.as_str(),
            image: a.image.clone(),
            reading_minutes: a.word_count.div_ceil(200).max(1),
        }
    }
}

impl std::ops::Index<usize> for Cards<'_> {
    type Output = Card;

    fn index(&self, i: usize) -> &Card {
        self.made[i].get_or_init(|| Box::new(self.make(i)))
    }
}

#[derive(Debug, Serialize)]
pub struct StoryItem<'a> {
    #[serde(flatten)]
    pub card: &'a Card,
    pub current: bool,
}

/// The article page's own fields, beyond its card.
#[derive(Debug, Serialize)]
pub struct ArticleView<'a> {
    #[serde(flatten)]
    pub card: &'a Card,
    /// Sanitised body HTML, the dateline set into its first paragraph.
    pub content: std::borrow::Cow<'a, str>,
    /// False when the summary is only the first paragraph, which the body shows anyway.
    pub has_summary: bool,
    pub editor: Option<&'a str>,
    /// The source as written (name and the original's URL); the card's `source` links
    /// to the outlet's page here.
    pub source_ref: Option<&'a SourceRef>,
    pub updated: Option<String>,
    pub updated_display: Option<String>,
    pub word_count: usize,
    pub related: Vec<&'a Card>,
    pub story: Vec<StoryItem<'a>>,
    pub older: Option<&'a Card>,
    pub newer: Option<&'a Card>,
    pub day_url: String,
    /// Absolute URL, for canonical links and sharing metadata.
    pub permalink: String,
    /// The story's canonical URL: its own, or the original's (`canonical:`).
    pub canonical: String,
    /// Absolute URL of the lead image, for link previews.
    pub image_url: Option<String>,
    pub locale: String,
    /// Oldest first, each a dated notice.
    pub corrections: Vec<CorrectionView<'a>>,
    pub json_ld: String,
    pub extra: &'a serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct CorrectionView<'a> {
    pub date: String,
    pub date_display: String,
    pub text: &'a str,
}

pub fn corrections<'a>(a: &'a crate::parse::Article) -> Vec<CorrectionView<'a>> {
    a.corrections
        .iter()
        .map(|c| CorrectionView {
            date: rfc3339(&c.date),
            date_display: date_time(&c.date, &a.lang),
            text: &c.text,
        })
        .collect()
}

pub fn article<'a>(
    index: &'a Index,
    cards: &'a Cards<'_>,
    i: usize,
    site: &SiteView,
    html: Cow<'a, str>,
) -> ArticleView<'a> {
    let e: &Entry = &index.entries[i];
    let a = &e.article;
    let card = &cards[i];
    ArticleView {
        card,
        content: with_dateline(html, a.dateline.as_deref()),
        has_summary: a.has_summary,
        editor: a.editor.as_deref(),
        source_ref: a.source.as_ref(),
        updated: a.updated.as_ref().map(rfc3339),
        updated_display: a.updated.as_ref().map(|u| date_time(u, &a.lang)),
        word_count: a.word_count,
        related: e.related.iter().map(|&j| &cards[j]).collect(),
        story: e
            .story
            .iter()
            .map(|&j| StoryItem {
                card: &cards[j],
                current: j == i,
            })
            .collect(),
        older: e.older.map(|j| &cards[j]),
        newer: e.newer.map(|j| &cards[j]),
        day_url: format!("{}{}", site.root, day_path(e.day)),
        permalink: format!("{}{}", site.base_url, e.url),
        canonical: a
            .canonical
            .clone()
            .unwrap_or_else(|| format!("{}{}", site.base_url, e.url)),
        corrections: corrections(a),
        image_url: a.image.as_ref().map(|i| absolute(&site.base_url, &i.src)),
        locale: og_locale(&a.lang),
        json_ld: json_ld(e, card, site),
        extra: &a.extra,
    }
}

/// Newspaper style: the dateline opens the first paragraph ("JAKARTA — …").
fn with_dateline<'a>(html: Cow<'a, str>, dateline: Option<&str>) -> Cow<'a, str> {
    match (dateline, html.find("<p>")) {
        (Some(d), Some(at)) if !d.trim().is_empty() => {
            let span = format!(
                "<p><span class=\"dateline\">{}</span> — ",
                crate::parse::escape_html(d.trim())
            );
            format!("{}{span}{}", &html[..at], &html[at + 3..]).into()
        }
        _ => html,
    }
}

/// schema.org NewsArticle, safe inside `<script>`: `<`, `>` and `&` are escaped as
/// JSON unicode escapes so a title holding `</script>` cannot close the element.
fn json_ld(e: &Entry, card: &Card, site: &SiteView) -> String {
    let a = &e.article;
    let url = format!("{}{}", site.base_url, e.url);
    let mut v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": card.date,
        "dateModified": a.updated.as_ref().map_or_else(|| card.date.clone(), rfc3339),
        "description": a.summary,
        "inLanguage": a.lang,
        "mainEntityOfPage": url,
        "author": a.authors.iter().map(|n| serde_json::json!({"@type": "Person", "name": n})).collect::<Vec<_>>(),
        "publisher": publisher(site),
        "keywords": card.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
    });
    if let Some(img) = &a.image {
        v["image"] = serde_json::Value::String(absolute(&site.base_url, &img.src));
    }
    if let Some(section) = &card.kicker {
        v["articleSection"] = serde_json::Value::String(section.name.clone());
    }
    if let Some(url) = a.source.as_ref().and_then(|s| s.url.as_deref()) {
        v["isBasedOn"] = serde_json::Value::String(url.to_string());
    }
    if !a.corrections.is_empty() {
        v["correction"] = a
            .corrections
            .iter()
            .map(|c| {
                serde_json::json!({
                    "@type": "CorrectionComment",
                    "text": c.text,
                    "datePublished": rfc3339(&c.date),
                })
            })
            .collect();
    }
    script_safe_json(&v)
}

fn publisher(site: &SiteView) -> serde_json::Value {
    let mut p = serde_json::json!({"@type": "Organization", "name": site.title});
    if let Some(logo) = &site.logo_url {
        p["logo"] = serde_json::json!({"@type": "ImageObject", "url": logo});
    }
    p
}

pub fn script_safe_json(v: &serde_json::Value) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Root-relative and relative image paths become absolute for feeds and metadata.
pub fn absolute(base_url: &str, src: &str) -> String {
    if src.starts_with("http://") || src.starts_with("https://") {
        src.to_string()
    } else {
        format!("{}{}", base_url, src.trim_start_matches('/'))
    }
}

/// Articles of one list page, grouped under their day.
#[derive(Debug, Serialize)]
pub struct DayGroup<'a> {
    pub heading: String,
    pub url: String,
    pub articles: Vec<&'a Card>,
}

pub fn group_by_day<'a>(
    index: &Index,
    cards: &'a Cards<'_>,
    entries: &[usize],
    lang: &str,
    root: &str,
) -> Vec<DayGroup<'a>> {
    let mut groups: Vec<DayGroup> = Vec::new();
    let mut last = None;
    for &i in entries {
        let day = index.entries[i].day;
        if last != Some(day) {
            groups.push(DayGroup {
                heading: long_date(day, lang),
                url: format!("{root}{}", day_path(day)),
                articles: Vec::new(),
            });
            last = Some(day);
        }
        if let Some(g) = groups.last_mut() {
            g.articles.push(&cards[i]);
        }
    }
    groups
}

#[derive(Debug, Hash, Serialize)]
pub struct Link {
    pub name: String,
    pub url: String,
    pub count: usize,
}

/// A list page's place among its pages, numbered from the oldest. It holds no total:
/// a count that grows would change every page whenever a story arrived.
#[derive(Debug, Hash, Serialize)]
pub struct Pagination {
    pub current: usize,
    pub older: Option<String>,
    pub newer: Option<String>,
    /// The list's root, which shows its newest page.
    pub newest: String,
}

/// One page of any list: front page, edition, archive or tag.
#[derive(Debug, Serialize)]
pub struct ListView<'a> {
    pub kind: &'static str,
    pub title: String,
    pub url: String,
    /// Absolute URL, for canonical links and sharing metadata.
    pub permalink: String,
    pub groups: Vec<DayGroup<'a>>,
    /// Sub-periods (months of a year, days of a month) or sibling links.
    pub links: Vec<Link>,
    pub pagination: Option<Pagination>,
    pub feed_url: Option<String>,
    /// What kind of list this is, above its title ("Rubrik", "Penulis", …).
    pub label: Option<String>,
    /// The front page's top story, taken out of its day's cards.
    pub lead: Option<&'a Card>,
    /// The front page's section blocks, each with its latest stories.
    pub blocks: Vec<Block<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Block<'a> {
    pub name: String,
    pub url: String,
    pub articles: Vec<&'a Card>,
}
