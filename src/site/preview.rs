//! Preview: a site folder → its output, kept current by rebuilding only what an edit
//! changes; the incremental engine of both `kabar serve` and `kabar build`.
//!
//! Parsed articles, the related-stories model and a key per output file stay in
//! memory between builds (`kabar serve`), or in a build cache beside the output
//! between runs (`kabar build`, see `site::cache`). An edit to content/ re-reads only
//! the files the watcher reported (or, without a report, those whose size or
//! modification time changed) and re-parses those whose text changed, re-indexes
//! (cheap without re-parsing), renders only the pages whose inputs changed and writes
//! them in place (serve), or beside the output and then moves them into it (build). A
//! change to site.yaml, templates/, static/, the build options or the kabar binary
//! starts over with a full build.

use rayon::prelude::*;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::Error;
use crate::diagnostics::Diagnostic;
use crate::index::related;
use crate::load::{self, Stamp};
use crate::parse::{self, Article};
use crate::render::Keys;
use crate::site::{self, BuildOptions, Findings, Prepared, Stages, cache, timed};
use crate::write::InPlace;

/// A parse result, cached until its file changes.
type Parsed = Result<Arc<Article>, Vec<Diagnostic>>;

pub struct Preview {
    opts: BuildOptions,
    /// Fingerprint of site.yaml, templates/, static/, the options and the binary at
    /// the last build (see `frame`).
    frame: Option<u64>,
    /// By path, as bytes: `Path` hashes and compares component by component, which
    /// shows at ten thousand lookups per edit.
    sources: FxHashMap<OsString, (Stamp, Parsed)>,
    related: related::Cache,
    /// Keys of the files in the output folder; `None` until a full build wrote it.
    keys: Option<Keys>,
    /// The last site that built.
    site: Option<Prepared>,
    /// Problems of the last scan that belong to no cached article (unreadable
    /// files, skipped symlinks).
    loose: Vec<Diagnostic>,
    /// The lint findings the pages' banners show.
    findings: Findings,
    /// The build cache the engine was restored from, which holds the cached bodies.
    store: Option<Arc<cache::Store>>,
    /// How long the last `refresh` took to read and to parse.
    stages: Stages,
}

/// What one update did.
#[derive(Debug, Default)]
pub struct Update {
    pub articles: usize,
    /// Files written (or rewritten) and files deleted.
    pub written: usize,
    pub removed: usize,
    /// Whether everything was rebuilt from scratch.
    pub full: bool,
}

impl Preview {
    pub fn new(opts: BuildOptions) -> Preview {
        Preview {
            opts: BuildOptions {
                mode: site::Mode {
                    track: true,
                    ..opts.mode
                },
                ..opts
            },
            frame: None,
            sources: FxHashMap::default(),
            related: related::Cache::default(),
            keys: None,
            site: None,
            loose: Vec::new(),
            findings: Findings::new(),
            stages: Stages::new(),
            store: None,
        }
    }

    /// A fingerprint of everything besides the articles that decides how a source
    /// parses and what a page looks like: site.yaml, templates/ and static/ (path, size,
    /// modification time), the options, the site's place, and the kabar binary itself
    /// (its version, its built-in theme, its size and modification time: a rebuilt
    /// binary may render differently under the same version number).
    pub fn frame(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let opts = &self.opts;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (env!("CARGO_PKG_VERSION"), crate::render::BUILTIN_TEMPLATES).hash(&mut h);
        crate::render::BUILTIN_ASSETS.hash(&mut h);
        binary().hash(&mut h);
        (opts.drafts, opts.future, &opts.base_url).hash(&mut h);
        (opts.mode.preview, opts.mode.lean).hash(&mut h);
        opts.root.canonicalize().ok().hash(&mut h);
        let salt = h.finish().to_string();
        load::fingerprint_of(&opts.root, &salt, &["templates", "static"])
    }

