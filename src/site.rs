//! Site: a site folder + options → a published output folder, running load → parse → index → render → write.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::diagnostics::{self, Diagnostic};
use crate::index::{self, Index, IndexOptions};
use crate::parse::Article;
use crate::{load, parse, render, write};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    pub drafts: bool,
    pub future: bool,
    pub base_url: Option<String>,
    /// The moment that decides what is future-dated; `None` means now.
    pub now: Option<jiff::Timestamp>,
    /// Preview builds banner unpublished pages.
    pub preview: bool,
    pub progress: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: None,
            drafts: false,
            future: false,
            base_url: None,
            now: None,
            preview: false,
            progress: false,
        }
    }

    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }
}

#[derive(Debug)]
pub enum Error {
    /// Bad content, configuration or templates: fix the site (exit 1).
    Content(Vec<Diagnostic>),
    /// The machine failed us: disk, permissions, bad paths (exit 2).
    Io(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Content(d) => write!(
                f,
                "{} error(s) in the site",
                d.iter().filter(|d| d.is_error()).count()
            ),
            Error::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

#[derive(Debug)]
pub struct BuildReport {
    pub articles: usize,
    pub files: usize,
    pub output: PathBuf,
    pub warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
}

/// Everything up to rendering: the validated, indexed site.
pub struct Loaded {
    pub config: Config,
    pub index: Index,
    pub tera: tera::Tera,
    /// Every parsed article, publishable or not (review and check look at all of them).
    pub all: Vec<Article>,
    pub warnings: Vec<Diagnostic>,
}

/// load → parse → index, plus templates. Collects every problem before failing.
pub fn prepare(opts: &BuildOptions) -> Result<Loaded, Error> {
    let mut config = Config::load(&opts.root).map_err(|d| Error::Content(vec![d]))?;
    if let Some(url) = &opts.base_url {
        config.base_url = if url.ends_with('/') {
            url.clone()
        } else {
            format!("{url}/")
        };
    }
    if !opts.root.join("content").is_dir() {
        return Err(Error::Io(format!(
            "no content/ folder in {}: run kabar in a site folder, or create one with `kabar init`",
            opts.root.display()
        )));
    }
    let loaded = load::load(&opts.root, "content");
    let parsed = parse::parse(loaded, &config);
    let mut diags = parsed.diagnostics;
    let all = parsed.articles.clone();
    let index_opts = IndexOptions {
        drafts: opts.drafts,
        future: opts.future || opts.drafts,
        now: Some(opts.now.unwrap_or_else(jiff::Timestamp::now)),
    };
    let index = index::build(parsed.articles, &config, &index_opts);
    diags.extend(index.diagnostics.iter().cloned());
    let tera = match render::templates(&opts.root) {
        Ok(t) => Some(t),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    diagnostics::sort(&mut diags);
    match tera {
        Some(tera) if !diags.iter().any(Diagnostic::is_error) => Ok(Loaded {
            config,
            index,
            tera,
            all,
            warnings: diags,
        }),
        _ => Err(Error::Content(diags)),
    }
}

pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let started = Instant::now();
    let out = opts.output_dir();
    write::check_output(&out, &opts.root).map_err(Error::Io)?;
    let progress = opts.progress.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} files [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("reading");
        bar
    });
    let site = prepare(opts)?;
    if let Some(bar) = &progress {
        bar.set_message("rendering");
    }
    let staging = write::Staging::new(&out).map_err(|e| {
        Error::Io(format!(
            "cannot create output next to {}: {e}",
            out.display()
        ))
    })?;
    let count = AtomicUsize::new(0);
    let emit = |path: &str, bytes: &[u8]| {
        staging.emit(path, bytes)?;
        let n = count.fetch_add(1, Ordering::Relaxed);
        if let Some(bar) = &progress {
            bar.set_position(n as u64 + 1);
        }
        Ok(())
    };
    let render_opts = render::RenderOptions {
        preview: opts.preview,
        ..Default::default()
    };
    render::render(&site.index, &site.config, &site.tera, &render_opts, &emit).map_err(|d| {
        if d.iter().all(|d| d.message.contains("cannot write")) {
            Error::Io(
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        } else {
            Error::Content(d)
        }
    })?;
    let copy_errors = staging.copy_static(&opts.root.join("static"));
    if !copy_errors.is_empty() {
        return Err(Error::Io(
            copy_errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    staging
        .commit()
        .map_err(|e| Error::Io(format!("cannot replace {}: {e}", out.display())))?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(BuildReport {
        articles: site.index.entries.len(),
        files: count.into_inner(),
        output: out,
        warnings: site.warnings,
        elapsed: started.elapsed(),
    })
}

/// Today's date in the site's time zone (for `kabar new`).
pub fn today(root: &Path) -> Result<jiff::civil::Date, Error> {
    let config = Config::load(root).map_err(|d| Error::Content(vec![d]))?;
    Ok(jiff::Timestamp::now().to_zoned_datetime(config.tz()).date())
}
