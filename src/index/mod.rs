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
    /// Articles left out of the output (drafts, review items, embargoed), kept for review and lints.
    pub unpublished: Vec<Arc<Article>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Time spent on related stories and timelines, the part of indexing that grows
    /// faster than the article count (`kabar build --timings`).
    pub related_time: std::time::Duration,
}

/// Whether an article belongs in the output at all, before any page is built from it.
pub fn is_publishable(a: &Article, opts: &IndexOptions) -> bool {
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
    let mut by_url: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        by_url.entry(article_url(a)).or_default().push(i);
    }
    let mut drop = vec![false; articles.len()];
    for (url, idx) in &by_url {
        if idx.len() > 1 {
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
    }
    let articles: Vec<Arc<Article>> = articles
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(a, _)| a)
        .collect();

    let refs: Vec<&Article> = articles.iter().map(|a| a.as_ref()).collect();
    let (tags, article_tags) = tags::collect(&refs, config);
    let count = config.related.count;
    let related_started = std::time::Instant::now();
    let corpus = related::Corpus::new(&refs, &article_tags, tags.len());
    let related_links = match cache {
        Some((cache, pass)) => cache.related(corpus, count, pass),
        None => related::related(corpus, count),
    };
    let stories = stories(&articles, &related_links.same_coverage);
    let related_time = related_started.elapsed();
    let related_links = related_links.related;
    let n = articles.len();
    let entries: Vec<Entry> = articles
        .into_iter()
        .zip(article_tags)
        .zip(related_links)
        .zip(stories)
        .enumerate()
        .map(|(i, (((article, tags), related), story))| Entry {
            url: article_url(&article),
            day: article.date.date(),
            tags,
            older: (i + 1 < n).then_some(i + 1),
            newer: i.checked_sub(1),
            related,
            story,
            article,
        })
        .collect();
    let (days, months, years) = archive::periods(&entries);
    Index {
        entries,
        days,
        months,
        years,
        tags,
        unpublished,
        diagnostics,
        related_time,
    }
}

/// `YYYY/MM/DD/<slug>/` with the date in the site time zone (dates are zoned when parsed).
pub fn article_url(a: &Article) -> String {
    format!("{}{}/", archive::day_path(a.date.date()), a.slug)
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
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..articles.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    (0..articles.len())
        .map(|i| {
            let mut members = groups[&root(&mut parent, i)].clone();
            if members.len() < 2 {
                return Vec::new();
            }
            members.reverse(); // entries are newest first; timelines read oldest first
            members
        })
        .collect()
}
