//! Render: the index + templates → every output file (pages, feeds, machine files, theme assets).
//!
//! Pages are rendered in parallel and handed to `emit` one at a time, so the whole
//! site never sits in memory.

pub mod context;
pub mod feeds;
pub mod filters;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;
use tera::{Context, Tera};

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::index::Index;
use crate::index::archive::Period;
use context::{Link, ListView, Pagination, SiteView};

/// The default theme, compiled in; a site's `templates/` overrides any of them by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("list.html", include_str!("../../templates/list.html")),
    ("tags.html", include_str!("../../templates/tags.html")),
    ("404.html", include_str!("../../templates/404.html")),
    (
        "partials/card.html",
        include_str!("../../templates/partials/card.html"),
    ),
];

/// Theme assets written to the output root; a file of the same name in the site's
/// `static/` replaces them.
pub const BUILTIN_ASSETS: &[(&str, &str)] = &[
    ("style.css", include_str!("../../static/style.css")),
    ("search.js", include_str!("../../static/search.js")),
];

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Preview build: pages of drafts and review items carry a status banner.
    pub preview: bool,
    /// Findings shown in preview banners, by source path.
    pub findings: BTreeMap<std::path::PathBuf, Vec<String>>,
    /// Compute a key per output file from what it shows, for `Rendered::keys`.
    pub track: bool,
}

/// Per output path, a hash of everything the file shows (the same templates and
/// site.yaml assumed): equal keys, equal bytes.
pub type Keys = rustc_hash::FxHashMap<String, u64>;

#[derive(Debug, Default)]
pub struct Rendered {
    /// Files handed to `emit`.
    pub emitted: usize,
    /// Filled when `RenderOptions::track` is set: every output file, emitted or not.
    pub keys: Keys,
}

fn key_of(track: bool, f: impl FnOnce(&mut rustc_hash::FxHasher)) -> u64 {
    if !track {
        return 0;
    }
    let mut h = rustc_hash::FxHasher::default();
    f(&mut h);
    h.finish()
}

/// Built-in templates overlaid with the site's own.
pub fn templates(site_root: &Path) -> Result<Tera, Vec<Diagnostic>> {
    let mut sources: BTreeMap<String, (String, String)> = BUILTIN_TEMPLATES
        .iter()
        .map(|(name, body)| {
            (
                name.to_string(),
                (format!("(built-in) {name}"), body.to_string()),
            )
        })
        .collect();
    let dir = site_root.join("templates");
    let mut diags = Vec::new();
    if dir.is_dir() {
        for entry in crate::load::walk(&dir) {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&dir) else {
                continue;
            };
            let name = rel.to_string_lossy().replace('\\', "/");
            let shown = format!("templates/{name}");
            match std::fs::read_to_string(entry.path()) {
                Ok(body) => {
                    sources.insert(name, (shown, body));
                }
                Err(e) => diags.push(Diagnostic::error(
                    shown,
                    format!("cannot read template: {e}"),
                )),
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let load = |sources: &BTreeMap<String, (String, String)>| {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".htm", ".xml"]);
        tera.add_raw_templates(
            sources
                .iter()
                .map(|(name, (_, body))| (name.as_str(), body.as_str())),
        )
        .map(|()| tera)
    };
    load(&sources).map_err(|e| {
        // Name the file at fault: the first override that fails on top of the built-ins.
        let builtins: BTreeMap<String, (String, String)> = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, b)| (n.to_string(), (String::new(), b.to_string())))
            .collect();
        let culprit = sources
            .iter()
            .filter(|(_, (shown, _))| shown.starts_with("templates/"))
            .find_map(|(name, src)| {
                let mut one = builtins.clone();
                one.insert(name.clone(), src.clone());
                load(&one).err().map(|e| (src.0.clone(), e))
            });
        let (file, err) = culprit.unwrap_or_else(|| ("templates".into(), e));
        vec![Diagnostic::error(
            file,
            format!("template error: {}", one_line(&err)),
        )]
    })
}

