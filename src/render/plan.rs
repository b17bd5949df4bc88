//! Render, planning: the index → one `Output` per file the build writes (a sitemap may be
//! several files), each knowing its paths; `Renderer::make` knows its key and content.
//!
//! Adding a page kind is adding a variant here and its arm in `Renderer::make`: the paths
//! a build creates folders for and the files it renders come from this one list.

use std::borrow::Cow;
use std::ops::Range;

use crate::index::Index;
use crate::index::tags::Tag;

use super::{BUILTIN_ASSETS, feeds, search};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    Article(usize),
    /// A daily edition, month or year archive, by index in `Index::{days,months,years}`.
    Day(usize),
    Month(usize),
    Year(usize),
    /// The front page (`0`, the newest page) or its numbered page `n` (`/page/n/`,
    /// counted from the oldest).
    Home(usize),
    TagIndex,
    /// A tag's page: `0` its root, `n` its `page/n/`, as for `Home`.
    Tag {
        tag: usize,
        page: usize,
    },
    /// `/sections/`, `/authors/`, `/sources/`.
    TaxonIndex(Taxon),
    /// A section's, author's or source's page, numbered as `Home`.
    Taxon {
        taxon: Taxon,
        group: usize,
        page: usize,
    },
    TaxonAtom(Taxon, usize),
    /// A section's RSS 2.0 feed.
    SectionRss(usize),
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
    /// A term shard of the base layer, `search/t/N.txt`.
    SearchShard(usize),
    /// A term shard of the recent layer, `search/r/N.txt`.
    SearchRecent(usize),
    /// A block of result records, `search/d/N.json`.
    SearchDocs(usize),
    SyntaxCss,
    /// `BUILTIN_ASSETS[i]`.
    Asset(usize),
}

/// The three other ways to browse a digest besides tags, each a folder of pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Taxon {
    Section,
    Author,
    Source,
}

impl Taxon {
    pub(crate) const ALL: [Taxon; 3] = [Taxon::Section, Taxon::Author, Taxon::Source];

    /// The folder under the site root (and the list page's `kind` in templates).
    pub(crate) fn folder(self) -> &'static str {
        match self {
            Taxon::Section => "sections",
            Taxon::Author => "authors",
            Taxon::Source => "sources",
        }
    }

    pub(crate) fn kind(self) -> &'static str {
        match self {
            Taxon::Section => "section",
            Taxon::Author => "author",
            Taxon::Source => "source",
        }
    }

    pub(crate) fn groups(self, index: &Index) -> &[Tag] {
        match self {
            Taxon::Section => &index.sections,
            Taxon::Author => &index.authors,
            Taxon::Source => &index.sources,
        }
    }

    pub(crate) fn prefix(self, index: &Index, group: usize) -> String {
        format!("{}/{}/", self.folder(), self.groups(index)[group].slug)
    }
}

