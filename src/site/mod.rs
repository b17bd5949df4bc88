//! Site: a site folder + options → a published output folder, running load → parse → index → render → write.

pub mod cache;
pub mod preview;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::slice::ParallelSliceMut;

use crate::config::Config;
use crate::diagnostics::{self, Diagnostic};
pub use crate::error::Error;
use crate::index::{self, Index, IndexOptions};
use crate::parse::Article;
use crate::{load, parse, render, write};

/// The action of the error a build cache's damaged body gives: the incremental build
/// then runs in full instead.
pub(crate) const READ_BODY: &str = "read an article's body from the build cache beside";

/// What the user asked of a build, and how the command runs it (`mode`).
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    pub drafts: bool,
    pub future: bool,
    pub base_url: Option<String>,
    /// Rebuild even when no input changed since the last build.
    pub force: bool,
    /// Start from the build cache beside the output and keep it for the next build.
    pub incremental: bool,
    pub mode: Mode,
}

/// How a command runs a build: set by kabar, never by a flag.
#[derive(Debug, Clone, Default)]
pub struct Mode {
    /// The moment that decides what is future-dated; `None` means now.
    pub now: Option<jiff::Timestamp>,
    /// Preview builds banner unpublished pages.
    pub preview: bool,
    /// Show a spinner (a terminal is watching).
    pub progress: bool,
    /// Nothing will lint this build: keep less of each article in memory.
    pub lean: bool,
    /// Keep a key per output file (see `render::Keys`) for incremental rebuilds.
    pub track: bool,
}

/// Lint findings shown in preview banners, by source path (filled by `kabar serve`).
pub type Findings = BTreeMap<PathBuf, Vec<String>>;

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: None,
            drafts: false,
            future: false,
            base_url: None,
            force: false,
            incremental: false,
            mode: Mode::default(),
        }
    }

    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }
}

#[derive(Debug)]
pub struct BuildReport {
    pub articles: usize,
    pub files: usize,
    pub output: PathBuf,
    pub warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// Nothing changed since the last build, so nothing was written.
    pub unchanged: bool,
    /// What each output file was made from, when `BuildOptions::track` asked for it.
    pub keys: render::Keys,
    pub stages: Stages,
    /// The published-tree manifest of what was written (`None` when nothing was).
    pub tree: Option<write::Tree>,
    /// Files added, changed and removed versus the previous build's manifest.
    pub changes: Option<write::Changes>,
    /// Whether the build started from the build cache beside the output.
    pub cache: CacheUse,
}

/// What a build made of the build cache beside the output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheUse {
    /// No cache was involved (nothing changed, or a preview build).
    #[default]
    NotApplicable,
    /// The build started from it: it rendered `rendered` files and left the `kept`
    /// unchanged ones of the previous output where they were, and scored `related`
    /// related lists again.
    Used {
        rendered: usize,
        kept: usize,
        related: usize,
    },
    /// A full build, and why the cache could not serve (none yet, `--force`, a damaged,
    /// foreign or outdated cache…).
    Full(String),
}