/// Tera errors chain their causes; a report shows them all.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

enum Job {
    Article(usize),
    Day(usize),
    Month(usize),
    Year(usize),
    Home(usize),
    TagIndex,
    Tag(usize, usize),
    NotFound,
}

pub type Emit<'a> = dyn Fn(&str, &[u8]) -> std::io::Result<()> + Sync + 'a;

/// Renders every output file, or with `previous` keys only those whose inputs
/// changed since (the preview server's incremental rebuild).
pub fn render(
    index: &Index,
    config: &Config,
    tera: &Tera,
    opts: &RenderOptions,
    emit: &Emit,
    previous: Option<&Keys>,
) -> Result<Rendered, Vec<Diagnostic>> {
    let site = SiteView::new(config, opts.preview);
    let words = filters::words(&config.lang);
    let cards = context::cards(index, &site.root);
    let per_page = config.paginate;
    let track = opts.track;
    let card_keys: Vec<u64> = if track {
        cards
            .par_iter()
            .map(|c| key_of(true, |h| c.hash(h)))
            .collect()
    } else {
        Vec::new()
    };
    let stale = |path: &str, key: u64| previous.is_none_or(|p| p.get(path) != Some(&key));
    let emitted = std::sync::atomic::AtomicUsize::new(0);
    let emit = |path: &str, bytes: &[u8]| {
        emitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        emit(path, bytes)
    };

    let mut jobs: Vec<Job> = (0..index.entries.len()).map(Job::Article).collect();
    jobs.extend((0..index.days.len()).map(Job::Day));
    jobs.extend((0..index.months.len()).map(Job::Month));
    jobs.extend((0..index.years.len()).map(Job::Year));
    jobs.extend((0..pages(index.entries.len(), per_page)).map(Job::Home));
    jobs.push(Job::TagIndex);
    for (t, tag) in index.tags.iter().enumerate() {
        jobs.extend((0..pages(tag.entries.len(), per_page)).map(|p| Job::Tag(t, p)));
    }
    jobs.push(Job::NotFound);

    let base_ctx = {
        let mut c = Context::new();
        c.insert("site", &site);
        c.insert("t", &words);
        c
    };
    let all: Vec<usize> = (0..index.entries.len()).collect();
    let day_name = |p: &Period| filters::long_date(index.entries[p.entries[0]].day, &config.lang);
    let month_name = |p: &Period| {
        format!(
            "{} {}",
            filters::month_name(p.month.unwrap_or(1), &config.lang),
            p.year
        )
    };
    let period_link = |p: &Period, name: String| Link {
        name,
        url: format!("{}{}", site.root, p.url()),
        count: p.entries.len(),
    };
    // Every list page (front page, edition, archive, tag) is one template with one view.
    #[allow(clippy::too_many_arguments)]
    let list = |kind: &'static str,
                title: String,
                dir: &str,
                entries: &[usize],
                links: Vec<Link>,
                pagination: Option<Pagination>,
                feed_url: Option<String>| {
        let path = format!("{dir}index.html");
        let key = key_of(track, |h| {
            (kind, &title, dir, &links, &pagination, &feed_url).hash(h);
            for &i in entries {
                card_keys[i].hash(h);
            }
        });
        if !stale(&path, key) {
            return (path, "list.html", key, None);
        }
        let view = ListView {
            kind,
            title,
            url: format!("{}{dir}", site.root),
            groups: context::group_by_day(index, &cards, entries, &config.lang, &site.root),
            links,
            pagination,
            feed_url,
        };
        let mut ctx = base_ctx.clone();
        ctx.insert("page", &view);
        (path, "list.html", key, Some(ctx))
    };
    let render_job = |job: &Job| -> Result<(String, u64), Diagnostic> {
        let (path, template, key, ctx) = match job {
            Job::Article(i) => {
                let e = &index.entries[*i];
                let path = format!("{}index.html", e.url);
                let findings = opts.findings.get(&e.article.path);
                let key = key_of(track, |h| {
                    let cards_of =
                        |js: &[usize]| -> Vec<u64> { js.iter().map(|&j| card_keys[j]).collect() };
                    (e.article.hash, &e.url, card_keys[*i], findings).hash(h);
                    (cards_of(&e.related), cards_of(&e.story)).hash(h);
                    (e.older.map(|j| card_keys[j]), e.newer.map(|j| card_keys[j])).hash(h);
                    e.story.iter().position(|&j| j == *i).hash(h);
                });
                if !stale(&path, key) {
                    return Ok((path, key));
                }
                let mut ctx = base_ctx.clone();
                let view = context::article(index, &cards, *i, &site);
                ctx.insert("page", &view);
                let banner = (opts.preview && e.article.status != crate::parse::Status::Published)
                    .then(|| e.article.status.as_str());
                ctx.insert("banner", &banner);
                ctx.insert("findings", &findings.cloned().unwrap_or_default());
                (path, "article.html", key, Some(ctx))
            }
            Job::Day(i) => {
                let p = &index.days[*i];
                let day = index.entries[p.entries[0]].day;
                let title = format!(
                    "{} {}",
                    words.edition,
                    filters::long_date(day, &config.lang)
                );
                let links = neighbours(&index.days, *i)
                    .map(|q| period_link(q, day_name(q)))
                    .collect();
                list("day", title, &p.url(), &p.entries, links, None, None)
            }
            Job::Month(i) => {
                let p = &index.months[*i];
                let month = filters::month_name(p.month.unwrap_or(1), &config.lang);
                let title = format!("{} {month} {}", words.archive, p.year);
                let links = index
                    .days
                    .iter()
                    .filter(|d| d.year == p.year && d.month == p.month)
                    .map(|d| period_link(d, day_name(d)))
                    .collect();
                list("month", title, &p.url(), &p.entries, links, None, None)
            }
            Job::Year(i) => {
                let p = &index.years[*i];
                let title = format!("{} {}", words.archive, p.year);
                let links = index
                    .months
                    .iter()
                    .filter(|m| m.year == p.year)
                    .map(|m| period_link(m, month_name(m)))
                    .collect();
                list("year", title, &p.url(), &[], links, None, None)
            }
            Job::Home(n) => {
                let (slice, pagination) = paginate(&all, *n, per_page, &site.root, "");
                let title = if *n == 0 {
                    config.title.clone()
                } else {
                    format!("{} — {} {}", config.title, words.page, n + 1)
                };
                let links = index
                    .years
                    .iter()
                    .map(|y| period_link(y, y.year.to_string()))
                    .collect();
                let feed = Some(site.feed_url.clone());
                list(
                    "home",
                    title,
                    &page_path("", *n),
                    slice,
                    links,
                    Some(pagination),
                    feed,
                )
            }
            Job::Tag(t, n) => {
                let tag = &index.tags[*t];
                let prefix = format!("tags/{}/", tag.slug);
                let (slice, pagination) = paginate(&tag.entries, *n, per_page, &site.root, &prefix);
                let feed = Some(format!("{}{prefix}atom.xml", site.root));
                list(
                    "tag",
                    tag.name.clone(),
                    &page_path(&prefix, *n),
                    slice,
                    Vec::new(),
                    Some(pagination),
                    feed,
                )
            }
            Job::TagIndex => {
                let tags: Vec<Link> = index
                    .tags
                    .iter()
                    .map(|t| Link {
                        name: t.name.clone(),
                        url: format!("{}tags/{}/", site.root, t.slug),
                        count: t.entries.len(),
                    })
                    .collect();
                let key = key_of(track, |h| tags.hash(h));
                let mut ctx = base_ctx.clone();
                ctx.insert(
                    "page",
                    &serde_json::json!({"title": words.all_tags, "tags": tags}),
                );
                ("tags/index.html".to_string(), "tags.html", key, Some(ctx))
            }
            Job::NotFound => {
                let mut ctx = base_ctx.clone();
                ctx.insert("page", &serde_json::json!({"title": words.not_found}));
                ("404.html".to_string(), "404.html", 0, Some(ctx))
            }
        };
        let Some(ctx) = ctx.filter(|_| stale(&path, key)) else {
            return Ok((path, key));
        };
        let html = tera.render(template, &ctx).map_err(|e| {
            Diagnostic::error(
                format!("templates/{template}"),
                format!("cannot render {path}: {}", one_line(&e)),
            )
        })?;
        emit(&path, html.as_bytes())
            .map_err(|e| Diagnostic::error(path.as_str(), format!("cannot write: {e}")))?;
        Ok((path, key))
    };

    let results: Vec<Result<(String, u64), Diagnostic>> = jobs.par_iter().map(render_job).collect();
    let mut keys = Keys::default();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok((path, key)) if track => {
                keys.insert(path, key);
            }
            Ok(_) => {}
            Err(d) => errors.push(d),
        }
    }
    // One broken template fails every page that uses it: one report per message is enough.
    errors.sort_by(|a, b| a.message.cmp(&b.message));
    errors.dedup_by(|a, b| {
        a.file == b.file
            && a.message
                .split(':')
                .skip(1)
                .eq(b.message.split(':').skip(1))
    });
    errors.truncate(20);
    if !errors.is_empty() {
        return Err(errors);
    }

    // Feeds and machine files: each keyed by what it shows, made only when stale.
    let feed_key = |name: &str, entries: &[usize]| {
        key_of(track, |h| {
            name.hash(h);
            for &i in entries.iter().take(feeds::FEED_ITEMS) {
                (index.entries[i].article.hash, card_keys[i]).hash(h);
            }
        })
    };
    let cards = &cards;
    let urls = sitemap_urls(index, per_page);
    let urls = &urls;
    let mut files: Vec<File> = Vec::new();
    files.push(File::one("atom.xml", feed_key("atom.xml", &all), || {
        feeds::atom(index, cards, &all, config, &config.title, "atom.xml", "")
    }));
    for tag in &index.tags {
        let prefix = format!("tags/{}/", tag.slug);
        let path = format!("{prefix}atom.xml");
        let key = feed_key(&format!("{}\n{path}", tag.name), &tag.entries);
        files.push(File::one(path.clone(), key, move || {
            let title = format!("{} — {}", config.title, tag.name);
            feeds::atom(index, cards, &tag.entries, config, &title, &path, &prefix)
        }));
    }
    files.push(File::one("feed.json", feed_key("feed.json", &all), || {
        feeds::json_feed(index, cards, config)
    }));
    files.push(File {
        paths: feeds::sitemap_names(urls.len()),
        key: key_of(track, |h| urls.hash(h)),
        make: Box::new(|| {
            feeds::sitemaps(urls, &config.base_url)
                .into_iter()
                .map(|(_, body)| body)
                .collect()
        }),
    });
    files.push(File::one("robots.txt", 0, || {
        feeds::robots(&config.base_url)
    }));
    files.push(File::one(
        "search-index.json",
        key_of(track, |h| card_keys.hash(h)),
        || feeds::search_index(cards),
    ));
    files.push(File::one(
        "syntax.css",
        0,
        crate::parse::highlight::theme_css,
    ));
    for (name, body) in BUILTIN_ASSETS {
        files.push(File::one(*name, 0, || body.to_string()));
    }
    let io_errors: Vec<Diagnostic> = files
        .par_iter()
        .filter(|f| f.paths.iter().any(|p| stale(p, f.key)))
        .flat_map_iter(|f| {
            let bodies = (f.make)();
            f.paths
                .iter()
                .zip(bodies)
                .filter_map(|(p, body)| {
                    emit(p, body.as_bytes())
                        .err()
                        .map(|e| Diagnostic::error(p.as_str(), format!("cannot write: {e}")))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if !io_errors.is_empty() {
        return Err(io_errors);
    }
    if track {
        for f in files {
            keys.extend(f.paths.into_iter().map(|p| (p, f.key)));
        }
    }
    Ok(Rendered {
        emitted: emitted.load(std::sync::atomic::Ordering::Relaxed),
        keys,
    })
}

/// Output files that are not templates (feeds, sitemaps, assets): their paths,
/// the key of what they show, and how to make their bodies (one per path).
struct File<'a> {
    paths: Vec<String>,
    key: u64,
    make: Box<dyn Fn() -> Vec<String> + Send + Sync + 'a>,
}

impl<'a> File<'a> {
    fn one(
        path: impl Into<String>,
        key: u64,
        make: impl Fn() -> String + Send + Sync + 'a,
    ) -> Self {
        File {
            paths: vec![path.into()],
            key,
            make: Box::new(move || vec![make()]),
        }
    }
}

/// The path of every file `render` emits, computed without rendering.
/// A test keeps it in step with `render`.
pub fn output_paths(index: &Index, config: &Config) -> Vec<String> {
    let per_page = config.paginate;
    let mut out: Vec<String> = index
        .entries
        .iter()
        .map(|e| format!("{}index.html", e.url))
        .collect();
    for periods in [&index.days, &index.months, &index.years] {
        out.extend(periods.iter().map(|p| format!("{}index.html", p.url())));
    }
    out.extend(
        (0..pages(index.entries.len(), per_page))
            .map(|n| format!("{}index.html", page_path("", n))),
    );
    out.push("tags/index.html".into());
    for tag in &index.tags {
        let prefix = format!("tags/{}/", tag.slug);
        out.extend(
            (0..pages(tag.entries.len(), per_page))
                .map(|n| format!("{}index.html", page_path(&prefix, n))),
        );
        out.push(format!("{prefix}atom.xml"));
    }
    out.push("404.html".into());
    out.push("atom.xml".into());
    out.push("feed.json".into());
    let urls = sitemap_urls(index, per_page).len();
    out.extend(feeds::sitemap_names(urls));
    out.extend(
        ["robots.txt", "search-index.json", "syntax.css"]
            .iter()
            .map(|s| s.to_string()),
    );
    out.extend(BUILTIN_ASSETS.iter().map(|(n, _)| n.to_string()));
    out
}

fn pages(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page).max(1)
}

/// Output folder of page `n` (0-based) of a list at `prefix`.
fn page_path(prefix: &str, n: usize) -> String {
    if n == 0 {
        prefix.to_string()
    } else {
        format!("{prefix}page/{}/", n + 1)
    }
}

fn page_url(root: &str, prefix: &str, n: usize) -> String {
    format!("{root}{}", page_path(prefix, n))
}

fn paginate<'a>(
    all: &'a [usize],
    n: usize,
    per_page: usize,
    root: &str,
    prefix: &str,
) -> (&'a [usize], Pagination) {
    let total = pages(all.len(), per_page);
    let start = (n * per_page).min(all.len());
    let end = (start + per_page).min(all.len());
    let pagination = Pagination {
        current: n + 1,
        total,
        prev: (n > 0).then(|| page_url(root, prefix, n - 1)),
        next: (n + 1 < total).then(|| page_url(root, prefix, n + 1)),
    };
    (&all[start..end], pagination)
}

/// Previous and next periods, for stepping through daily editions.
fn neighbours(periods: &[Period], i: usize) -> impl Iterator<Item = &Period> {
    // Periods are newest first: i+1 is the previous day, i-1 the next.
    [i + 1, i.wrapping_sub(1)]
        .into_iter()
        .filter_map(|j| periods.get(j))
}

/// Every canonical page with its last modification, for the sitemap.
fn sitemap_urls(index: &Index, per_page: usize) -> Vec<(String, Option<String>)> {
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
