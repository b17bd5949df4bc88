//! Index: parsed articles → the publishable set with URLs, editions, archives, tags and related links.
//!
//! Pure and deterministic: the same articles and options always give the same index.

pub mod archive;
pub mod related;
pub mod search;
pub mod tags;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::parse::{Article, Status};

#[derive(Debug, Clone, Copy, Default)]
pub struct IndexOptions {
    /// Include drafts and review items (preview).
    pub drafts: bool,
    /// Include articles dated after `now`.
    pub future: bool,
    pub now: Option<Timestamp>,
}

#[derive(Debug)]
pub struct Entry {
    pub article: Arc<Article>,
    /// Output path of the page, relative to the site root, ending in `/`.
    pub url: String,
    /// Publication day in the site time zone.
    pub day: Date,
    /// Indices into `Index::tags`.
    pub tags: Vec<usize>,
    /// Index into `Index::sections`.
    pub section: Option<usize>,
    /// Indices into `Index::authors`.
    pub authors: Vec<usize>,
    /// Index into `Index::sources`.
    pub source: Option<usize>,
    /// Neighbours in time: the next older and next newer story.
    pub older: Option<usize>,
    pub newer: Option<usize>,
    pub related: Vec<usize>,
    /// Every article of the same story, oldest first (includes this one), when there are others.
    pub story: Vec<usize>,
}

#[derive(Debug)]
pub struct Index {
    /// Newest first; ties by slug.
    pub entries: Vec<Entry>,
    pub days: Vec<archive::Period>,
    pub months: Vec<archive::Period>,
    pub years: Vec<archive::Period>,
    pub tags: Vec<tags::Tag>,
    /// Sections in site.yaml's order, then the others by slug.
    pub sections: Vec<tags::Tag>,
    /// Authors and source outlets by slug; two spellings of one name are one group.
    pub authors: Vec<tags::Tag>,
    pub sources: Vec<tags::Tag>,
    /// Articles left out of the output (drafts, review items, embargoed, retracted), kept
    /// for review and lints.
    pub unpublished: Vec<Arc<Article>>,
    /// Retracted stories with their URL, which keeps a notice page; newest first.
    pub retracted: Vec<(String, Arc<Article>)>,
    /// Old paths (relative, ending in `/`) → the page that replaced them, sorted by path.
    pub redirects: Vec<Redirect>,
    pub diagnostics: Vec<Diagnostic>,
    /// Time spent on related stories and timelines, the part of indexing that grows
    /// faster than the article count (`kabar build --timings`).
    pub related_time: std::time::Duration,
    /// How many related lists were scored (all, unless a cache kept those that could not change).
    pub related_scored: usize,
}

/// An old path that now answers with a pointer to the page that replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Redirect {
    pub from: String,
    pub to: String,
}

/// Whether an article belongs in the output at all, before any page is built from it.
/// A retracted story never does: only its notice page stays.
pub fn is_publishable(a: &Article, opts: &IndexOptions) -> bool {
    if a.status == Status::Retracted {
        return false;
    }
    if opts.drafts {
        return true;
    }
    let future = opts.now.is_some_and(|now| a.date.timestamp() > now);
    a.status == Status::Published && (opts.future || !future)
}

