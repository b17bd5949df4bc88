//! Render: the index + templates → every output file (pages, feeds, machine files, theme assets).
//!
//! Pages are rendered in parallel and handed to `emit` one at a time, so the whole
//! site never sits in memory.

pub mod context;
pub mod feeds;
pub mod filters;
mod plan;
mod search;

pub use plan::output_paths;
use plan::{Output, Taxon, page_path, page_ranges};

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;
use tera::{Context, Tera};

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::index::Index;
use crate::index::archive::Period;
use context::{Block, Link, ListView, Pagination, SiteView};

/// The default theme, compiled in; a site's `templates/` overrides any of them by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("list.html", include_str!("../../templates/list.html")),
    ("tags.html", include_str!("../../templates/tags.html")),
    (
        "taxonomy.html",
        include_str!("../../templates/taxonomy.html"),
    ),
    ("404.html", include_str!("../../templates/404.html")),
    ("search.html", include_str!("../../templates/search.html")),
    (
        "retracted.html",
        include_str!("../../templates/retracted.html"),
    ),
    (
        "redirect.html",
        include_str!("../../templates/redirect.html"),
    ),
    (
        "corrections.html",
        include_str!("../../templates/corrections.html"),
    ),
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
    ("favicon.svg", include_str!("../../static/favicon.svg")),
];

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Preview build: pages of drafts and review items carry a status banner.
    pub preview: bool,
    /// Findings shown in preview banners, by source path.
    pub findings: BTreeMap<std::path::PathBuf, Vec<String>>,
    /// Compute a key per output file from what it shows, for `Rendered::keys`.
    pub track: bool,
    /// The build's clock: the news sitemap holds the stories of the two days before it.
    pub now: jiff::Timestamp,
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
    /// Time spent building the search index, part of the render stage.
    pub search_time: std::time::Duration,
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

pub type Emit<'a> = dyn Fn(&str, &[u8]) -> std::io::Result<()> + Sync + 'a;

/// Why rendering stopped: templates that fail (one report per distinct message), or a
/// file that could not be written (the first one).
#[derive(Debug)]
pub enum Failure {
    Templates(Vec<Diagnostic>),
    Write {
        path: String,
        source: std::io::Error,
    },
    /// An article's body could not be read back from the build cache.
    Body(std::io::Error),
}

/// Renders every output file, or with `previous` keys only those whose inputs
/// changed since (the preview server's incremental rebuild): plan → render in
/// parallel → emit.
pub fn render(
    index: &Index,
    config: &Config,
    tera: &Tera,
    opts: &RenderOptions,
    emit: &Emit,
    previous: Option<&Keys>,
) -> Result<Rendered, Failure> {
    let r = Renderer::new(index, config, tera, opts, emit, previous)?;
    let results: Vec<Result<(Vec<String>, u64), Failure>> = plan::plan(index, config.paginate)
        .par_iter()
        .map(|out| r.make(out))
        .collect();
    let mut keys = Keys::default();
    let mut templates = Vec::new();
    for result in results {
        match result {
            Ok((paths, key)) if opts.track => keys.extend(paths.into_iter().map(|p| (p, key))),
            Ok(_) => {}
            Err(Failure::Templates(d)) => templates.extend(d),
            Err(write) => return Err(write),
        }
    }
    if !templates.is_empty() {
        return Err(Failure::Templates(one_per_message(templates)));
    }
    Ok(Rendered {
        search_time: r.search.elapsed,
        emitted: r.emitted.into_inner(),
        keys,
    })
}

/// One broken template fails every page that uses it: one report per message is enough.
fn one_per_message(mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    errors.sort_by(|a, b| a.message.cmp(&b.message));
    errors.dedup_by(|a, b| {
        a.file == b.file
            && a.message
                .split(':')
                .skip(1)
                .eq(b.message.split(':').skip(1))
    });
    errors.truncate(20);
    errors
}

