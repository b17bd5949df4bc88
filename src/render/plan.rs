//! Render, planning: the index → one `Output` per file the build writes (a sitemap may be
//! several files), each knowing its paths; `Renderer::make` knows its key and content.
//!
//! Adding a page kind is adding a variant here and its arm in `Renderer::make`: the paths
//! a build creates folders for and the files it renders come from this one list.

use crate::index::Index;

use super::{BUILTIN_ASSETS, feeds, search};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    Article(usize),
    /// A daily edition, month or year archive, by index in `Index::{days,months,years}`.
    Day(usize),
    Month(usize),
    Year(usize),
    /// Page `n` (0-based) of the front page.
    Home(usize),
    TagIndex,
    Tag {
        tag: usize,
        page: usize,
    },
    NotFound,
    /// The notice page at a retracted story's URL, by index in `Index::retracted`.
    Retracted(usize),
    /// A page at an old path pointing to the new one, by index in `Index::redirects`.
    Redirect(usize),
    /// Every correction, newest first, and its feed.
    Corrections,
    CorrectionsFeed,
    /// The site's Atom feed, or a tag's.
    Atom(Option<usize>),
    /// The site's RSS 2.0 feed, or a tag's.
    Rss(Option<usize>),
    /// Google News: the stories of the last two days.
    NewsSitemap,
    JsonFeed,
    /// `sitemap.xml`, split into an index and parts past the protocol's limit.
    Sitemaps,
    Robots,
    /// The search results page, `search/index.html`.
    SearchPage,
    SearchMeta,
    /// A term shard, `search/t/N.txt`.
    SearchShard(usize),
    /// A block of result records, `search/d/N.json`.
    SearchDocs(usize),
    SyntaxCss,
    /// `BUILTIN_ASSETS[i]`.
    Asset(usize),
}

/// Every output of a site, pages first.
pub(crate) fn plan(index: &Index, per_page: usize) -> Vec<Output> {
    let mut plan: Vec<Output> = (0..index.entries.len()).map(Output::Article).collect();
    plan.extend((0..index.days.len()).map(Output::Day));
    plan.extend((0..index.months.len()).map(Output::Month));
    plan.extend((0..index.years.len()).map(Output::Year));
    plan.extend((0..pages(index.entries.len(), per_page)).map(Output::Home));
    plan.push(Output::TagIndex);
    for (tag, t) in index.tags.iter().enumerate() {
        plan.extend((0..pages(t.entries.len(), per_page)).map(|page| Output::Tag { tag, page }));
    }
    plan.push(Output::NotFound);
    plan.extend((0..index.retracted.len()).map(Output::Retracted));
    plan.extend((0..index.redirects.len()).map(Output::Redirect));
    plan.extend([Output::Corrections, Output::CorrectionsFeed]);
    plan.push(Output::Atom(None));
    plan.extend((0..index.tags.len()).map(|t| Output::Atom(Some(t))));
    plan.push(Output::Rss(None));
    plan.extend((0..index.tags.len()).map(|t| Output::Rss(Some(t))));
    plan.push(Output::NewsSitemap);
    plan.extend([
        Output::JsonFeed,
        Output::Sitemaps,
        Output::Robots,
        Output::SearchPage,
        Output::SearchMeta,
        Output::SyntaxCss,
    ]);
    let n = index.entries.len();
    plan.extend((0..search::shard_count(n)).map(Output::SearchShard));
    plan.extend((0..search::block_count(n)).map(Output::SearchDocs));
    plan.extend((0..BUILTIN_ASSETS.len()).map(Output::Asset));
    plan
}