/// Builds the index. `cache` keeps the related-stories model between builds of
/// the preview server, so an edit recomputes only the lists it can change; its
/// `Pass` says whether this build wants them exact.
pub fn build(
    articles: Vec<Arc<Article>>,
    config: &Config,
    opts: &IndexOptions,
    cache: Option<(&mut related::Cache, related::Pass<'_>)>,
) -> Index {
    let mut diagnostics = Vec::new();
    let (mut articles, unpublished): (Vec<Arc<Article>>, Vec<Arc<Article>>) =
        articles.into_iter().partition(|a| is_publishable(a, opts));
    articles.sort_by(|a, b| {
        b.date
            .timestamp()
            .cmp(&a.date.timestamp())
            .then_with(|| a.slug.cmp(&b.slug))
            .then_with(|| a.path.cmp(&b.path))
    });

    // Two sources on one URL: report both files and keep neither, so the
    // output never depends on which file happened to win.
    let urls: Vec<String> = articles.par_iter().map(|a| article_url(a)).collect();
    let mut first: FxHashMap<&str, usize> = FxHashMap::default();
    let mut shared: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, url) in urls.iter().enumerate() {
        if let Some(&f) = first.get(url.as_str()) {
            shared.entry(url).or_insert_with(|| vec![f]).push(i);
        } else {
            first.insert(url, i);
        }
    }
    let retracted = retracted_stories(&unpublished, &articles, &first, &mut diagnostics);
    let mut drop = vec![false; articles.len()];
    for (url, idx) in &shared {
        let mut files: Vec<String> = idx
            .iter()
            .map(|&i| articles[i].path.display().to_string())
            .collect();
        files.sort();
        for &i in idx {
            drop[i] = true;
            diagnostics.push(
                Diagnostic::error(
                    &articles[i].path,
                    format!(
                        "two articles map to one URL /{url}: {}",
                        files.join(" and ")
                    ),
                )
                .at(1, 1)
                .hint("give one of them a different `slug:`"),
            );
        }
    }
    let (articles, urls): (Vec<Arc<Article>>, Vec<String>) = articles
        .into_iter()
        .zip(urls)
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(pair, _)| pair)
        .unzip();

    let refs: Vec<&Article> = articles.iter().map(|a| a.as_ref()).collect();
    let (tags, article_tags) = tags::collect(&refs, config);
    let (sections, article_sections) = tags::group(
        refs.iter()
            .map(|a| a.section.iter().map(String::as_str).collect()),
        &config.section_aliases,
        &config.sections,
    );
    let no_aliases = BTreeMap::new();
    let (authors, article_authors) = tags::group(
        refs.iter()
            .map(|a| a.authors.iter().map(String::as_str).collect()),
        &no_aliases,
        &[],
    );
    let (sources, article_sources) = tags::group(
        refs.iter()
            .map(|a| a.source.iter().map(|s| s.name.as_str()).collect()),
        &no_aliases,
        &[],
    );
    let count = config.related.count;
    let related_started = std::time::Instant::now();
    let corpus = related::Corpus::new(&refs, &article_tags, tags.len());
    // Twice as many candidates as shown: the story's own timeline, shown beside the
    // related list, takes its members out of it (below), and the rest fill in.
    let asked = count.saturating_mul(2);
    let (related_links, related_scored) = match cache {
        Some((cache, pass)) => (cache.related(corpus, asked, pass), cache.scored()),
        None => (related::related(corpus, asked), refs.len()),
    };
    let stories = stories(&articles, &related_links.same_coverage);
    let related_time = related_started.elapsed();
    let related_links: Vec<Vec<usize>> = related_links
        .related
        .into_iter()
        .zip(&stories)
        .map(|(mut related, story)| {
            related.retain(|j| !story.contains(j));
            related.truncate(count);
            related
        })
        .collect();
    let n = articles.len();
    let entries: Vec<Entry> = articles
        .into_iter()
        .zip(urls)
        .zip(article_tags)
        .zip(related_links)
        .zip(stories)
        .enumerate()
        .map(|(i, ((((article, url), tags), related), story))| Entry {
            url,
            day: article.date.date(),
            tags,
            section: article_sections[i].first().copied(),
            authors: article_authors[i].clone(),
            source: article_sources[i].first().copied(),
            older: (i + 1 < n).then_some(i + 1),
            newer: i.checked_sub(1),
            related,
            story,
            article,
        })
        .collect();
    let (days, months, years) = archive::periods(&entries);
    let redirects = redirects(&entries, &retracted, &tags, config, &mut diagnostics);
    Index {
        entries,
        days,
        months,
        years,
        tags,
        sections,
        authors,
        sources,
        unpublished,
        retracted,
        redirects,
        diagnostics,
        related_time,
        related_scored,
    }
}

/// Retracted stories with the URL their notice keeps (newest first); a published
/// article on that URL is an error, since readers' old links must reach the notice.
fn retracted_stories(
    unpublished: &[Arc<Article>],
    articles: &[Arc<Article>],
    by_url: &FxHashMap<&str, usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, Arc<Article>)> {
    let mut retracted: Vec<(String, Arc<Article>)> = unpublished
        .iter()
        .filter(|a| a.status == Status::Retracted)
        .map(|a| (article_url(a), a.clone()))
        .collect();
    retracted.sort_by(|a, b| {
        b.1.date
            .timestamp()
            .cmp(&a.1.date.timestamp())
            .then(a.0.cmp(&b.0))
    });
    for (url, a) in &retracted {
        if let Some(taken) = by_url.get(url.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    &a.path,
                    format!(
                        "the retracted story's URL /{url} is taken by {}",
                        articles[*taken].path.display()
                    ),
                )
                .at(1, 1)
                .hint("a retracted story keeps its URL for its notice: give the other one a different `slug:`"),
            );
        }
    }
    retracted
}