/// What every output of one render shares: the site, its cards and their keys.
struct Renderer<'a> {
    index: &'a Index,
    config: &'a Config,
    tera: &'a Tera,
    opts: &'a RenderOptions,
    emit: &'a Emit<'a>,
    previous: Option<&'a Keys>,
    site: SiteView,
    words: filters::Words,
    /// Words per language: an article's page speaks its article's language.
    strings: filters::Strings,
    cards: context::Cards<'a>,
    card_keys: Vec<u64>,
    base_ctx: Context,
    /// Every entry, newest first (the front page and the site's feeds).
    all: Vec<usize>,
    /// Each list's pages (ranges of its entries, oldest page first), computed once:
    /// the front page's, each tag's, each section's, author's and source's.
    home_pages: Vec<std::ops::Range<usize>>,
    tag_pages: Vec<Vec<std::ops::Range<usize>>>,
    taxon_pages: BTreeMap<Taxon, Vec<Vec<std::ops::Range<usize>>>>,
    /// The search index's files, built before any page: built in the middle of the
    /// parallel render, they would hold back the pages after them (the preview serves
    /// pages as they are written).
    search: search::Files,
    emitted: std::sync::atomic::AtomicUsize,
}

/// A list page (front page, edition, archive, tag) before it is rendered: enough to
/// key it, and to render it when the key changed.
struct ListPage<'e> {
    kind: &'static str,
    title: String,
    entries: &'e [usize],
    links: Vec<Link>,
    pagination: Option<Pagination>,
    feed_url: Option<String>,
    label: Option<String>,
    /// The front page's root: open with a lead story and close with section blocks.
    front: bool,
}

/// Stories per section block on the front page.
const BLOCK_STORIES: usize = 4;