/// How long each stage of a build took, in order (`kabar build --timings`).
pub type Stages = Vec<(&'static str, Duration)>;

pub(crate) fn timed<T>(stages: &mut Stages, name: &'static str, stage: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = stage();
    stages.push((name, started.elapsed()));
    out
}

/// Everything up to rendering: the validated, indexed site.
pub struct Prepared {
    pub config: Config,
    pub index: Index,
    pub tera: tera::Tera,
    pub warnings: Vec<Diagnostic>,
    pub stages: Stages,
    /// The build's clock: what is future-dated, and what the news sitemap holds.
    pub now: jiff::Timestamp,
}

impl Prepared {
    /// The render stage with the build's options: every output file, or with
    /// `previous` keys only those whose inputs changed. A file that cannot be
    /// written is an I/O error, named where it was going under the output folder.
    pub fn render(
        &self,
        opts: &BuildOptions,
        findings: &Findings,
        emit: &render::Emit,
        previous: Option<&render::Keys>,
    ) -> Result<render::Rendered, Error> {
        let render_opts = render::RenderOptions {
            preview: opts.mode.preview,
            findings: findings.clone(),
            track: opts.mode.track,
            now: self.now,
        };
        render::render(
            &self.index,
            &self.config,
            &self.tera,
            &render_opts,
            emit,
            previous,
        )
        .map_err(|failure| match failure {
            render::Failure::Templates(diags) => Error::Content(diags),
            render::Failure::Write { path, source } => {
                let shown = diagnostics::display_path(&opts.root, &opts.output_dir().join(path));
                Error::io("write", shown)(source)
            }
            render::Failure::Body(source) => {
                let shown = diagnostics::display_path(&opts.root, &opts.output_dir());
                Error::io(READ_BODY, shown)(source)
            }
        })
    }

    /// Every parsed article, publishable or not (review and check look at all of them),
    /// in file order.
    pub fn all(&self) -> Vec<&Article> {
        let mut all: Vec<&Article> = self
            .index
            .entries
            .iter()
            .map(|e| &e.article)
            .chain(&self.index.unpublished)
            .map(|a| a.as_ref())
            .collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    }
}

/// load → parse → index, plus templates. Collects every problem before failing.
pub fn prepare(opts: &BuildOptions) -> Result<Prepared, Error> {
    let config = config(opts)?;
    let mut stages = Stages::new();
    let loaded = timed(&mut stages, "read", || load::load(&opts.root, "content"));
    let parsed = timed(&mut stages, "parse", || {
        parse::parse(
            loaded,
            &config,
            opts.mode
                .lean
                .then_some(parse::Lean::Digest(index::search::digest_and_features)),
        )
    });
    let articles = parsed.articles.into_iter().map(Arc::new).collect();
    let mut site = assemble(opts, config, articles, parsed.diagnostics, None)?;
    site.stages.splice(0..0, stages);
    Ok(site)
}

/// The site's configuration with the options' overrides; fails without a content folder.
pub fn config(opts: &BuildOptions) -> Result<Config, Error> {
    let mut config = Config::load(&opts.root).map_err(|d| Error::Content(vec![d]))?;
    if let Some(url) = &opts.base_url {
        config.base_url = if url.ends_with('/') {
            url.clone()
        } else {
            format!("{url}/")
        };
    }
    if !opts.root.join("content").is_dir() {
        return Err(no_content(&opts.root));
    }
    Ok(config)
}

pub(crate) fn no_content(root: &Path) -> Error {
    Error::Usage(format!(
        "no content/ folder in {}: run kabar in a site folder, or create one with `kabar init`",
        root.display()
    ))
}

/// index + templates over parsed articles; `diags` are the problems found so far.
pub fn assemble(
    opts: &BuildOptions,
    config: Config,
    articles: Vec<Arc<Article>>,
    mut diags: Vec<Diagnostic>,
    related: Option<(&mut index::related::Cache, index::related::Pass<'_>)>,
) -> Result<Prepared, Error> {
    let now = opts.mode.now.unwrap_or_else(jiff::Timestamp::now);
    let index_opts = IndexOptions {
        drafts: opts.drafts,
        future: opts.future || opts.drafts,
        now: Some(now),
    };
    let mut stages = Stages::new();
    let index = timed(&mut stages, "index", || {
        index::build(articles, &config, &index_opts, related)
    });
    stages.push(("  of which related stories", index.related_time));
    diags.extend(index.diagnostics.iter().cloned());
    let tera = timed(&mut stages, "templates", || render::templates(&opts.root));
    let tera = match tera {
        Ok(t) => Some(t),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    diagnostics::sort(&mut diags);
    match tera {
        Some(tera) if !diags.iter().any(Diagnostic::is_error) => Ok(Prepared {
            config,
            index,
            tera,
            warnings: diags,
            stages,
            now,
        }),
        _ => Err(Error::Content(diags)),
    }
}

pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let started = Instant::now();
    // An incremental build keys its files, for the next one to start from.
    let opts = &BuildOptions {
        mode: Mode {
            track: opts.incremental || opts.mode.track,
            ..opts.mode.clone()
        },
        ..opts.clone()
    };
    let out = opts.output_dir();
    // Refused before anything is read, and a killed build's output put back first.
    write::claim(&out, &opts.root)?;
    // Taken before reading anything: an edit made during the build changes it,
    // so the next build cannot mistake the site for unchanged.
    let salt = format!(
        "{} {:?} {:?} {} {} {} {:?}",
        env!("CARGO_PKG_VERSION"),
        preview::binary(),
        out,
        opts.drafts,
        opts.future,
        opts.mode.preview,
        opts.base_url
    );
    let now = opts
        .mode
        .now
        .unwrap_or_else(jiff::Timestamp::now)
        .as_second();
    let last = write::Manifest::read(&out);
    let unchanged = |fingerprint: u64| {
        last.as_ref().is_some_and(|m| {
            m.fingerprint == fingerprint && m.rebuild_after.is_none_or(|t| now < t)
        }) && !opts.force
            && out.is_dir()
    };
    let mut stages = Stages::new();
    let Inputs {
        fingerprint,
        scan,
        previous,
        restored,
    } = inputs(opts, &salt, last.as_ref(), &unchanged, &mut stages);
    if let Some(m) = last.as_ref().filter(|_| unchanged(fingerprint)) {
        std::thread::spawn(move || drop((previous, restored)));
        return Ok(BuildReport {
            articles: m.articles,
            files: 0,
            output: out,
            warnings: Vec::new(),
            elapsed: started.elapsed(),
            unchanged: true,
            keys: render::Keys::default(),
            stages,
            tree: None,
            changes: None,
            cache: CacheUse::NotApplicable,
        });
    }
    let (folders, folder_stamps) = scan.folders(&opts.root);
    let progress = opts.mode.progress.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} files [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("reading");
        bar
    });
    let (site, mut report, mut engine) = if opts.incremental {
        let (site, report, engine) = incremental(
            opts,
            scan,
            previous.as_ref(),
            restored,
            progress.as_ref(),
            started,
        )?;
        (site, report, Some(engine))
    } else {
        drop((scan, restored));
        let site = prepare(opts)?;
        if let Some(bar) = &progress {
            bar.set_message("rendering");
        }
        let report = write_site(opts, &site, &Findings::new(), progress.as_ref(), started)?;
        (site, report, None)
    };
    let rebuild_after = changes_by_itself(&site, now);
    report.stages.splice(0..0, stages);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(tree) = &report.tree {
        if let Some(previous) = &previous {
            let gone = write::merged(&previous.files, &tree.files)
                .filter_map(|(path, _, now)| now.is_none().then_some(path));
            report
                .warnings
                .extend(gone_without_alias(gone, &site.index));
        }
        report.changes = Some(tree.changes(previous.as_ref()));
        report.files = tree.files.len();
    }
    if let Some(engine) = &mut engine {
        engine.set_keys(Some(std::mem::take(&mut report.keys)));
    }
    // The manifest is recorded while the cache is written: each is one thread's work,
    // and neither reads the other's file. A cache that names a manifest which then
    // failed to be recorded is not used (`restore` checks the one in place).
    let (mut cached, mut recorded) = (Stages::new(), Stages::new());
    let record = match engine {
        Some(_) => "  beside it: record the manifest",
        None => "record the manifest",
    };
    let (unsaved, written) = rayon::join(
        || {
            let engine = engine.as_ref()?;
            save_cache(engine, opts, report.tree.as_ref(), &mut cached)
        },
        || {
            let tree = report.tree.as_ref()?;
            Some(timed(&mut recorded, record, || tree.write(&out)))
        },
    );
    report.stages.extend(cached.into_iter().chain(recorded));
    report.warnings.extend(unsaved);
    // Deploy refuses a manifest that does not name the output in place, so a failure
    // here leaves a refusal, never a wrong deploy.
    written.transpose().map_err(Error::io(
        "record the manifest (the build is in place) beside",
        &out,
    ))?;
    let manifest = write::Manifest {
        fingerprint,
        articles: report.articles,
        rebuild_after,
        folders,
        folder_stamps,
    };
    // Without a manifest the next build simply runs in full.
    let _ = manifest.write(&out);
    // Freed on another thread: at 100 000 articles freeing them takes a noticeable part
    // of a small build, and a command that exits next need not wait for it.
    std::thread::spawn(move || drop((site, engine, previous)));
    Ok(report)
}