/// Each story's `aliases:` and each renamed tag (`tag_aliases`) whose old slug no tag
/// uses any more. An alias that names a page the site has is an error: the page wins
/// nowhere silently.
fn redirects(
    entries: &[Entry],
    retracted: &[(String, Arc<Article>)],
    tags: &[tags::Tag],
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Redirect> {
    // Few stories have aliases: the site's pages are listed only when one does.
    let pages = std::sync::LazyLock::new(|| -> rustc_hash::FxHashSet<String> {
        entries
            .iter()
            .map(|e| e.url.clone())
            .chain(retracted.iter().map(|(u, _)| u.clone()))
            .chain(tags.iter().map(|t| format!("tags/{}/", t.slug)))
            .collect()
    });
    let mut out: BTreeMap<String, Redirect> = BTreeMap::new();
    for e in entries {
        for from in &e.article.aliases {
            let taken = pages.contains(from) || is_archive_path(from);
            let clash = out.get(from).filter(|r| r.to != e.url);
            if taken || clash.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        &e.article.path,
                        format!("alias /{from} is already a page of the site"),
                    )
                    .at(1, 1)
                    .hint("an alias names the story's old path, one no other page has"),
                );
                continue;
            }
            out.insert(
                from.clone(),
                Redirect {
                    from: from.clone(),
                    to: e.url.clone(),
                },
            );
        }
    }
    let slugs: std::collections::BTreeSet<&str> = tags.iter().map(|t| t.slug.as_str()).collect();
    for (old, new) in &config.tag_aliases {
        let (old, new) = (
            crate::parse::slug::slugify(old),
            crate::parse::slug::slugify(new),
        );
        if old.is_empty()
            || old == new
            || slugs.contains(old.as_str())
            || !slugs.contains(new.as_str())
        {
            continue;
        }
        let from = format!("tags/{old}/");
        out.entry(from.clone()).or_insert(Redirect {
            from,
            to: format!("tags/{new}/"),
        });
    }
    out.into_values().collect()
}

/// `YYYY/`, `YYYY/MM/` or `YYYY/MM/DD/`: folders of the archive, which an alias may not take.
fn is_archive_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `YYYY/MM/DD/<slug>/` with the date in the site time zone (dates are zoned when parsed).
pub fn article_url(a: &Article) -> String {
    let mut url = String::with_capacity(12 + a.slug.len());
    archive::push_day_path(&mut url, a.date.date());
    url.push_str(&a.slug);
    url.push('/');
    url
}

/// Story timelines: articles joined by an explicit `story:` id or by near-identical
/// text, each group oldest first. Groups of one have no timeline.
fn stories(articles: &[Arc<Article>], same_coverage: &[Vec<usize>]) -> Vec<Vec<usize>> {
    // Union-find over both kinds of link; the smallest index is each group's root,
    // so the grouping does not depend on the order links are seen.
    let mut parent: Vec<usize> = (0..articles.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    fn join(parent: &mut [usize], a: usize, b: usize) {
        let (ra, rb) = (root(parent, a), root(parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut first_of_story: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        if let Some(s) = a.story.as_deref() {
            let first = *first_of_story.entry(s).or_insert(i);
            join(&mut parent, first, i);
        }
    }
    for (i, same) in same_coverage.iter().enumerate() {
        for &j in same {
            join(&mut parent, i, j);
        }
    }
    let roots: Vec<usize> = (0..articles.len()).map(|i| root(&mut parent, i)).collect();
    let mut size = vec![0usize; roots.len()];
    for &r in &roots {
        size[r] += 1;
    }
    // Most stories stand alone: only timelines of two or more are gathered.
    let mut groups: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (i, &r) in roots.iter().enumerate() {
        if size[r] > 1 {
            groups.entry(r).or_default().push(i);
        }
    }
    roots
        .iter()
        .map(|r| {
            let Some(members) = groups.get(r) else {
                return Vec::new();
            };
            // Entries are newest first; timelines read oldest first.
            members.iter().rev().copied().collect()
        })
        .collect()
}