/// Every output of a site, pages first.
pub(crate) fn plan(index: &Index, per_page: usize) -> Vec<Output> {
    let mut plan: Vec<Output> = (0..index.entries.len()).map(Output::Article).collect();
    plan.extend((0..index.days.len()).map(Output::Day));
    plan.extend((0..index.months.len()).map(Output::Month));
    plan.extend((0..index.years.len()).map(Output::Year));
    let all: Vec<usize> = (0..index.entries.len()).collect();
    plan.extend((0..=numbered_pages(index, &all, per_page)).map(Output::Home));
    plan.push(Output::TagIndex);
    for (tag, t) in index.tags.iter().enumerate() {
        plan.extend(
            (0..=numbered_pages(index, &t.entries, per_page)).map(|page| Output::Tag { tag, page }),
        );
    }
    for taxon in Taxon::ALL {
        plan.push(Output::TaxonIndex(taxon));
        for (group, g) in taxon.groups(index).iter().enumerate() {
            plan.extend(
                (0..=numbered_pages(index, &g.entries, per_page)).map(|page| Output::Taxon {
                    taxon,
                    group,
                    page,
                }),
            );
            plan.push(Output::TaxonAtom(taxon, group));
        }
    }
    plan.extend((0..index.sections.len()).map(Output::SectionRss));
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
    plan.extend((0..search::base_shard_count(n)).map(Output::SearchShard));
    plan.extend((0..search::RECENT_SHARDS).map(Output::SearchRecent));
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
            Output::TaxonIndex(taxon) => format!("{}/", taxon.folder()),
            Output::Taxon { taxon, group, page } => page_path(&taxon.prefix(index, group), page),
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
            | Output::TaxonIndex(_)
            | Output::Taxon { .. }
            | Output::Retracted(_)
            | Output::Redirect(_)
            | Output::Corrections => self.dir(index).unwrap_or_default() + "index.html",
            Output::CorrectionsFeed => "corrections/atom.xml".into(),
            Output::NotFound => "404.html".into(),
            Output::Atom(None) => "atom.xml".into(),
            Output::Atom(Some(t)) => format!("{}atom.xml", tag_prefix(index, t)),
            Output::Rss(None) => "rss.xml".into(),
            Output::Rss(Some(t)) => format!("{}rss.xml", tag_prefix(index, t)),
            Output::TaxonAtom(taxon, g) => format!("{}atom.xml", taxon.prefix(index, g)),
            Output::SectionRss(g) => format!("{}rss.xml", Taxon::Section.prefix(index, g)),
            Output::NewsSitemap => "news-sitemap.xml".into(),
            Output::JsonFeed => "feed.json".into(),
            Output::Sitemaps => return feeds::sitemap_names(sitemap_urls(index, per_page).len()),
            Output::Robots => "robots.txt".into(),
            Output::SearchMeta => "search/meta.json".into(),
            Output::SearchShard(i) => search::base_shard_path(i),
            Output::SearchRecent(i) => format!("search/r/{i}.txt"),
            Output::SearchDocs(i) => search::docs_path(i),
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

/// The pages of a list (entry indices, newest first), oldest page first: `[0]` is
/// `page/1/` and the last one is the newest, which the list's root shows.
///
/// Two rules shape them. A page holds whole days, so an edition is never split (a day
/// larger than a page is a page of its own). And pages are filled from the oldest day,
/// so a story added to the newest day changes only the newest page (and, when that page
/// overflows, closes it): a full page never changes again, and neither do its bytes,
/// which is what a CDN and a deploy by changed files want.
pub(crate) fn page_ranges(index: &Index, entries: &[usize], per_page: usize) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    // Walking from the oldest entry: `[i, end)` is the page being filled.
    let (mut i, mut end) = (entries.len(), entries.len());
    while i > 0 {
        let day = index.entries[entries[i - 1]].day;
        let mut j = i - 1;
        while j > 0 && index.entries[entries[j - 1]].day == day {
            j -= 1;
        }
        let filled = end - i;
        if filled > 0 && filled + (i - j) > per_page {
            pages.push(i..end);
            end = i;
        }
        i = j;
    }
    pages.push(0..end);
    pages
}

/// How many `page/N/` folders a list has. A list of one page has none (its root is
/// all of it). Otherwise every page has one, the newest too (a copy of the root), so
/// that each page's link to the next newer one never changes; and there are at least as
/// many as the old newest-first numbering had (`page/2/` … `page/⌈n/per_page⌉/`), so a
/// link made before still finds a page: past the real ones, a pointer to the root.
pub(crate) fn numbered_pages(index: &Index, entries: &[usize], per_page: usize) -> usize {
    let real = real_pages(index, entries, per_page);
    let old = entries.len().div_ceil(per_page.max(1));
    match (real, old) {
        (0 | 1, 0 | 1) => 0,
        _ => real.max(old),
    }
}

/// The pages with stories of their own at `page/N/` (none for a one-page list).
pub(crate) fn real_pages(index: &Index, entries: &[usize], per_page: usize) -> usize {
    match page_ranges(index, entries, per_page).len() {
        1 => 0,
        n => n,
    }
}

/// Output folder of a list's root (`n == 0`) or of its page `n` (1-based, from the oldest).
pub(crate) fn page_path(prefix: &str, n: usize) -> String {
    if n == 0 {
        prefix.to_string()
    } else {
        format!("{prefix}page/{n}/")
    }
}

/// Every canonical page with its last modification, for the sitemap.
pub(crate) fn sitemap_urls(
    index: &Index,
    per_page: usize,
) -> Vec<(Cow<'_, str>, Option<jiff::civil::Date>)> {
    let mut urls = vec![(Cow::Borrowed(""), index.entries.first().map(|e| e.day))];
    let all: Vec<usize> = (0..index.entries.len()).collect();
    let real = real_pages(index, &all, per_page);
    urls.extend((1..=real).map(|n| (page_path("", n).into(), None)));
    // Borrowed: a sitemap lists every story, and is keyed on every build.
    urls.extend(index.entries.iter().map(|e| {
        let a = &e.article;
        let day = a.updated.as_ref().unwrap_or(&a.date).date();
        (Cow::Borrowed(e.url.as_str()), Some(day))
    }));
    urls.extend(
        index
            .days
            .iter()
            .map(|p| (p.url().into(), Some(index.entries[p.entries[0]].day))),
    );
    urls.extend(index.months.iter().map(|p| (p.url().into(), None)));
    urls.extend(index.years.iter().map(|p| (p.url().into(), None)));
    urls.push(("tags/".into(), None));
    urls.extend(
        index
            .tags
            .iter()
            .map(|t| (format!("tags/{}/", t.slug).into(), None)),
    );
    for taxon in Taxon::ALL {
        urls.push((format!("{}/", taxon.folder()).into(), None));
        urls.extend((0..taxon.groups(index).len()).map(|g| (taxon.prefix(index, g).into(), None)));
    }
    urls
}