/// What a build reads before anything else.
struct Inputs {
    fingerprint: u64,
    scan: load::Scan,
    /// The manifest of the output in place.
    previous: Option<write::Tree>,
    /// For an incremental build without `--force`: the engine, started from the build
    /// cache if it could be, and what became of the cache.
    restored: Option<(preview::Preview, CacheUse)>,
}

/// The fingerprint with its walk of `content/`, then the last manifest and the build
/// cache unless the fingerprint shows the site `unchanged`. When the site has surely
/// changed since the `last` build (there was none, `--force`, or a folder gained, lost
/// or renamed a file: a new story), those two are read on the other core while the site
/// is walked, which is mostly one thread's work.
fn inputs(
    opts: &BuildOptions,
    salt: &str,
    last: Option<&write::Manifest>,
    unchanged: &(dyn Fn(u64) -> bool + Sync),
    stages: &mut Stages,
) -> Inputs {
    let out = opts.output_dir();
    let changed = last.is_none_or(|m| {
        opts.force || load::folder_stamps(&opts.root, &m.folders) != m.folder_stamps
    });
    let read = |stages: &mut Stages, [manifest, cache]: [&'static str; 2]| {
        let previous = timed(stages, manifest, || {
            write::Tree::read(&out).filter(|t| t.describes(&out))
        });
        let restored = (opts.incremental && !opts.force).then(|| {
            timed(stages, cache, || {
                let mut engine = preview::Preview::new(opts.clone());
                let used = restore(&mut engine, &out, &opts.root, previous.as_ref());
                (engine, used)
            })
        });
        (previous, restored)
    };
    let scan = |stages: &mut Stages| timed(stages, "fingerprint", || load::scan(&opts.root, salt));
    let ((fingerprint, scan), (previous, restored)) = if changed {
        let mut beside = Stages::new();
        let both = rayon::join(
            || scan(stages),
            || {
                let names = [
                    "  beside it: read the last manifest",
                    "  beside it: read the build cache",
                ];
                read(&mut beside, names)
            },
        );
        stages.append(&mut beside);
        both
    } else {
        let (fingerprint, scan) = scan(stages);
        let read = if unchanged(fingerprint) {
            (None, None)
        } else {
            read(stages, ["read the last manifest", "read the build cache"])
        };
        ((fingerprint, scan), read)
    };
    Inputs {
        fingerprint,
        scan,
        previous,
        restored,
    }
}

