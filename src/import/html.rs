//! html: a saved HTML page → [`Extracted`] (metadata and the body as Markdown).
//!
//! Metadata comes first from JSON-LD, OpenGraph/`article:*` and meta tags,
//! then from the page (byline elements, `<time>`, the URL). The page is
//! pre-cleaned structurally (chrome by tag, role or whole class/id token, but
//! never an element that may hold the article), the main content is found
//! with [`dom_smoothie`], converted to Markdown here, and cleaned by the same
//! line rules as plain text.
//!
//! Why `dom_smoothie` (0.19) and not `rs-trafilatura`: on the ScrapingHub
//! benchmark this pipeline scores shingle F1 0.968, against 0.970 published
//! for an rs_trafilatura git build (inside the ±0.004 noise), and
//! `dom_smoothie` hands back the article *HTML*, which we turn into Markdown
//! ourselves so headings, lists, tables, figures, links and emphasis survive
//! exactly as we want. `examples/import_eval.rs` measures it.

use std::collections::HashMap;

use dom_query::{Document, NodeRef};
use dom_smoothie::{Config, Readability};
use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use serde_json::Value;

use super::classify::{self, Class, ClassifyState};
use super::clean::{self, Block, BlockKind, Meta};
use super::rules;
use super::{Extracted, ImportOptions, date};

/// Metadata read from JSON-LD, OpenGraph and meta tags.
#[derive(Debug, Default)]
struct PageMeta {
    title: Option<String>,
    authors: Vec<String>,
    editor: Option<String>,
    date: Option<Zoned>,
    site_name: Option<String>,
    publisher: Option<String>,
    url: Option<String>,
    description: Option<String>,
    updated: Option<Zoned>,
    tags: Vec<String>,
    section: Option<String>,
    /// The last resort for a page whose content the extractor cannot find.
    article_body: Option<String>,
    image: Option<String>,
    image_alt: Option<String>,
    image_caption: Option<String>,
    image_credit: Option<String>,
    dateline: Option<String>,
}

const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNews",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BlogPosting",
    "WebPage",
];

fn type_rank(v: &Value) -> Option<usize> {
    let rank = |t: &str| ARTICLE_TYPES.iter().position(|a| *a == t);
    match v.get("@type")? {
        Value::String(t) => rank(t),
        Value::Array(ts) => ts.iter().filter_map(|t| t.as_str().and_then(rank)).min(),
        _ => None,
    }
}

/// Every object in a JSON-LD value (arrays and `@graph` flattened).
fn ld_objects<'a>(v: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| ld_objects(x, out, depth + 1)),
        Value::Object(o) => {
            out.push(v);
            if let Some(g) = o.get("@graph") {
                ld_objects(g, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn ld_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => {
            Some(classify::collapse_ws(&decode_entities(s))).filter(|s| !s.is_empty())
        }
        Value::Array(a) => a.iter().find_map(|x| ld_str(Some(x))),
        Value::Object(o) => ld_str(o.get("name").or(o.get("@id")).or(o.get("url"))),
        _ => None,
    }
}

fn ld_names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().flat_map(|x| ld_names(Some(x))).collect(),
        Some(Value::Object(o)) => ld_str(o.get("name")).into_iter().collect(),
        Some(Value::String(s)) => {
            classify::parse_names(s).unwrap_or_else(|| vec![classify::collapse_ws(s)])
        }
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|n| !n.is_empty() && !n.starts_with("http"))
    .collect()
}

/// A JSON-LD list given as an array or as one comma-separated string.
fn ld_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().flat_map(|x| ld_list(Some(x))).collect(),
        Some(Value::String(s)) => split_list(&decode_entities(s)),
        Some(o @ Value::Object(_)) => ld_str(Some(o)).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .map(classify::collapse_ws)
        .filter(|t| !t.is_empty())
        .collect()
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let d = Document::from(format!("<p>{s}</p>"));
    d.select("p").text().to_string()
}