impl Output {
    /// The folder of a page (`/`-separated, relative to the output root, ending in `/`
    /// or empty for the front page); `None` for files that are not `…/index.html`.
    pub(crate) fn dir(&self, index: &Index) -> Option<String> {
        Some(match *self {
            Output::Article(i) => index.entries[i].url.clone(),
            Output::Day(i) => index.days[i].url(),
            Output::Month(i) => index.months[i].url(),
            Output::Year(i) => index.years[i].url(),
            Output::Home(n) => page_path("", n),
            Output::TagIndex => "tags/".into(),
            Output::SearchPage => "search/".into(),
            Output::Tag { tag, page } => page_path(&tag_prefix(index, tag), page),
            Output::Retracted(i) => index.retracted[i].0.clone(),
            Output::Redirect(i) => index.redirects[i].from.clone(),
            Output::Corrections => "corrections/".into(),
            _ => return None,
        })
    }

    /// The files this output writes, one body each.
    pub(crate) fn paths(&self, index: &Index, per_page: usize) -> Vec<String> {
        let one = match *self {
            Output::Article(_)
            | Output::Day(_)
            | Output::Month(_)
            | Output::Year(_)
            | Output::Home(_)
            | Output::TagIndex
            | Output::SearchPage
            | Output::Tag { .. }
            | Output::Retracted(_)
            | Output::Redirect(_)
            | Output::Corrections => format!("{}index.html", self.dir(index).unwrap_or_default()),
            Output::CorrectionsFeed => "corrections/atom.xml".into(),
            Output::NotFound => "404.html".into(),
            Output::Atom(None) => "atom.xml".into(),
            Output::Atom(Some(t)) => format!("{}atom.xml", tag_prefix(index, t)),
            Output::Rss(None) => "rss.xml".into(),
            Output::Rss(Some(t)) => format!("{}rss.xml", tag_prefix(index, t)),
            Output::NewsSitemap => "news-sitemap.xml".into(),
            Output::JsonFeed => "feed.json".into(),
            Output::Sitemaps => return feeds::sitemap_names(sitemap_urls(index, per_page).len()),
            Output::Robots => "robots.txt".into(),
            Output::SearchMeta => "search/meta.json".into(),
            Output::SearchShard(i) => format!("search/t/{i}.txt"),
            Output::SearchDocs(i) => format!("search/d/{i}.json"),
            Output::SyntaxCss => "syntax.css".into(),
            Output::Asset(i) => BUILTIN_ASSETS[i].0.into(),
        };
        vec![one]
    }
}

/// The paths of every file `render` emits, computed without rendering.
pub fn output_paths(index: &Index, per_page: usize) -> Vec<String> {
    plan(index, per_page)
        .iter()
        .flat_map(|o| o.paths(index, per_page))
        .collect()
}

pub(crate) fn tag_prefix(index: &Index, tag: usize) -> String {
    format!("tags/{}/", index.tags[tag].slug)
}

pub(crate) fn pages(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page).max(1)
}

/// Output folder of page `n` (0-based) of a list at `prefix`.
pub(crate) fn page_path(prefix: &str, n: usize) -> String {
    if n == 0 {
        prefix.to_string()
    } else {
        format!("{prefix}page/{}/", n + 1)
    }
}

/// Every canonical page with its last modification, for the sitemap.
pub(crate) fn sitemap_urls(index: &Index, per_page: usize) -> Vec<(String, Option<String>)> {
    let day = |d: jiff::civil::Date| Some(d.to_string());
    let mut urls = vec![(
        String::new(),
        index.entries.first().map(|e| e.day.to_string()),
    )];
    urls.extend((1..pages(index.entries.len(), per_page)).map(|n| (page_path("", n), None)));
    urls.extend(index.entries.iter().map(|e| {
        let a = &e.article;
        (
            e.url.clone(),
            day(a.updated.as_ref().unwrap_or(&a.date).date()),
        )
    }));
    urls.extend(
        index
            .days
            .iter()
            .map(|p| (p.url(), day(index.entries[p.entries[0]].day))),
    );
    urls.extend(index.months.iter().map(|p| (p.url(), None)));
    urls.extend(index.years.iter().map(|p| (p.url(), None)));
    urls.push(("tags/".into(), None));
    urls.extend(
        index
            .tags
            .iter()
            .map(|t| (format!("tags/{}/", t.slug), None)),
    );
    urls
}