    /// Starts from a build cache: its articles, model and keys stand until the files
    /// say otherwise. The caller has checked its frame and output.
    pub(crate) fn restore(&mut self, state: cache::State) {
        self.frame = Some(state.frame);
        // Three maps of 100 000 entries and more at a large site: built side by side.
        let (sources, saved, keys) = (state.sources, state.related, state.keys);
        let ((sources, related), keys) = rayon::join(
            || {
                rayon::join(
                    || {
                        sources
                            .into_iter()
                            .map(|(path, stamp, a)| (path.into_os_string(), (stamp, Ok(a))))
                            .collect()
                    },
                    || related::Cache::restore(saved),
                )
            },
            || keys.into_iter().collect(),
        );
        self.sources = sources;
        self.related = related;
        self.keys = Some(keys);
        self.store = Some(state.store);
    }

    /// The build cache the engine was restored from, if it was.
    pub(crate) fn store(&self) -> Option<&Arc<cache::Store>> {
        self.store.as_ref()
    }

    /// What a build cache keeps: the articles that parsed, the model, the keys of the
    /// output written last (which must then be at `output`, of that identity).
    pub(crate) fn save(&self, output: String) -> cache::StateRef<'_> {
        let mut sources: Vec<_> = self
            .sources
            .iter()
            .filter_map(|(path, (stamp, parsed))| {
                let a = parsed.as_ref().ok()?;
                Some(cache::Source {
                    path: std::path::Path::new(path),
                    stamp: *stamp,
                    article: a,
                    tf: self.related.tf(a),
                })
            })
            .collect();
        // By bytes, the walk's order: comparing paths by components is slower.
        sources.par_sort_unstable_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
        let mut keys: Vec<(&str, u64)> = self
            .keys
            .iter()
            .flatten()
            .map(|(p, k)| (p.as_str(), *k))
            .collect();
        keys.par_sort_unstable();
        cache::StateRef {
            frame: self.frame.unwrap_or_default(),
            output,
            sources,
            keys,
            lists: self.related.lists(),
        }
    }

    /// The keys of the files in the output folder, if an earlier build left them.
    pub(crate) fn keys(&self) -> Option<&Keys> {
        self.keys.as_ref()
    }

    pub(crate) fn set_keys(&mut self, keys: Option<Keys>) {
        self.keys = keys;
    }

    /// The last site that built, for lints and the review dashboard.
    pub fn site(&self) -> Option<&Prepared> {
        self.site.as_ref()
    }

    pub fn options(&self) -> &BuildOptions {
        &self.opts
    }

    /// Brings the output folder up to date with the site folder. `changes` are the
    /// paths a file watcher saw change; without them, every file is looked at.
    pub fn update(&mut self, changes: Option<&BTreeSet<PathBuf>>) -> Result<Update, Error> {
        let config = self.refresh(changes, None)?;
        self.assemble(config)
    }

    /// Everything up to rendering, for `kabar build`: the cached articles brought up to
    /// date with the site folder, then indexed with every related list computed as a
    /// full build computes it (reusing the term frequencies of unchanged articles), so
    /// that the output is the full build's, byte for byte.
    pub(crate) fn prepare(&mut self) -> Result<Prepared, Error> {
        self.prepare_scanned(None)
    }

    /// `prepare`, from the `scan` of the content folder a build just took, if any.
    pub(crate) fn prepare_scanned(&mut self, scan: Option<load::Scan>) -> Result<Prepared, Error> {
        let config = self.refresh(None, scan)?;
        let mut site = self.index(config, related::Pass::Exact { give_way: None })?;
        site.stages.splice(0..0, self.stages.iter().copied());
        Ok(site)
    }

    /// Brings the cached parse results up to date with the site folder and returns
    /// the configuration they were parsed with.
    fn refresh(
        &mut self,
        changes: Option<&BTreeSet<PathBuf>>,
        scan: Option<load::Scan>,
    ) -> Result<crate::config::Config, Error> {
        self.stages.clear();
        let frame = self.frame();
        if self.frame != Some(frame) {
            // Configuration can change how every article parses; templates and
            // static files, what every page looks like: start over.
            self.sources.clear();
            self.related = related::Cache::default();
            self.keys = None;
            self.frame = Some(frame);
        }
        let config = site::config(&self.opts)?;
        let content = self.opts.root.join("content");
        // Edits to articles alone are read from the watcher's list; anything else
        // (a folder, a lost event) from a walk of content/.
        let edited: Option<Vec<PathBuf>> = changes.filter(|_| self.keys.is_some()).and_then(|c| {
            c.iter()
                .all(|p| p.starts_with(&content) && p.extension().is_some_and(|e| e == "md"))
                .then(|| c.iter().cloned().collect())
        });
        let (mut loaded, seen) = timed(&mut self.stages, "read", || match &edited {
            Some(paths) => load::load_files(&self.opts.root, "content", paths),
            None => {
                let cached = &self.sources;
                load::load_changed(&self.opts.root, "content", scan, |path, stamp| {
                    cached
                        .get(path.as_os_str())
                        .is_some_and(|(s, _)| *s == stamp)
                })
            }
        });
        let read: FxHashSet<PathBuf> = loaded.sources.iter().map(|s| s.path.clone()).collect();
        // A file read again whose text is what the cached article was parsed from (a
        // `touch`, a checkout of the same content) keeps that article.
        let mut fresh: FxHashMap<PathBuf, Parsed> = FxHashMap::default();
        loaded.sources.retain(|src| {
            let same = self.sources.get(src.path.as_os_str()).and_then(|(_, p)| {
                p.as_ref()
                    .ok()
                    .filter(|a| a.hash == parse::source_hash(src))
                    .cloned()
            });
            let keep = same.is_none();
            if let Some(a) = same {
                fresh.insert(src.path.clone(), Ok(a));
            }
            keep
        });
        let mode = &self.opts.mode;
        let lean = mode.lean.then_some(if mode.track {
            parse::Lean::Whole
        } else {
            parse::Lean::Digest(crate::index::search::digest_and_features)
        });
        let parsed = timed(&mut self.stages, "parse", || {
            parse::parse(loaded, &config, lean)
        });
        fresh.extend(
            parsed
                .articles
                .into_iter()
                .map(|a| (a.path.clone(), Ok(Arc::new(a)))),
        );
        // Parse errors are cached with their file like articles; the rest (files
        // that could not be read, skipped symlinks) are found again on every scan.
        let mut other = Vec::new();
        for d in parsed.diagnostics {
            match fresh.get_mut(&d.file) {
                Some(Err(ds)) => ds.push(d),
                None if read.contains(&d.file) => {
                    fresh.insert(d.file.clone(), Err(vec![d]));
                }
                Some(Ok(_)) | None => other.push(d),
            }
        }
        let mut entry = |path: PathBuf, stamp: Stamp, old: Option<(Stamp, Parsed)>| {
            let parsed = fresh.remove(&path).or(old.map(|(_, p)| p))?;
            Some((path.into_os_string(), (stamp, parsed)))
        };
        match &edited {
            Some(paths) => {
                let shown: Vec<PathBuf> = paths
                    .iter()
                    .map(|p| crate::diagnostics::display_path(&self.opts.root, p))
                    .collect();
                for p in &shown {
                    self.sources.remove(p.as_os_str());
                }
                for (path, stamp) in seen {
                    self.sources.extend(entry(path, stamp, None));
                }
                // Other files' problems (an unreadable file elsewhere) still stand.
                self.loose.retain(|d| !shown.contains(&d.file));
                self.loose.extend(other);
            }
            None => {
                let mut old = std::mem::take(&mut self.sources);
                // Files found but not read (an error reported above) drop out.
                self.sources = seen
                    .into_iter()
                    .filter_map(|(path, stamp)| {
                        let before = old.remove(path.as_os_str());
                        entry(path, stamp, before)
                    })
                    .collect();
                self.loose = other;
            }
        }
        Ok(config)
    }

    /// The second pass after an update, once the page is on screen: new lint
    /// findings for the banners, and every related list recomputed over the whole
    /// site. An update rescores only the lists an edit can change, with term
    /// weights as they were; after this pass the preview holds exactly the files a
    /// full build gives. Returns how many files were rewritten.
    pub fn settle(&mut self, findings: Findings) -> Result<usize, Error> {
        self.settle_unless(findings, None)
            .map(|written| written.unwrap_or(0))
    }

    /// `settle`, abandoned (`None`, nothing changed) if `give_way` says so before the
    /// related lists are all recomputed: the editor's next save comes first.
    pub fn settle_unless(
        &mut self,
        findings: Findings,
        give_way: Option<crate::GiveWay>,
    ) -> Result<Option<usize>, Error> {
        if findings == self.findings && self.related.is_exact() {
            return Ok(Some(0));
        }
        let Some(config) = self.site.as_ref().map(|s| s.config.clone()) else {
            return Ok(Some(0));
        };
        let pass = if self.related.is_exact() {
            related::Pass::Update
        } else {
            related::Pass::Exact {
                give_way: give_way.as_ref(),
            }
        };
        let before = std::mem::replace(&mut self.findings, findings);
        let site = self.index(config, pass)?;
        if !self.related.is_exact() {
            self.findings = before;
            return Ok(None);
        }
        let update = self.write(&site)?;
        self.site = Some(site);
        Ok(Some(update.written))
    }

    /// index → render → write over the cached articles.
    fn assemble(&mut self, config: crate::config::Config) -> Result<Update, Error> {
        let site = self.index(config, related::Pass::Update)?;
        let update = self.write(&site)?;
        self.site = Some(site);
        Ok(update)
    }

    fn index(
        &mut self,
        config: crate::config::Config,
        pass: related::Pass<'_>,
    ) -> Result<Prepared, Error> {
        let mut articles = Vec::with_capacity(self.sources.len());
        let mut diags = self.loose.clone();
        for (_, parsed) in self.sources.values() {
            match parsed {
                Ok(a) => articles.push(a.clone()),
                Err(d) => diags.extend(d.iter().cloned()),
            }
        }
        // In file order, as a walk gives them: the map's order depends on its history.
        // On every core: 100 000 paths compared through their articles show.
        articles.par_sort_unstable_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
        let related = Some((&mut self.related, pass));
        let site = site::assemble(&self.opts, config, articles, diags, related)?;
        match self.related.take_damage() {
            // Lists computed without some articles' words: the caller starts over.
            Some(e) => Err(Error::io(site::READ_BODY, self.opts.output_dir())(e)),
            None => Ok(site),
        }
    }

    fn write(&mut self, site: &Prepared) -> Result<Update, Error> {
        let articles = site.index.entries.len();
        let Some(previous) = self.keys.take() else {
            let report = site::write_site(
                &self.opts,
                site,
                &self.findings,
                None,
                std::time::Instant::now(),
            )?;
            self.keys = Some(report.keys);
            return Ok(Update {
                articles,
                written: report.files,
                removed: 0,
                full: true,
            });
        };
        let out = InPlace::new(&self.opts.output_dir());
        let emit = |path: &str, bytes: &[u8]| out.emit(path, bytes);
        let rendered = site.render(&self.opts, &self.findings, &emit, Some(&previous))?;
        // Static files have no keys: they stay until static/ changes.
        let mut gone: Vec<&String> = previous
            .keys()
            .filter(|p| !rendered.keys.contains_key(*p))
            .collect();
        gone.sort();
        for path in &gone {
            out.remove(path)
                .map_err(Error::io("remove", self.opts.output_dir().join(path)))?;
        }
        let removed = gone.len();
        self.keys = Some(rendered.keys);
        Ok(Update {
            articles,
            written: rendered.emitted,
            removed,
            full: false,
        })
    }
}

/// The running kabar binary's size and modification time: a rebuilt binary may render
/// differently under the same version number.
pub(crate) fn binary() -> Option<(u64, Option<std::time::SystemTime>)> {
    let exe = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    Some((exe.len(), exe.modified().ok()))
}