fn read_json_ld(doc: &Document, m: &mut PageMeta, tz: &TimeZone) {
    let mut values = Vec::new();
    for s in doc.select("script[type='application/ld+json']").iter() {
        if let Ok(v) = serde_json::from_str::<Value>(s.text().trim()) {
            values.push(v);
        }
    }
    let mut objs = Vec::new();
    for v in &values {
        ld_objects(v, &mut objs, 0);
    }
    let Some(a) = objs
        .iter()
        .filter_map(|o| type_rank(o).map(|r| (r, *o)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, o)| o)
    else {
        return;
    };
    m.title = ld_str(a.get("headline")).or_else(|| ld_str(a.get("name")));
    m.authors = ld_names(a.get("author"));
    m.editor = ld_names(a.get("editor")).into_iter().next();
    m.date = ld_str(a.get("datePublished"))
        .or_else(|| ld_str(a.get("dateCreated")))
        .and_then(|d| date::parse_iso(&d, tz));
    m.article_body = a
        .get("articleBody")
        .and_then(Value::as_str)
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty());
    m.updated = ld_str(a.get("dateModified")).and_then(|d| date::parse_iso(&d, tz));
    m.tags = ld_list(a.get("keywords"));
    m.section = ld_list(a.get("articleSection")).into_iter().next();
    m.publisher = a
        .get("publisher")
        .and_then(|p| ld_str(p.get("name")).or_else(|| ld_str(Some(p))));
    m.url = ld_str(a.get("url")).or_else(|| ld_str(a.get("mainEntityOfPage")));
    m.description = ld_str(a.get("description"));
    m.dateline = ld_str(a.get("dateline"));
    let image = match a.get("image") {
        Some(Value::Array(v)) => v.first(),
        other => other,
    };
    if let Some(img) = image {
        m.image = match img {
            Value::Object(o) => ld_str(o.get("url").or(o.get("contentUrl"))),
            other => ld_str(Some(other)),
        };
        m.image_caption = ld_str(img.get("caption"));
        m.image_credit = ld_str(img.get("creditText"))
            .or_else(|| ld_names(img.get("author")).into_iter().next())
            .or_else(|| ld_names(img.get("copyrightHolder")).into_iter().next());
        m.image_alt = ld_str(img.get("name")).filter(|_| img.is_object());
    }
}

fn read_meta_tags(doc: &Document, m: &mut PageMeta, tz: &TimeZone) {
    let mut tags: HashMap<String, String> = HashMap::new();
    for node in doc.select("meta").nodes() {
        let key = node
            .attr("property")
            .or_else(|| node.attr("name"))
            .or_else(|| node.attr("itemprop"));
        if let (Some(k), Some(v)) = (key, node.attr("content")) {
            let v = classify::collapse_ws(&v);
            if !v.is_empty() {
                tags.entry(k.to_ascii_lowercase()).or_insert(v);
            }
        }
    }
    let get = |keys: &[&str]| keys.iter().find_map(|k| tags.get(*k).cloned());
    m.title = m
        .title
        .take()
        .or_else(|| get(&["og:title", "twitter:title", "headline"]));
    if m.authors.is_empty() {
        if let Some(a) = get(&[
            "author",
            "article:author",
            "dc.creator",
            "parsely-author",
            "content_author",
        ])
        .filter(|a| !a.starts_with("http"))
        {
            m.authors = classify::parse_names(&a).unwrap_or_else(|| vec![a]);
        }
    }
    m.editor = m
        .editor
        .take()
        .or_else(|| get(&["editor", "content_editor"]));
    if m.date.is_none() {
        m.date = get(&[
            "article:published_time",
            "datepublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "publish_date",
            "date",
            "dc.date",
            "dc.date.issued",
            "content_publisheddate",
            "og:article:published_time",
        ])
        .and_then(|d| date::parse_iso(&d, tz));
    }
    if m.date.is_none()
        && let Some(t) = doc.select("time[datetime]").nodes().first()
        && let Some(d) = t.attr("datetime")
    {
        m.date = date::parse_iso(&d, tz);
    }
    m.site_name = get(&["og:site_name", "application-name", "twitter:site"])
        .map(|s| s.trim_start_matches('@').to_string());
    m.description = m
        .description
        .take()
        .or_else(|| get(&["og:description", "description", "twitter:description"]));
    m.image = m
        .image
        .take()
        .or_else(|| get(&["og:image", "og:image:url", "twitter:image"]));
    m.image_alt = m
        .image_alt
        .take()
        .or_else(|| get(&["og:image:alt", "twitter:image:alt"]));
    let canonical = doc
        .select("link[rel='canonical']")
        .nodes()
        .first()
        .and_then(|n| n.attr("href"))
        .map(|h| h.trim().to_string())
        .filter(|h| h.starts_with("http"));
    m.url = canonical.or_else(|| get(&["og:url"])).or(m.url.take());
    if m.title.is_none() {
        m.title = doc
            .select("h1")
            .nodes()
            .first()
            .map(|n| classify::collapse_ws(&n.text()))
            .filter(|t| !t.is_empty())
            .or_else(|| {
                let t = classify::collapse_ws(&doc.select("title").text());
                let t = t.split(" | ").next().unwrap_or_default();
                let t = t.rsplit_once(" - ").map_or(t, |(a, _)| a);
                Some(t.to_string()).filter(|t| !t.is_empty())
            });
    }
}