/// The incremental half of `build`: the preview's engine, started from the build cache
/// when it could be (`restored`, `None` with `--force`), renders what changed and carries
/// the rest of the output over.
fn incremental(
    opts: &BuildOptions,
    scan: load::Scan,
    previous: Option<&write::Tree>,
    restored: Option<(preview::Preview, CacheUse)>,
    progress: Option<&indicatif::ProgressBar>,
    started: Instant,
) -> Result<(Prepared, BuildReport, preview::Preview), Error> {
    let (mut engine, mut used) = restored.unwrap_or_else(|| {
        let engine = preview::Preview::new(opts.clone());
        (engine, CacheUse::Full("--force".into()))
    });
    let mut site = match engine.prepare_scanned(Some(scan)) {
        // Term frequencies the related stories needed were damaged: as below.
        Err(Error::Io { action, source, .. }) if action == READ_BODY => {
            used = CacheUse::Full(source.to_string());
            start_over(opts, &mut engine)?
        }
        prepared => prepared?,
    };
    if let Some(bar) = progress {
        bar.set_message("rendering");
    }
    let updated = match (&used, engine.keys(), previous) {
        (CacheUse::Used { .. }, Some(keys), Some(tree)) => {
            write_updated(opts, &site, keys, tree, progress, started)
        }
        _ => Ok(Err("no earlier output to start from".to_string())),
    };
    let updated = match updated {
        Ok(updated) => updated,
        // A body the pages needed was damaged: nothing of the cache is trusted, and the
        // articles are parsed again.
        Err(Error::Io { action, source, .. }) if action == READ_BODY => {
            site = start_over(opts, &mut engine)?;
            Err(source.to_string())
        }
        Err(e) => return Err(e),
    };
    let mut report = match updated {
        Ok((report, rendered, kept)) => {
            let related = site.index.related_scored;
            used = CacheUse::Used {
                rendered,
                kept,
                related,
            };
            report
        }
        Err(why) => {
            if matches!(used, CacheUse::Used { .. }) {
                used = CacheUse::Full(why);
            }
            write_site(opts, &site, &Findings::new(), progress, started)?
        }
    };
    report.cache = used;
    Ok((site, report, engine))
}