impl<'a> Renderer<'a> {
    fn new(
        index: &'a Index,
        config: &'a Config,
        tera: &'a Tera,
        opts: &'a RenderOptions,
        emit: &'a Emit<'a>,
        previous: Option<&'a Keys>,
    ) -> Result<Self, Failure> {
        let site = SiteView::new(config, opts.preview).with_sections(config);
        let strings = filters::Strings::new(config);
        let words = strings.get(&config.lang).clone();
        let cards = context::Cards::new(index, &site.root);
        let card_keys: Vec<u64> = if opts.track {
            (0..index.entries.len())
                .into_par_iter()
                .map(|i| cards.key(i))
                .collect()
        } else {
            Vec::new()
        };
        let search = search::build(index, config, &site.root, opts.track, previous)
            .map_err(Failure::Body)?;
        let mut base_ctx = Context::new();
        base_ctx.insert("site", &site);
        base_ctx.insert("t", &words);
        let per_page = config.paginate;
        let all: Vec<usize> = (0..index.entries.len()).collect();
        let home_pages = page_ranges(index, &all, per_page);
        let tag_pages = index
            .tags
            .par_iter()
            .map(|t| page_ranges(index, &t.entries, per_page))
            .collect();
        let taxon_pages = Taxon::ALL
            .iter()
            .map(|&taxon| {
                let pages = taxon
                    .groups(index)
                    .iter()
                    .map(|g| page_ranges(index, &g.entries, per_page))
                    .collect();
                (taxon, pages)
            })
            .collect();
        Ok(Renderer {
            index,
            config,
            tera,
            opts,
            emit,
            previous,
            site,
            words,
            strings,
            cards,
            card_keys,
            base_ctx,
            all,
            home_pages,
            tag_pages,
            taxon_pages,
            search,
            emitted: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Renders and emits one output if its key changed; returns its paths and key.
    fn make(&self, out: &Output) -> Result<(Vec<String>, u64), Failure> {
        let paths = out.paths(self.index, self.config.paginate);
        let dir = || out.dir(self.index).unwrap_or_default();
        let key = match *out {
            Output::Article(i) => return self.article(i, paths),
            Output::Day(i) => return self.list(self.day(i), &dir(), paths),
            Output::Month(i) => return self.list(self.month(i), &dir(), paths),
            Output::Year(i) => return self.list(self.year(i), &dir(), paths),
            Output::Home(n) => match self.home(n) {
                Some(page) => return self.list(page, &dir(), paths),
                None => return self.pointer(String::new(), paths),
            },
            Output::Tag { tag, page } => match self.tag(tag, page) {
                Some(page) => return self.list(page, &dir(), paths),
                None => return self.pointer(plan::tag_prefix(self.index, tag), paths),
            },
            Output::Taxon { taxon, group, page } => match self.taxon(taxon, group, page) {
                Some(page) => return self.list(page, &dir(), paths),
                None => return self.pointer(taxon.prefix(self.index, group), paths),
            },
            Output::TagIndex => return self.tag_index(paths),
            Output::TaxonIndex(taxon) => return self.taxon_index(taxon, paths),
            Output::TaxonAtom(taxon, g) => {
                let group = &taxon.groups(self.index)[g];
                self.feed_key(&format!("{}\n{}", group.name, paths[0]), &group.entries)
            }
            Output::SectionRss(g) => {
                let group = &self.index.sections[g];
                self.feed_key(&format!("{}\n{}", group.name, paths[0]), &group.entries)
            }
            Output::NotFound => return self.not_found(paths),
            Output::Retracted(i) => return self.retracted(i, paths),
            Output::Redirect(i) => return self.redirect(i, paths),
            Output::Corrections => return self.corrections(paths),
            Output::CorrectionsFeed => key_of(self.opts.track, |h| {
                for c in feeds::correction_items(self.index) {
                    (c.entry, c.correction, &self.index.entries[c.entry].url).hash(h);
                    self.card_keys[c.entry].hash(h);
                }
            }),
            Output::SearchPage => return self.search_page(paths),
            Output::Atom(None) => self.feed_key("atom.xml", &self.all),
            Output::Atom(Some(t)) => {
                let tag = &self.index.tags[t];
                self.feed_key(&format!("{}\n{}", tag.name, paths[0]), &tag.entries)
            }
            Output::JsonFeed => self.feed_key("feed.json", &self.all),
            Output::Rss(None) => self.feed_key("rss.xml", &self.all),
            Output::Rss(Some(t)) => {
                let tag = &self.index.tags[t];
                self.feed_key(&format!("{}\n{}", tag.name, paths[0]), &tag.entries)
            }
            Output::NewsSitemap => {
                // Every story of the window, not a feed's first few: one dated back
                // into it lands anywhere in the list.
                let window = feeds::news_window(self.index, self.opts.now);
                self.entries_key("news-sitemap.xml", &window, window.len())
            }
            Output::Sitemaps => return self.sitemaps(paths),
            // Keyed by what the whole base is made from: an unchanged base is not built.
            Output::SearchShard(_) => self.search.base_key,
            // Keyed by their bytes: the preview rewrites only the shards whose terms changed.
            Output::SearchDocs(i) => self.search.docs.get(i).map_or(0, |d| d.0),
            Output::SearchMeta | Output::SearchRecent(_) => {
                let body = self.search_file(out);
                key_of(self.opts.track, |h| body.hash(h))
            }
            Output::Robots | Output::SyntaxCss | Output::Asset(_) => 0,
        };
        self.write_if_stale(paths, key, |paths| self.file(out, paths))
    }

    /// Writes an output's files, one body each from `bodies` (given the paths), if any
    /// of them has not `key` yet.
    fn write_if_stale(
        &self,
        paths: Vec<String>,
        key: u64,
        bodies: impl FnOnce(&[String]) -> Result<Vec<String>, Failure>,
    ) -> Result<(Vec<String>, u64), Failure> {
        if paths.iter().any(|p| self.stale(p, key)) {
            for (path, body) in paths.iter().zip(bodies(&paths)?) {
                self.write(path, body.as_bytes())?;
            }
        }
        Ok((paths, key))
    }

    /// The sitemaps, keyed by the list of their URLs and written from it.
    fn sitemaps(&self, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let urls = plan::sitemap_urls(self.index, self.config.paginate);
        let key = key_of(self.opts.track, |h| urls.hash(h));
        self.write_if_stale(paths, key, |_| {
            let files = feeds::sitemaps(&urls, &self.config.base_url);
            Ok(files.into_iter().map(|(_, body)| body).collect())
        })
    }

    /// The bodies of an output that is not a template (feeds, sitemaps, assets).
    fn file(&self, out: &Output, paths: &[String]) -> Result<Vec<String>, Failure> {
        let (index, cards, config) = (self.index, &self.cards, self.config);
        let one = match *out {
            Output::Atom(tag) => feeds::atom(index, cards, config, &self.feed(tag, &paths[0]))
                .map_err(Failure::Body)?,
            Output::JsonFeed => feeds::json_feed(index, cards, config).map_err(Failure::Body)?,
            Output::Rss(tag) => feeds::rss(index, config, &self.feed(tag, &paths[0])),
            Output::TaxonAtom(taxon, g) => {
                let feed = self.group_feed(taxon, g, &paths[0]);
                feeds::atom(index, cards, config, &feed).map_err(Failure::Body)?
            }
            Output::SectionRss(g) => {
                let feed = self.group_feed(Taxon::Section, g, &paths[0]);
                feeds::rss(index, config, &feed)
            }
            Output::NewsSitemap => {
                let window = feeds::news_window(index, self.opts.now);
                feeds::news_sitemap(index, config, &window)
            }
            Output::Robots => feeds::robots(&config.base_url),
            Output::SearchMeta
            | Output::SearchShard(_)
            | Output::SearchRecent(_)
            | Output::SearchDocs(_) => self.search_file(out).to_string(),
            Output::SyntaxCss => crate::parse::highlight::theme_css(),
            Output::Asset(i) => BUILTIN_ASSETS[i].1.to_string(),
            Output::CorrectionsFeed => {
                feeds::corrections_atom(index, config, &self.words.corrections)
            }
            _ => String::new(),
        };
        Ok(vec![one])
    }

    /// The site's feed (with the notices of retracted stories), or a tag's.
    fn feed<'f>(&'f self, tag: Option<usize>, path: &'f str) -> feeds::Feed<'f> {
        match tag {
            None => feeds::Feed {
                entries: &self.all,
                title: self.config.title.clone(),
                self_path: path,
                page_path: String::new(),
                retractions: feeds::retraction_notices(self.index, &self.all, self.config),
            },
            Some(t) => feeds::Feed {
                entries: &self.index.tags[t].entries,
                title: format!("{} — {}", self.config.title, self.index.tags[t].name),
                self_path: path,
                page_path: plan::tag_prefix(self.index, t),
                retractions: Vec::new(),
            },
        }
    }

    /// A section's, author's or source's feed.
    fn group_feed<'f>(&'f self, taxon: Taxon, g: usize, path: &'f str) -> feeds::Feed<'f> {
        let group = &taxon.groups(self.index)[g];
        feeds::Feed {
            entries: &group.entries,
            title: format!("{} — {}", self.config.title, group.name),
            self_path: path,
            page_path: taxon.prefix(self.index, g),
            retractions: Vec::new(),
        }
    }

    fn search_file(&self, out: &Output) -> &str {
        let files = &self.search;
        match *out {
            Output::SearchMeta => &files.meta,
            Output::SearchShard(i) => files.shards.get(i).map_or("", String::as_str),
            Output::SearchRecent(i) => files.recent.get(i).map_or("", String::as_str),
            Output::SearchDocs(i) => files.docs.get(i).and_then(|d| d.1.as_deref()).unwrap_or(""),
            _ => "",
        }
    }

    fn stale(&self, path: &str, key: u64) -> bool {
        self.previous.is_none_or(|p| p.get(path) != Some(&key))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Failure> {
        self.emitted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (self.emit)(path, bytes).map_err(|source| Failure::Write {
            path: path.to_string(),
            source,
        })
    }

    /// Renders `template` into the output's one path, if `key` changed.
    fn page(
        &self,
        paths: Vec<String>,
        key: u64,
        template: &str,
        ctx: impl FnOnce() -> Context,
    ) -> Result<(Vec<String>, u64), Failure> {
        self.page_from(paths, key, template, || Ok(ctx()))
    }

    /// `page` with a context that may fail to be made (a body from the build cache).
    fn page_from(
        &self,
        paths: Vec<String>,
        key: u64,
        template: &str,
        ctx: impl FnOnce() -> Result<Context, Failure>,
    ) -> Result<(Vec<String>, u64), Failure> {
        let path = &paths[0];
        if self.stale(path, key) {
            let html = self.tera.render(template, &ctx()?).map_err(|e| {
                Failure::Templates(vec![Diagnostic::error(
                    format!("templates/{template}"),
                    format!("cannot render {path}: {}", one_line(&e)),
                )])
            })?;
            self.write(path, html.as_bytes())?;
        }
        Ok((paths, key))
    }

    fn article(&self, i: usize, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let e = &self.index.entries[i];
        let findings = self.opts.findings.get(&e.article.path);
        let card_keys = &self.card_keys;
        let key = key_of(self.opts.track, |h| {
            let cards_of =
                |js: &[usize]| -> Vec<u64> { js.iter().map(|&j| card_keys[j]).collect() };
            (e.article.hash, &e.url, card_keys[i], findings).hash(h);
            (cards_of(&e.related), cards_of(&e.story)).hash(h);
            (e.older.map(|j| card_keys[j]), e.newer.map(|j| card_keys[j])).hash(h);
            e.story.iter().position(|&j| j == i).hash(h);
        });
        self.page_from(paths, key, "article.html", || {
            let mut ctx = self.base_ctx.clone();
            let html = e.article.html().map_err(Failure::Body)?;
            let view = context::article(self.index, &self.cards, i, &self.site, html);
            ctx.insert("page", &view);
            ctx.insert("t", self.strings.get(&e.article.lang));
            let banner = (self.opts.preview && e.article.status != crate::parse::Status::Published)
                .then(|| e.article.status.as_str());
            ctx.insert("banner", &banner);
            ctx.insert("findings", &findings.cloned().unwrap_or_default());
            Ok(ctx)
        })
    }

    /// Every list page is one template with one view.
    fn list(
        &self,
        page: ListPage,
        dir: &str,
        paths: Vec<String>,
    ) -> Result<(Vec<String>, u64), Failure> {
        let key = key_of(self.opts.track, |h| {
            let ListPage {
                kind,
                title,
                links,
                pagination,
                feed_url,
                label,
                front,
                ..
            } = &page;
            (kind, title, dir, links, pagination, feed_url, label, front).hash(h);
            for &i in page.entries {
                self.card_keys[i].hash(h);
            }
            if page.front {
                for (name, url, entries) in self.blocks(page.entries) {
                    (name, url).hash(h);
                    for i in entries {
                        self.card_keys[i].hash(h);
                    }
                }
            }
        });
        self.page(paths, key, "list.html", || {
            let mut groups = context::group_by_day(
                self.index,
                &self.cards,
                page.entries,
                &self.config.lang,
                &self.site.root,
            );
            let lead = page.front.then(|| lead(&mut groups)).flatten();
            let blocks = if page.front {
                self.blocks(page.entries)
                    .into_iter()
                    .map(|(name, url, entries)| Block {
                        name,
                        url,
                        articles: entries.iter().map(|&i| &self.cards[i]).collect(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let view = ListView {
                label: page.label,
                lead,
                blocks,
                kind: page.kind,
                title: page.title,
                url: format!("{}{dir}", self.site.root),
                permalink: format!("{}{dir}", self.config.base_url),
                groups,
                links: page.links,
                pagination: page.pagination,
                feed_url: page.feed_url,
            };
            let mut ctx = self.base_ctx.clone();
            ctx.insert("page", &view);
            ctx
        })
    }

    /// Each section with stories, and its latest ones that the page above does not show.
    fn blocks(&self, shown: &[usize]) -> Vec<(String, String, Vec<usize>)> {
        let shown: std::collections::BTreeSet<usize> = shown.iter().copied().collect();
        self.index
            .sections
            .iter()
            .enumerate()
            .filter_map(|(g, s)| {
                let latest: Vec<usize> = s
                    .entries
                    .iter()
                    .copied()
                    .filter(|i| !shown.contains(i))
                    .take(BLOCK_STORIES)
                    .collect();
                let url = format!("{}{}", self.site.root, Taxon::Section.prefix(self.index, g));
                (!latest.is_empty()).then(|| (s.name.clone(), url, latest))
            })
            .collect()
    }

    fn day(&self, i: usize) -> ListPage<'_> {
        let p = &self.index.days[i];
        let day = self.index.entries[p.entries[0]].day;
        let title = format!(
            "{} {}",
            self.words.edition,
            filters::long_date(day, &self.config.lang)
        );
        let links = neighbours(&self.index.days, i)
            .map(|q| self.period_link(q, self.day_name(q)))
            .collect();
        ListPage::of("day", title, &p.entries, links)
    }

    fn month(&self, i: usize) -> ListPage<'_> {
        let p = &self.index.months[i];
        let month = filters::month_name(p.month.unwrap_or(1), &self.config.lang);
        let title = format!("{} {month} {}", self.words.archive, p.year);
        let links = self
            .index
            .days
            .iter()
            .filter(|d| d.year == p.year && d.month == p.month)
            .map(|d| self.period_link(d, self.day_name(d)))
            .collect();
        ListPage::of("month", title, &p.entries, links)
    }

    fn year(&self, i: usize) -> ListPage<'_> {
        let p = &self.index.years[i];
        let title = format!("{} {}", self.words.archive, p.year);
        let links = self
            .index
            .months
            .iter()
            .filter(|m| m.year == p.year)
            .map(|m| self.period_link(m, self.month_name(m)))
            .collect();
        ListPage::of("year", title, &[], links)
    }

    /// The front page (`n == 0`) or its page `n`; `None` for a number past the real
    /// pages, kept for links made under the old numbering.
    fn home(&self, n: usize) -> Option<ListPage<'_>> {
        let (entries, pagination) = self.paged(&self.all, &self.home_pages, n, "")?;
        let title = if n == 0 {
            self.config.title.clone()
        } else {
            format!("{} — {} {n}", self.config.title, self.words.page)
        };
        // The archive's years (with counts that grow) only on the root: a numbered page
        // must not change when a story arrives.
        let links = if n == 0 {
            self.index
                .years
                .iter()
                .map(|y| self.period_link(y, y.year.to_string()))
                .collect()
        } else {
            Vec::new()
        };
        Some(ListPage {
            pagination,
            feed_url: Some(self.site.feed_url.clone()),
            front: n == 0,
            ..ListPage::of("home", title, entries, links)
        })
    }

    fn tag(&self, t: usize, n: usize) -> Option<ListPage<'_>> {
        let tag = &self.index.tags[t];
        let prefix = plan::tag_prefix(self.index, t);
        let (entries, pagination) = self.paged(&tag.entries, &self.tag_pages[t], n, &prefix)?;
        Some(ListPage {
            pagination,
            feed_url: Some(format!("{}{prefix}atom.xml", self.site.root)),
            label: Some(self.words.tags.clone()),
            ..ListPage::of("tag", self.numbered(&tag.name, n), entries, Vec::new())
        })
    }

    fn taxon(&self, taxon: Taxon, g: usize, n: usize) -> Option<ListPage<'_>> {
        let group = &taxon.groups(self.index)[g];
        let prefix = taxon.prefix(self.index, g);
        let ranges = &self.taxon_pages[&taxon][g];
        let (entries, pagination) = self.paged(&group.entries, ranges, n, &prefix)?;
        let label = match taxon {
            Taxon::Section => &self.words.section,
            Taxon::Author => &self.words.authors,
            Taxon::Source => &self.words.source,
        };
        Some(ListPage {
            pagination,
            feed_url: Some(format!("{}{prefix}atom.xml", self.site.root)),
            label: Some(label.clone()),
            ..ListPage::of(
                taxon.kind(),
                self.numbered(&group.name, n),
                entries,
                Vec::new(),
            )
        })
    }

    /// "Banjir" on the root, "Banjir — Halaman 3" on a numbered page.
    fn numbered(&self, name: &str, n: usize) -> String {
        if n == 0 {
            name.to_string()
        } else {
            format!("{name} — {} {n}", self.words.page)
        }
    }

    /// The entries and pager of page `n` of a list (`0`: its root, the newest page).
    /// Links run to the next older and newer numbered page; the newest numbered page
    /// has no newer link, so when a new page opens only that one page changes.
    fn paged<'l>(
        &self,
        all: &'l [usize],
        ranges: &[std::ops::Range<usize>],
        n: usize,
        prefix: &str,
    ) -> Option<(&'l [usize], Option<Pagination>)> {
        let total = ranges.len();
        let number = if n == 0 { total } else { n };
        let range = ranges.get(number.checked_sub(1)?)?.clone();
        if total == 1 && n > 0 {
            return None;
        }
        let root = &self.site.root;
        let pagination = (total > 1).then(|| Pagination {
            current: number,
            older: (number > 1).then(|| page_url(root, prefix, number - 1)),
            newer: (n > 0 && number < total).then(|| page_url(root, prefix, number + 1)),
            newest: format!("{root}{prefix}"),
        });
        Some((&all[range], pagination))
    }

    /// A numbered page past the real ones: a pointer to the list's root.
    fn pointer(&self, to: String, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let key = key_of(self.opts.track, |h| to.hash(h));
        self.page(paths, key, "redirect.html", || {
            let mut ctx = self.base_ctx.clone();
            let to = format!("{}{to}", self.config.base_url);
            ctx.insert("page", &serde_json::json!({ "to": to }));
            ctx
        })
    }

    fn taxon_index(&self, taxon: Taxon, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let links: Vec<Link> = taxon
            .groups(self.index)
            .iter()
            .enumerate()
            .map(|(g, group)| Link {
                name: group.name.clone(),
                url: format!("{}{}", self.site.root, taxon.prefix(self.index, g)),
                count: group.entries.len(),
            })
            .collect();
        let title = match taxon {
            Taxon::Section => self.words.sections.clone(),
            Taxon::Author => self.words.authors.clone(),
            Taxon::Source => self.words.sources.clone(),
        };
        let key = key_of(self.opts.track, |h| (&title, &links).hash(h));
        self.page(paths, key, "taxonomy.html", || {
            let mut ctx = self.base_ctx.clone();
            let url = format!("{}/", taxon.folder());
            ctx.insert(
                "page",
                &serde_json::json!({
                    "title": title,
                    "kind": taxon.kind(),
                    "url": url,
                    "groups": sized(links),
                }),
            );
            ctx
        })
    }

    fn tag_index(&self, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let tags: Vec<Link> = self
            .index
            .tags
            .iter()
            .map(|t| Link {
                name: t.name.clone(),
                url: format!("{}tags/{}/", self.site.root, t.slug),
                count: t.entries.len(),
            })
            .collect();
        let key = key_of(self.opts.track, |h| tags.hash(h));
        self.page(paths, key, "tags.html", || {
            let mut ctx = self.base_ctx.clone();
            ctx.insert(
                "page",
                &serde_json::json!({"title": self.words.all_tags, "tags": sized(tags)}),
            );
            ctx
        })
    }

    fn not_found(&self, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        self.page(paths, 0, "404.html", || {
            let mut ctx = self.base_ctx.clone();
            ctx.insert("page", &serde_json::json!({"title": self.words.not_found}));
            ctx
        })
    }

    fn retracted(&self, i: usize, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let (_, a) = &self.index.retracted[i];
        let key = key_of(self.opts.track, |h| a.hash.hash(h));
        self.page(paths, key, "retracted.html", || {
            let mut ctx = self.base_ctx.clone();
            let page = serde_json::json!({
                "title": a.title,
                "lang": a.lang,
                "date": filters::rfc3339(&a.date),
                "date_display": filters::long_date(a.date.date(), &a.lang),
                "notice": a.retraction,
            });
            ctx.insert("page", &page);
            ctx
        })
    }

    fn redirect(&self, i: usize, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let r = &self.index.redirects[i];
        let key = key_of(self.opts.track, |h| r.hash(h));
        self.page(paths, key, "redirect.html", || {
            let mut ctx = self.base_ctx.clone();
            let to = format!("{}{}", self.config.base_url, r.to);
            ctx.insert("page", &serde_json::json!({ "to": to }));
            ctx
        })
    }

    fn corrections(&self, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        let items: Vec<serde_json::Value> = feeds::correction_items(self.index)
            .iter()
            .map(|c| {
                let e = &self.index.entries[c.entry];
                let lang = &e.article.lang;
                serde_json::json!({
                    "date": filters::rfc3339(&c.correction.date),
                    "date_display": filters::date_time(&c.correction.date, lang),
                    "text": c.correction.text,
                    "title": e.article.title,
                    "url": format!("{}{}", self.site.root, e.url),
                })
            })
            .collect();
        let key = key_of(self.opts.track, |h| {
            items
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .hash(h)
        });
        self.page(paths, key, "corrections.html", || {
            let mut ctx = self.base_ctx.clone();
            let feed_url = format!("{}corrections/atom.xml", self.site.root);
            ctx.insert(
                "page",
                &serde_json::json!({"items": items, "feed_url": feed_url}),
            );
            ctx
        })
    }

    fn search_page(&self, paths: Vec<String>) -> Result<(Vec<String>, u64), Failure> {
        self.page(paths, 0, "search.html", || {
            let mut ctx = self.base_ctx.clone();
            ctx.insert("page", &serde_json::json!({"title": self.words.search}));
            ctx
        })
    }

    fn day_name(&self, p: &Period) -> String {
        filters::long_date(self.index.entries[p.entries[0]].day, &self.config.lang)
    }

    fn month_name(&self, p: &Period) -> String {
        format!(
            "{} {}",
            filters::month_name(p.month.unwrap_or(1), &self.config.lang),
            p.year
        )
    }

    fn period_link(&self, p: &Period, name: String) -> Link {
        Link {
            name,
            url: format!("{}{}", self.site.root, p.url()),
            count: p.entries.len(),
        }
    }

    /// A feed is keyed by the entries it shows, its first `feed_items` (and the site's
    /// retraction notices).
    fn feed_key(&self, name: &str, entries: &[usize]) -> u64 {
        self.entries_key(name, entries, self.config.feed_items())
    }

    /// The key of a file that shows the first `shown` of `entries`.
    fn entries_key(&self, name: &str, entries: &[usize], shown: usize) -> u64 {
        key_of(self.opts.track, |h| {
            name.hash(h);
            for (url, a) in feeds::retraction_notices(self.index, entries, self.config) {
                (url, a.hash).hash(h);
            }
            for &i in entries.iter().take(shown) {
                (self.index.entries[i].article.hash, self.card_keys[i]).hash(h);
            }
        })
    }
}

impl<'e> ListPage<'e> {
    fn of(kind: &'static str, title: String, entries: &'e [usize], links: Vec<Link>) -> Self {
        ListPage {
            kind,
            title,
            entries,
            links,
            pagination: None,
            feed_url: None,
            label: None,
            front: false,
        }
    }
}

fn page_url(root: &str, prefix: &str, n: usize) -> String {
    format!("{root}{}", page_path(prefix, n))
}

/// The front page's top story: the first story of the newest day with a picture (a
/// lead without one looks like any other card), else its first; taken out of its day.
fn lead<'c>(groups: &mut [context::DayGroup<'c>]) -> Option<&'c context::Card> {
    let first = groups.first_mut()?;
    let at = first
        .articles
        .iter()
        .position(|c| c.image.is_some())
        .unwrap_or(0);
    (at < first.articles.len()).then(|| first.articles.remove(at))
}

/// Links with a size class 1–5 by count (log scale), for an index a reader scans
/// by weight: the biggest topics stand out.
fn sized(links: Vec<Link>) -> Vec<serde_json::Value> {
    let max = links.iter().map(|l| l.count).max().unwrap_or(1).max(1) as f64;
    links
        .into_iter()
        .map(|l| {
            let size = if max <= 1.0 {
                1
            } else {
                1 + ((l.count.max(1) as f64).ln() / max.ln() * 4.0).round() as usize
            };
            serde_json::json!({"name": l.name, "url": l.url, "count": l.count, "size": size})
        })
        .collect()
}

/// Previous and next periods, for stepping through daily editions.
fn neighbours(periods: &[Period], i: usize) -> impl Iterator<Item = &Period> {
    // Periods are newest first: i+1 is the previous day, i-1 the next.
    [i + 1, i.wrapping_sub(1)]
        .into_iter()
        .filter_map(|j| periods.get(j))
}