/// The modified date, tags and section from meta tags (`article:tag` may
/// repeat).
fn read_more_meta(doc: &Document, m: &mut PageMeta, tz: &TimeZone) {
    let mut tags = Vec::new();
    let mut keywords = Vec::new();
    for node in doc.select("meta[content]").nodes() {
        let key = node
            .attr("property")
            .or_else(|| node.attr("name"))
            .map(|k| k.to_ascii_lowercase())
            .unwrap_or_default();
        let v = classify::collapse_ws(&node.attr("content").unwrap_or_default());
        match key.as_str() {
            "article:tag" => tags.extend(split_list(&v)),
            "news_keywords" | "keywords" if keywords.is_empty() => keywords = split_list(&v),
            "article:section" if m.section.is_none() && !v.is_empty() => m.section = Some(v),
            "article:modified_time" | "og:updated_time" | "datemodified" | "last-modified"
                if m.updated.is_none() =>
            {
                m.updated = date::parse_iso(&v, tz);
            }
            _ => {}
        }
    }
    if m.tags.is_empty() {
        tags.extend(keywords);
        m.tags = tags;
    }
}

/// `…/2024/06/27/…` or `…/2019/nov/18/…` in an article's address.
fn date_from_url(url: &str, tz: &TimeZone) -> Option<Zoned> {
    let segs: Vec<&str> = url.split('/').collect();
    segs.windows(3).find_map(|w| {
        // "/2024/06/27/" or "/2019/nov/18/".
        let mo = match w[1].parse::<i8>() {
            Ok(m) if w[1].len() == 2 => m,
            Ok(_) => return None,
            Err(_) => date::month_number(w[1])?,
        };
        let y = w[0].parse::<i16>().ok()?;
        let day = w[2]
            .get(..2)?
            .trim_end_matches(|c: char| !c.is_ascii_digit());
        let d = day.parse::<i8>().ok()?;
        if !(1990..=2100).contains(&y) {
            return None;
        }
        jiff::civil::Date::new(y, mo, d)
            .ok()?
            .to_zoned_datetime(tz.clone())
            .ok()
    })
}

/// Byline, editor, date and figure caption from the page chrome, for what
/// the metadata did not give.
fn read_page_chrome(doc: &Document, meta: &mut Meta, tz: &TimeZone) {
    let sel = "[class*='author'], [class*='byline'], [class*='editor'], [class*='date'], [class*='credit'], [rel='author'], [itemprop='author'], time";
    for node in doc.select(sel).nodes() {
        let text = classify::collapse_ws(&node.text());
        if text.is_empty() || text.len() > 160 {
            continue;
        }
        let class = classify::classify(&text, &mut ClassifyState::default(), true, None, tz);
        match class {
            Class::Byline(_) | Class::Editor(_) | Class::Date(_) | Class::Report { .. } => {
                meta.record(&class)
            }
            _ => {
                let is_author = node.attr("rel").is_some_and(|r| &*r == "author")
                    || node.attr("itemprop").is_some_and(|r| &*r == "author")
                    || node
                        .attr("class")
                        .is_some_and(|c| c.contains("author-name"));
                if is_author && meta.authors.is_empty() {
                    meta.authors = classify::parse_names(&text).unwrap_or_default();
                }
            }
        }
    }
    if let Some(fc) = doc
        .select("article figure figcaption, figure figcaption")
        .nodes()
        .first()
    {
        let credit_node = fc.descendants().into_iter().find(|n| {
            n.is_element()
                && (n.is("cite, small") || n.attr("class").is_some_and(|c| c.contains("credit")))
        });
        let full = classify::collapse_ws(&fc.text());
        let (caption, credit) = match credit_node {
            Some(c) => {
                let cr = classify::collapse_ws(&c.text());
                let cap = classify::collapse_ws(&full.replace(cr.as_str(), ""));
                (cap, Some(cr))
            }
            None => classify::split_caption(&full),
        };
        if meta.caption.is_none() && !caption.is_empty() {
            meta.caption = Some(caption);
        }
        if meta.credit.is_none() {
            meta.credit = credit.map(|c| strip_credit_prefix(&c));
        }
    }
}

fn strip_credit_prefix(c: &str) -> String {
    let c = c
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    match rules::generic().credit_prefixes.prefix_end(c) {
        Some(e) => c.get(e..).unwrap_or(c).trim().to_string(),
        None => c.trim().to_string(),
    }
}

/// The deepest element nesting an import accepts. Real pages stay under a few
/// hundred; beyond this, the extractor's ancestor walks make the time grow
/// with the square of the depth.
pub(crate) const MAX_DEPTH: usize = 512;

/// Elements that never hold others, or that the parser closes by itself: the
/// raw-text depth estimate does not count them.
const NO_DEPTH: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "td", "th", "tr", "option", "dt", "dd", "!doctype",
];