/// A new engine in `engine`'s place, which trusts nothing of the cache and parses every
/// article again, and the site it prepares.
fn start_over(opts: &BuildOptions, engine: &mut preview::Preview) -> Result<Prepared, Error> {
    *engine = preview::Preview::new(opts.clone());
    engine.prepare()
}

/// Writes the build cache for the next incremental build, describing the output
/// `tree`; a failure is a warning.
fn save_cache(
    engine: &preview::Preview,
    opts: &BuildOptions,
    tree: Option<&write::Tree>,
    stages: &mut Stages,
) -> Option<Diagnostic> {
    let out = opts.output_dir();
    let saved = timed(stages, "write the build cache", || {
        let tree = tree.ok_or("nothing was written")?;
        let output = output_state(&out, tree).ok_or("the output is gone")?;
        let state = engine.save(output);
        cache::save(&state, engine.store(), &out, &opts.root).map_err(|e| e.to_string())
    });
    // The next build runs in full: slower, never wrong.
    let why = saved.err()?;
    Some(Diagnostic::warning(
        diagnostics::display_path(&opts.root, &out),
        format!("the build cache was not written: {why}"),
    ))
}

/// Article pages the last build published that this one does not, with no redirect
/// left in their place: links to them from elsewhere now break. The story they moved to
/// (same slug, another day) is named when there is one.
pub(crate) fn gone_without_alias<'a>(
    gone: impl Iterator<Item = &'a str>,
    index: &Index,
) -> Vec<Diagnostic> {
    let is_article_page = |p: &str| {
        let mut parts = p.split('/');
        let dated = parts
            .by_ref()
            .take(3)
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .count()
            == 3;
        dated
            && parts.next().is_some()
            && parts.next() == Some("index.html")
            && parts.next().is_none()
    };
    gone.filter(|p| is_article_page(p))
        .map(|p| {
            let old = p.trim_end_matches("index.html");
            let slug = old.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
            let alias = format!("aliases: [/{old}]");
            match index.entries.iter().find(|e| e.article.slug == slug) {
                Some(e) => Diagnostic::warning(
                    &e.article.path,
                    format!("this story was published at /{old}, which the build no longer writes"),
                )
                .at(1, 1)
                .hint(format!("add `{alias}` so that old links reach it")),
                None => Diagnostic::warning(
                    "content",
                    format!("/{old} was published by the last build and is gone"),
                )
                .hint(format!("if its story moved, add `{alias}` to it; if it was withdrawn, use `status: retracted`")),
            }
        })
        .collect()
}