/// The nesting depth of the raw markup, counting start and end tags. An
/// over-estimate on sloppy markup, so its limit is four times [`MAX_DEPTH`];
/// it exists because parsing itself is quadratic in the depth.
fn raw_depth(input: &str) -> usize {
    let b = input.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|c| *c == b'<')) {
        i += off + 1;
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let len = b.get(start..).map_or(0, |r| {
            r.iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'!')
                .count()
        });
        if len == 0 {
            continue;
        }
        let name = input
            .get(start..start + len)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let end = b
            .get(i..)
            .and_then(|r| r.iter().position(|c| *c == b'>'))
            .map_or(b.len(), |e| i + e);
        let self_closing = end > 0 && b.get(end - 1) == Some(&b'/');
        if NO_DEPTH.contains(&name.as_str()) {
            // Neither counted when opened nor when closed.
        } else if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing && !name.starts_with('!') {
            depth += 1;
            deepest = deepest.max(depth);
        }
        i = end;
    }
    deepest
}

/// How deeply the page's elements nest, if deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep(input: &str) -> Option<usize> {
    let raw = raw_depth(input);
    if raw > 4 * MAX_DEPTH {
        return Some(raw);
    }
    let doc = Document::from(input);
    let root = doc.root();
    let mut deepest = 0;
    // An explicit stack: recursion is what deep input would break.
    let mut stack = vec![(root, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if deepest > MAX_DEPTH {
            return Some(deepest);
        }
        stack.extend(
            node.children_it(false)
                .filter(|c| c.is_element())
                .map(|c| (c, depth + 1)),
        );
    }
    None
}

/// Never content, removed before anything else.
const ALWAYS_REMOVE: &str =
    "script:not([type='application/ld+json']), style, noscript, iframe, template";

/// Elements that are page chrome when they do not hold the article: by tag or role here,
/// by whole class or id token in [`CHROME_TOKENS`].
const CHROME_CANDIDATES: &str = "nav, aside, footer, form, [role='navigation'], [role='complementary'], [role='contentinfo'], [class], [id]";

/// Whole class or id names (not substrings: `has-comments` on a `<body>` or
/// `newsletter-post` on an `<article>` are not chrome) that mark chrome.
const CHROME_TOKENS: &[&str] = &[
    "share",
    "sharing",
    "share-bar",
    "share-buttons",
    "share-box",
    "share-tools",
    "sharebar",
    "social",
    "social-share",
    "social-links",
    "social-media",
    "social-icons",
    "related",
    "related-posts",
    "related-articles",
    "related-stories",
    "related-content",
    "related-news",
    "newsletter",
    "newsletter-signup",
    "newsletter-box",
    "newsletter-form",
    "comments",
    "comment-list",
    "comments-area",
    "comment-section",
    "comments-section",
    "disqus_thread",
    "breadcrumb",
    "breadcrumbs",
    "advertisement",
    "ad-slot",
    "ad-container",
    "ads",
    "adsbygoogle",
    "promo",
    "promo-box",
    "sidebar",
    "site-footer",
    "site-header",
    "cookie-banner",
    "cookie-notice",
    // Captions outside a <figure> (galleries, slideshows, "… more" toggles);
    // a figure keeps its caption (see `pre_clean`).
    "caption",
    "caption-full",
    "caption-truncated",
    "caption-text",
    "image-caption",
    "photo-caption",
    "media-caption",
    "wp-caption-text",
    "photo-credit",
    "image-credit",
    "gallery",
    "slideshow",
];

fn is_chrome(n: &NodeRef<'_>) -> bool {
    if matches!(name_of(n).as_str(), "nav" | "aside" | "footer" | "form")
        || n.attr("role")
            .is_some_and(|r| matches!(&*r, "navigation" | "complementary" | "contentinfo"))
    {
        return true;
    }
    let tokens = |a: Option<&str>| {
        a.is_some_and(|v| {
            v.split_whitespace()
                .any(|t| CHROME_TOKENS.contains(&t.to_ascii_lowercase().as_str()))
        })
    };
    tokens(n.attr("class").as_deref()) || tokens(n.attr("id").as_deref())
}

/// Whether removing `n` could take the article with it: the document's
/// structural containers, anything holding one of them, and anything holding
/// a large share of the page's text (a `<form>` around the whole page).
fn holds_content(n: &NodeRef<'_>, page_chars: usize) -> bool {
    let name = name_of(n);
    if matches!(name.as_str(), "html" | "body" | "main" | "article")
        || n.attr("itemprop").is_some_and(|v| &*v == "articleBody")
        || n.descendants_it().any(|d| {
            d.is_element()
                && (matches!(name_of(&d).as_str(), "main" | "article")
                    || d.attr("itemprop").is_some_and(|v| &*v == "articleBody"))
        })
    {
        return true;
    }
    let chars = n.text().chars().filter(|c| !c.is_whitespace()).count();
    chars * 10 > page_chars * 3
}