/// When the site changes though no file does (seconds since the epoch): an embargo
/// lifts, or a story leaves the news sitemap's two-day window.
fn changes_by_itself(site: &Prepared, now: i64) -> Option<i64> {
    let embargo = site
        .index
        .unpublished
        .iter()
        .filter(|a| a.status == crate::parse::Status::Published)
        .map(|a| a.date.timestamp().as_second())
        .filter(|&t| t > now);
    let window = render::feeds::news_window(&site.index, site.now);
    let leaves = window.iter().map(|&i| {
        let published = site.index.entries[i].article.date.timestamp();
        published.as_second() + render::feeds::NEWS_WINDOW.as_secs()
    });
    embargo.chain(leaves).min()
}

/// render → write for a site already prepared, into a fresh folder swapped in at
/// the end (builds, and the preview's full rebuilds).
pub fn write_site(
    opts: &BuildOptions,
    site: &Prepared,
    findings: &Findings,
    progress: Option<&indicatif::ProgressBar>,
    started: Instant,
) -> Result<BuildReport, Error> {
    let out = opts.output_dir();
    let mut stages = site.stages.clone();
    let staging = staging_for(opts, site, &mut stages)?;
    let count = AtomicUsize::new(0);
    let rendered = timed(&mut stages, "render + write", || {
        site.render(opts, findings, &counting(&staging, &count, progress), None)
    })?;
    stages.push(("  of which search index", rendered.search_time));
    timed(&mut stages, "static files", || {
        staging.copy_static(&opts.root.join("static"))
    })
    .map_err(|(rel, e)| Error::io("copy", format!("static/{rel}"))(e))?;
    let tree = staging
        .tree()
        .map_err(Error::io("record what was written in", &out))?;
    timed(&mut stages, "swap in, remove the old output", || {
        staging.commit()
    })
    .map_err(Error::io("replace", &out))?;
    Ok(written(
        site,
        out,
        count.into_inner(),
        rendered,
        stages,
        tree,
        started,
    ))
}

/// Writes each rendered file into `staging`, counting them on `count` (and `progress`).
fn counting<'a>(
    staging: &'a write::Staging,
    count: &'a AtomicUsize,
    progress: Option<&'a indicatif::ProgressBar>,
) -> impl Fn(&str, &[u8]) -> std::io::Result<()> + Sync + 'a {
    move |path, bytes| {
        staging.emit(path, bytes)?;
        let n = count.fetch_add(1, Ordering::Relaxed);
        if let Some(bar) = progress {
            bar.set_position(n as u64 + 1);
        }
        Ok(())
    }
}

/// The report of a build that wrote `files` files into `out`, which `tree` now describes.
fn written(
    site: &Prepared,
    out: PathBuf,
    files: usize,
    rendered: render::Rendered,
    stages: Stages,
    tree: write::Tree,
    started: Instant,
) -> BuildReport {
    BuildReport {
        articles: site.index.entries.len(),
        files,
        output: out,
        warnings: site.warnings.clone(),
        elapsed: started.elapsed(),
        unchanged: false,
        keys: rendered.keys,
        stages,
        tree: Some(tree),
        changes: None,
        cache: CacheUse::NotApplicable,
    }
}

/// What the build cache records of the output it describes: the folder's identity and
/// the checksum of its files (updated in place, the folder keeps its identity, and a cache
/// left by a build killed after the update must not be taken for the files now there).
fn output_state(out: &Path, tree: &write::Tree) -> Option<String> {
    Some(format!(
        "{} {:016x}",
        write::identity(out)?,
        tree.checksum()
    ))
}

/// Starts `engine` from the build cache beside `out` if it is there, whole, kabar's,
/// made for this site, these options and this binary, and describes the output in
/// place (`tree`); otherwise says why the build runs in full.
fn restore(
    engine: &mut preview::Preview,
    out: &Path,
    root: &Path,
    tree: Option<&write::Tree>,
) -> CacheUse {
    let full = |why: &str| CacheUse::Full(format!("the build cache {why}"));
    let (file, len) = match write::read_cache(out, root) {
        Ok(Some(found)) => found,
        Ok(None) => return CacheUse::Full("no build cache yet".into()),
        Err(why) => return full(&format!("cannot be used: {why}")),
    };
    let state = match cache::decode(file, len) {
        Ok(state) => state,
        Err(why) => return full(&format!("was not used: {why}")),
    };
    if state.frame != engine.frame() {
        return full(
            "is out of date: site.yaml, templates/, static/, the build options or kabar changed",
        );
    }
    let Some(tree) = tree.filter(|t| output_state(out, t).as_ref() == Some(&state.output)) else {
        return full("describes another output folder than the one in place");
    };
    // Both sorted by path: one walk through the manifest, not a lookup per key.
    let mut files = tree.files.keys();
    if !state
        .keys
        .iter()
        .all(|(p, _)| files.by_ref().any(|f| f == p))
    {
        return full("does not match the output's manifest");
    }
    engine.restore(state);
    CacheUse::Used {
        rendered: 0,
        kept: 0,
        related: 0,
    }
}

/// An empty staging folder beside the claimed output.
fn staging(out: &Path, root: &Path) -> Result<write::Staging, Error> {
    let claim = write::claim(out, root)?;
    write::Staging::new(claim).map_err(Error::io("create a staging folder beside", out))
}

/// A staging folder beside the claimed output, holding every folder the plan needs.
fn staging_for(
    opts: &BuildOptions,
    site: &Prepared,
    stages: &mut Stages,
) -> Result<write::Staging, Error> {
    let out = opts.output_dir();
    let staging = staging(&out, &opts.root)?;
    timed(stages, "folders", || {
        let planned = render::output_paths(&site.index, site.config.paginate);
        staging.create_dirs(planned.iter().map(String::as_str))
    })
    .map_err(Error::io("create folders in", &out))?;
    Ok(staging)
}

/// render → write for a build with a cache: only the files whose key changed are
/// rendered, into a fresh folder beside the output, and then moved into the output in
/// place (`write::Staging::apply`); the other files stay where they are. `Ok(Err(why))`:
/// the output was not touched, and a full write should follow. Returns the files rendered
/// and those left in place.
fn write_updated(
    opts: &BuildOptions,
    site: &Prepared,
    previous: &render::Keys,
    tree: &write::Tree,
    progress: Option<&indicatif::ProgressBar>,
    started: Instant,
) -> Result<Result<(BuildReport, usize, usize), String>, Error> {
    let out = opts.output_dir();
    let mut stages = site.stages.clone();
    let staging = staging(&out, &opts.root)?;
    let count = AtomicUsize::new(0);
    let rendered = timed(&mut stages, "render + write (changed pages)", || {
        let emit = counting(&staging, &count, progress);
        site.render(opts, &Findings::new(), &emit, Some(previous))
    })?;
    stages.push(("  of which search index", rendered.search_time));
    let statics = static_files(&opts.root);
    // A static file replaces a rendered one of the same name: where the page was
    // rendered again, the static file is copied over it again; elsewhere it is already
    // in the output.
    timed(&mut stages, "static files", || {
        for rel in statics.iter().filter(|rel| staging.has(rel)) {
            let from = opts.root.join("static").join(rel);
            std::fs::read(&from)
                .and_then(|bytes| staging.emit(rel, &bytes))
                .map_err(|e| Error::io("copy", format!("static/{rel}"))(e))?;
        }
        Ok::<(), Error>(())
    })?;
    let mut wanted: Vec<&str> = rendered
        .keys
        .keys()
        .chain(&statics)
        .map(String::as_str)
        .collect();
    wanted.par_sort_unstable();
    wanted.dedup();
    let emitted = staging.emitted_paths();
    let kept = wanted.len()
        - emitted
            .iter()
            .filter(|rel| wanted.binary_search(&rel.as_str()).is_ok())
            .count();
    let (missing, gone) = timed(&mut stages, "compare with the output in place", || {
        missing_and_gone(&wanted, &emitted, tree)
    });
    if let Some(rel) = missing {
        return Ok(Err(format!("the output's manifest does not list {rel}")));
    }
    let tree = timed(&mut stages, "update the output in place", || {
        staging.apply(tree, &gone)
    })
    .map_err(Error::io("update", &out))?;
    let files = count.into_inner();
    let report = written(site, out, files, rendered, stages, tree, started);
    Ok(Ok((report, files, kept)))
}