/// Structural pre-cleaning: chrome goes, but never an element that may hold
/// the article (see [`holds_content`]).
fn pre_clean(doc: &Document) {
    doc.select(ALWAYS_REMOVE).remove();
    let page_chars = doc
        .body()
        .map(|b| b.text().chars().filter(|c| !c.is_whitespace()).count())
        .unwrap_or(0);
    let chrome: Vec<NodeRef<'_>> = doc
        .select(CHROME_CANDIDATES)
        .nodes()
        .iter()
        .filter(|n| is_chrome(n))
        .cloned()
        .collect();
    for n in chrome {
        let in_figure =
            name_of(&n) == "figcaption" || n.ancestors_it(None).any(|a| name_of(&a) == "figure");
        if n.parent().is_some() && !in_figure && !holds_content(&n, page_chars) {
            n.remove_from_parent();
        }
    }
}

fn main_content_html(input: &str, url: Option<&str>) -> String {
    let doc = Document::from(input);
    pre_clean(&doc);
    let cfg = Config::default();
    let url = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let parsed = Readability::with_document(doc, url, Some(cfg.clone()))
        .or_else(|_| Readability::with_document(Document::from(input), None, Some(cfg)))
        .and_then(|mut r| r.parse());
    match parsed {
        Ok(article) if !article.text_content.trim().is_empty() => article.content.to_string(),
        _ => {
            let doc = Document::from(input);
            pre_clean(&doc);
            doc.body()
                .map(|b| b.inner_html().to_string())
                .unwrap_or_default()
        }
    }
}

pub(crate) fn extract(input: &str, opts: &ImportOptions) -> Extracted {
    let tz = &opts.timezone;
    let doc = Document::from(input);
    let mut pm = PageMeta::default();
    read_json_ld(&doc, &mut pm, tz);
    read_meta_tags(&doc, &mut pm, tz);
    read_more_meta(&doc, &mut pm, tz);
    let url = opts.url.clone().or(pm.url.clone());
    let site = rules::site_for(url.as_deref(), input);

    let mut meta = Meta::default();
    read_page_chrome(&doc, &mut meta, tz);

    let content = Document::from(main_content_html(input, url.as_deref()));
    let mut blocks = Vec::new();
    if let Some(b) = content.body() {
        to_blocks(&b, &mut blocks, 0);
    }
    let mut st = ClassifyState::default();
    for b in &mut blocks {
        b.class = match b.kind {
            BlockKind::Para | BlockKind::Heading(_) => {
                classify::classify(&b.plain, &mut st, true, site, tz)
            }
            _ => Class::Text,
        };
    }
    // The headline repeated at the top of the content.
    if let (Some(first), Some(t)) = (blocks.first(), pm.title.as_deref())
        && matches!(first.kind, BlockKind::Heading(_))
        && classify::collapse_ws(&first.plain).eq_ignore_ascii_case(t)
    {
        blocks.remove(0);
    }
    let footer = clean::footer_start(&blocks, 0);
    let mut body_md = clean::clean(&blocks[..footer], &mut meta, false);
    if body_md.trim().is_empty()
        && let Some(b) = pm.article_body.take()
    {
        body_md = escape_md(&b);
    }

    let mut authors = pm.authors;
    if authors.is_empty() {
        authors = if meta.authors.is_empty() {
            meta.report_authors
        } else {
            meta.authors
        };
    }
    let dateline = pm
        .dateline
        .and_then(|d| {
            classify::parse_dateline(&format!("{d} - x"))
                .and_then(|d| d.city)
                .or(Some(d.to_uppercase()))
        })
        .or(meta.dateline);
    let source_name = pm
        .site_name
        .or(pm.publisher)
        .or_else(|| site.map(|s| s.name.clone()))
        .or(meta.agency)
        .or_else(|| {
            url.as_deref()
                .map(rules::url_host)
                .filter(|h| !h.is_empty())
        });
    Extracted {
        title: pm.title,
        summary: pm.description,
        authors,
        editor: pm.editor.or(meta.editor).or(meta.report_editor),
        date: pm
            .date
            .or(meta.date)
            .or_else(|| url.as_deref().and_then(|u| date_from_url(u, tz))),
        updated: pm.updated,
        tags: pm.tags,
        section: pm.section,
        source_name,
        url: pm.url,
        dateline,
        image_src: pm.image,
        image_alt: pm.image_alt,
        image_caption: pm.image_caption.or(meta.caption),
        image_credit: pm
            .image_credit
            .or(meta.credit)
            .map(|c| strip_credit_prefix(&c)),
        body: body_md,
    }
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "table",
    "figure",
    "dl",
    "img",
];
const SKIP_TAGS: &[&str] = &[
    "img", "picture", "script", "style", "noscript", "iframe", "svg", "form", "button", "nav",
    "aside", "footer", "video", "audio", "source", "input", "select", "textarea", "template",
    "object", "embed", "head", "title", "meta", "link", "hr", "br",
];