/// Against the output in place (`tree`), for the files a build wants (sorted) of which
/// it wrote only `emitted`: the first one kept that `tree` does not have (there should be
/// none), and the files of `tree` no longer wanted. One walk of both sorted lists: at
/// 100 000 articles a lookup per file costs a tenth of an incremental build.
fn missing_and_gone<'a>(
    wanted: &[&'a str],
    emitted: &BTreeSet<String>,
    tree: &'a write::Tree,
) -> (Option<&'a str>, Vec<&'a str>) {
    let mut missing = None;
    let mut gone = Vec::new();
    let mut have = tree.files.keys().map(String::as_str).peekable();
    for &rel in wanted {
        while let Some(old) = have.next_if(|&old| old < rel) {
            gone.push(old);
        }
        if have.next_if_eq(&rel).is_none() && missing.is_none() && !emitted.contains(rel) {
            missing = Some(rel);
        }
    }
    gone.extend(have);
    (missing, gone)
}

/// Renders every page without writing anything and returns the output paths
/// (`/`-separated, relative to the output root), static files included.
/// `kabar check` uses it to catch template errors that only show at render time.
pub fn dry_render(opts: &BuildOptions, site: &Prepared) -> Result<BTreeSet<String>, Error> {
    let paths = Mutex::new(BTreeSet::new());
    let emit = |path: &str, _: &[u8]| {
        paths
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .insert(path.to_string());
        Ok(())
    };
    site.render(opts, &Findings::new(), &emit, None)?;
    let mut paths = paths
        .into_inner()
        .map_err(|_| Error::Usage("a render thread panicked".into()))?;
    paths.extend(static_files(&opts.root));
    Ok(paths)
}

/// Every output path a build would write, without rendering (for link checks
/// before a preview build): the rendered pages plus the site's static files.
pub fn output_paths(opts: &BuildOptions, site: &Prepared) -> BTreeSet<String> {
    let mut paths: BTreeSet<String> = render::output_paths(&site.index, site.config.paginate)
        .into_iter()
        .collect();
    paths.extend(static_files(&opts.root));
    paths
}

/// Files that `write::Staging::copy_static` would copy, relative to `static/`.
fn static_files(root: &Path) -> Vec<String> {
    let dir = root.join("static");
    if !dir.is_dir() {
        return Vec::new();
    }
    load::walk(&dir)
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(&dir)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// Today's date in the site's time zone (for `kabar new`).
pub fn today(root: &Path) -> Result<jiff::civil::Date, Error> {
    let config = Config::load(root).map_err(|d| Error::Content(vec![d]))?;
    Ok(jiff::Timestamp::now().to_zoned_datetime(config.tz()).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_outputs_match_what_render_emits() {
        let opts = BuildOptions {
            drafts: true,
            ..BuildOptions::new(env!("CARGO_MANIFEST_DIR"))
        };
        let site = prepare(&opts).expect("the bundled site builds");
        let rendered = dry_render(&opts, &site).expect("renders");
        assert!(rendered.contains("404.html") && rendered.contains("images/banjir-rob.svg"));
        assert_eq!(output_paths(&opts, &site), rendered);
    }

    #[test]
    fn a_kept_file_the_manifest_lacks_is_found_and_unwanted_files_go() {
        let tree = write::Tree::new(
            ["a", "c", "d", "f"]
                .map(|p| (p.to_string(), write::Entry::of(p.as_bytes())))
                .into(),
        );
        let emitted: BTreeSet<String> = ["e".to_string(), "g".to_string()].into();
        let (missing, gone) = missing_and_gone(&["a", "b", "c", "e", "g"], &emitted, &tree);
        assert_eq!((missing, gone), (Some("b"), vec!["d", "f"]));
        let (missing, gone) = missing_and_gone(&["a", "c", "e"], &emitted, &tree);
        assert_eq!((missing, gone), (None, vec!["d", "f"]));
    }
}