fn name_of(n: &NodeRef<'_>) -> String {
    n.node_name()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default()
}

fn has_block_child(n: &NodeRef<'_>) -> bool {
    n.descendants_it()
        .any(|d| d.is_element() && BLOCK_TAGS.contains(&name_of(&d).as_str()))
}

fn make_block(kind: BlockKind, md: String, plain: String, link_chars: usize) -> Option<Block> {
    let plain = classify::collapse_ws(&plain);
    let md = md
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if plain.is_empty() || md.is_empty() {
        return None;
    }
    let total = plain.chars().count().max(1);
    Some(Block {
        kind,
        md,
        link_ratio: link_chars as f32 / total as f32,
        plain,
        class: Class::Text,
        blank_before: true,
    })
}

/// Converts the children of `node` to Markdown blocks.
fn to_blocks(node: &NodeRef<'_>, out: &mut Vec<Block>, depth: usize) {
    if depth > 60 {
        return;
    }
    let mut pending = Inline::default();
    let flush = |p: &mut Inline, out: &mut Vec<Block>| {
        let p = std::mem::take(p);
        out.extend(make_block(BlockKind::Para, p.md, p.plain, p.link_chars));
    };
    for child in node.children_it(false) {
        if child.is_text() {
            pending.text(&child.text());
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let name = name_of(&child);
        if !BLOCK_TAGS.contains(&name.as_str()) && !SKIP_TAGS.contains(&name.as_str()) {
            pending.node(&child, 0);
            continue;
        }
        flush(&mut pending, out);
        match name.as_str() {
            "p" => {
                let mut i = Inline::default();
                i.children(&child, 0);
                out.extend(make_block(BlockKind::Para, i.md, i.plain, i.link_chars));
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name[1..].parse::<u8>().unwrap_or(2).max(2);
                let mut i = Inline::default();
                i.children(&child, 0);
                let md = format!(
                    "{} {}",
                    "#".repeat(level.into()),
                    i.md.replace('\n', " ").trim()
                );
                out.extend(make_block(
                    BlockKind::Heading(level),
                    md,
                    i.plain,
                    i.link_chars,
                ));
            }
            "ul" | "ol" => {
                let (md, plain, links) = list(&child, name == "ol", 0);
                out.extend(make_block(BlockKind::List, md, plain, links));
            }
            "blockquote" => {
                let mut inner = Vec::new();
                to_blocks(&child, &mut inner, depth + 1);
                let plain = inner
                    .iter()
                    .map(|b| b.plain.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let md = inner
                    .iter()
                    .map(|b| {
                        b.md.lines()
                            .map(|l| format!("> {l}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .collect::<Vec<_>>()
                    .join("\n>\n");
                out.extend(make_block(BlockKind::Quote, md, plain, 0));
            }
            "pre" => {
                let code = child.text().to_string();
                let md = format!("```\n{}\n```", code.trim_end());
                if let Some(mut b) = make_block(BlockKind::Code, md.clone(), code, 0) {
                    b.md = md;
                    out.push(b);
                }
            }
            "table" => match table(&child) {
                Some((md, plain, links)) => {
                    out.extend(make_block(BlockKind::Table, md, plain, links))
                }
                // A layout table: its cells are the page's blocks.
                None => to_blocks(&child, out, depth + 1),
            },
            "figure" => figure(&child, out),
            "img" => out.extend(image(&child)),
            _ if SKIP_TAGS.contains(&name.as_str()) => {}
            _ => {
                if has_block_child(&child) {
                    to_blocks(&child, out, depth + 1);
                } else {
                    let mut i = Inline::default();
                    i.children(&child, 0);
                    out.extend(make_block(BlockKind::Para, i.md, i.plain, i.link_chars));
                }
            }
        }
    }
    flush(&mut pending, out);
}

/// A data table as a Markdown pipe table (its first row the header); `None`
/// for a layout table (nested tables, or cells holding paragraphs).
fn table(node: &NodeRef<'_>) -> Option<(String, String, usize)> {
    if node.descendants_it().any(|d| {
        d.is_element()
            && matches!(
                name_of(&d).as_str(),
                "table" | "p" | "div" | "ul" | "h2" | "h3"
            )
    }) {
        return None;
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut plain = Vec::new();
    let mut links = 0;
    for tr in node
        .descendants_it()
        .filter(|d| d.is_element() && name_of(d) == "tr")
    {
        let mut row = Vec::new();
        for cell in tr
            .children_it(false)
            .filter(|c| c.is_element() && matches!(name_of(c).as_str(), "td" | "th"))
        {
            let mut i = Inline::default();
            i.children(&cell, 0);
            row.push(classify::collapse_ws(&i.md.replace('\n', " ")).replace('|', "\\|"));
            plain.push(classify::collapse_ws(&i.plain));
            links += i.link_chars;
        }
        if !row.is_empty() {
            rows.push(row);
        }
    }
    let width = rows.iter().map(Vec::len).max()?;
    if width < 2 {
        return None;
    }
    let mut md = Vec::with_capacity(rows.len() + 1);
    for (n, mut row) in rows.into_iter().enumerate() {
        row.resize(width, String::new());
        md.push(format!("| {} |", row.join(" | ")));
        if n == 0 {
            md.push(format!("|{}", " --- |".repeat(width)));
        }
    }
    Some((md.join("\n"), plain.join(" "), links))
}

/// `![alt](src)` for an image with a usable address (not a data: URI or a tracking pixel).
fn image(node: &NodeRef<'_>) -> Option<Block> {
    let src = node
        .attr("src")
        .or_else(|| node.attr("data-src"))
        .map(|s| s.trim().to_string())
        .filter(|s| s.starts_with("http://") || s.starts_with("https://") || s.starts_with('/'))?;
    let alt = classify::collapse_ws(&node.attr("alt").unwrap_or_default());
    Some(Block {
        kind: BlockKind::Image,
        md: format!("![{}]({})", escape_md(&alt), url_for_md(&src)),
        plain: alt,
        link_ratio: 0.0,
        class: Class::Text,
        blank_before: true,
    })
}

/// A URL as a Markdown link destination: whitespace, parentheses and angle
/// brackets percent-encoded, so no attribute value can break out of it.
fn url_for_md(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for c in u.trim().chars() {
        match c {
            c if c.is_whitespace() => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c => out.push(c),
        }
    }
    out
}

/// A figure becomes its image with the caption in italics on the line below
/// (one Markdown paragraph, so the two stay together).
fn figure(node: &NodeRef<'_>, out: &mut Vec<Block>) {
    let img = node
        .descendants_it()
        .find(|d| d.is_element() && name_of(d) == "img")
        .and_then(|i| image(&i));
    let caption = node
        .descendants_it()
        .find(|d| d.is_element() && name_of(d) == "figcaption")
        .map(|cap| {
            let mut i = Inline::default();
            i.children(&cap, 0);
            (
                classify::collapse_ws(&i.md.replace('\n', " ")),
                classify::collapse_ws(&i.plain),
            )
        })
        .filter(|(md, _)| !md.is_empty());
    match (img, caption) {
        (Some(mut b), Some((md, plain))) => {
            b.md = format!("{}\n*{}*", b.md, md.trim_matches('*'));
            b.plain = plain;
            out.push(b);
        }
        (Some(b), None) => out.push(b),
        (None, Some((md, plain))) => {
            out.extend(make_block(BlockKind::Para, md, plain, 0));
        }
        (None, None) => {}
    }
}

fn list(node: &NodeRef<'_>, ordered: bool, indent: usize) -> (String, String, usize) {
    let mut md = Vec::new();
    let mut plain = Vec::new();
    let mut links = 0;
    let mut n = 0;
    for li in node
        .children_it(false)
        .filter(|c| c.is_element() && name_of(c) == "li")
    {
        n += 1;
        let mut i = Inline::default();
        let mut nested = Vec::new();
        for c in li.children_it(false) {
            let cname = name_of(&c);
            if c.is_element() && (cname == "ul" || cname == "ol") {
                nested.push(list(&c, cname == "ol", indent + 1));
            } else {
                i.node(&c, 0);
            }
        }
        let marker = if ordered {
            format!("{n}.")
        } else {
            "-".to_string()
        };
        let text = classify::collapse_ws(&i.md.replace('\n', " "));
        md.push(format!("{}{marker} {text}", "  ".repeat(indent)));
        plain.push(i.plain);
        links += i.link_chars;
        for (m, p, l) in nested {
            md.push(m);
            plain.push(p);
            links += l;
        }
    }
    (md.join("\n"), plain.join(" "), links)
}

/// Inline Markdown being built.
#[derive(Debug, Default)]
struct Inline {
    md: String,
    plain: String,
    link_chars: usize,
}

fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '`' | '[' | ']' | '<') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Inline {
    fn text(&mut self, t: &str) {
        let mut collapsed = String::with_capacity(t.len());
        let mut space = false;
        for c in t.chars() {
            if c.is_whitespace() {
                space = true;
            } else {
                if space && !collapsed.is_empty()
                    || space && !self.md.is_empty() && !self.md.ends_with([' ', '\n'])
                {
                    collapsed.push(' ');
                }
                space = false;
                collapsed.push(c);
            }
        }
        if space && !collapsed.is_empty() {
            collapsed.push(' ');
        }
        if collapsed.is_empty() && space && !self.md.is_empty() && !self.md.ends_with([' ', '\n']) {
            collapsed.push(' ');
        }
        self.md.push_str(&escape_md(&collapsed));
        self.plain.push_str(&collapsed);
    }

    fn children(&mut self, node: &NodeRef<'_>, depth: usize) {
        for c in node.children_it(false) {
            self.node(&c, depth + 1);
        }
    }

    fn wrapped(&mut self, node: &NodeRef<'_>, depth: usize, open: &str, close: &str) {
        let mut inner = Inline::default();
        inner.children(node, depth);
        let t = inner.md.trim();
        if t.is_empty() {
            self.text(&inner.plain);
            return;
        }
        if inner.md.starts_with(' ') && !self.md.ends_with([' ', '\n']) && !self.md.is_empty() {
            self.md.push(' ');
            self.plain.push(' ');
        }
        self.md.push_str(open);
        self.md.push_str(t);
        self.md.push_str(close);
        self.plain.push_str(inner.plain.trim());
        if inner.md.ends_with(' ') {
            self.md.push(' ');
            self.plain.push(' ');
        }
        self.link_chars += inner.link_chars;
    }

    fn node(&mut self, node: &NodeRef<'_>, depth: usize) {
        if depth > 60 {
            return;
        }
        if node.is_text() {
            self.text(&node.text());
            return;
        }
        if !node.is_element() {
            return;
        }
        match name_of(node).as_str() {
            "br" => {
                self.md.push('\n');
                self.plain.push(' ');
            }
            "em" | "i" | "cite" => self.wrapped(node, depth, "*", "*"),
            "strong" | "b" => self.wrapped(node, depth, "**", "**"),
            "code" => {
                let t = classify::collapse_ws(&node.text());
                if !t.is_empty() {
                    self.md.push_str(&format!("`{}`", t.replace('`', "'")));
                    self.plain.push_str(&t);
                }
            }
            "a" => {
                let href = node
                    .attr("href")
                    .map(|h| h.trim().to_string())
                    .unwrap_or_default();
                let mut inner = Inline::default();
                inner.children(node, depth);
                let t = inner.md.trim().to_string();
                let n = inner.plain.trim().chars().count();
                if t.is_empty() {
                    return;
                }
                if inner.md.starts_with(' ')
                    && !self.md.is_empty()
                    && !self.md.ends_with([' ', '\n'])
                {
                    self.md.push(' ');
                    self.plain.push(' ');
                }
                if href.is_empty()
                    || href.starts_with('#')
                    || href.to_ascii_lowercase().starts_with("javascript:")
                {
                    self.md.push_str(&t);
                } else {
                    self.md.push_str(&format!("[{t}]({})", url_for_md(&href)));
                }
                self.plain.push_str(inner.plain.trim());
                self.link_chars += n;
                if inner.md.ends_with(' ') {
                    self.md.push(' ');
                    self.plain.push(' ');
                }
            }
            n if SKIP_TAGS.contains(&n) => {}
            _ => self.children(node, depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_urls() {
        let tz = TimeZone::fixed(jiff::tz::offset(7));
        let d = |u: &str| date_from_url(u, &tz).map(|z| date::rfc3339(&z));
        assert_eq!(
            d("https://x.example/2024/06/27/sekolah-pesisir").as_deref(),
            Some("2024-06-27T00:00:00+07:00")
        );
        assert_eq!(
            d("https://x.example/statements/2019/nov/18/a-claim/").as_deref(),
            Some("2019-11-18T00:00:00+07:00")
        );
        assert_eq!(d("https://x.example/item/1234/56/78"), None);
        assert_eq!(d("https://x.example/2024/13/01/x"), None);
    }

    #[test]
    fn depth_guard_counts_real_nesting_only() {
        let flat = format!("<html><body>{}</body></html>", "<p>a<br>b".repeat(5000));
        assert_eq!(too_deep(&flat), None);
        let deep = format!(
            "<html><body>{}x</body></html>",
            "<div>".repeat(MAX_DEPTH + 10)
        );
        assert!(too_deep(&deep).is_some_and(|d| d > MAX_DEPTH));
    }
}
