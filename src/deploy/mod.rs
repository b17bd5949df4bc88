//! Deploy: a built output folder and its published-tree manifest → the files that changed
//! since the last deploy, sent to an S3-compatible bucket or a local folder.
//!
//! The target keeps its own copy of the manifest of what it holds; the difference between
//! that and the build's manifest is the plan: uploads (assets before the pages that refer
//! to them), then deletions, then the manifest. Only files a kabar deploy put there are
//! ever deleted, and never more than `max_deletes` without asking.

mod folder;
mod s3;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::write::{self, Entry, Tree};

#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The site folder (a folder target must not be it or one of its ancestors).
    pub root: PathBuf,
    /// The built output folder to deploy.
    pub output: PathBuf,
    /// `s3://bucket/prefix` or a folder.
    pub target: String,
    pub dry_run: bool,
    pub max_deletes: usize,
    /// An S3 endpoint (MinIO, R2, a test server) instead of AWS's.
    pub endpoint: Option<String>,
    /// Compare with a listing of the bucket instead of trusting its manifest.
    pub verify: bool,
}

/// What a deploy does, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Assets first, then pages; each group by path.
    pub uploads: Vec<String>,
    pub deletes: Vec<String>,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Default)]
pub struct DeployReport {
    pub target: String,
    pub plan: Plan,
    pub dry_run: bool,
    /// Bytes of file content sent (uploads; for a folder, copied).
    pub bytes: u64,
    /// Requests kabar issued (before the client's own retries); 0 for a folder.
    pub requests: usize,
    /// Files already in place from an interrupted deploy, not sent again.
    pub resumed: usize,
    pub elapsed: Duration,
}

/// Why a deploy did not happen or did not finish. Before the first change to the target
/// every error leaves it as it was; after, running the same deploy again finishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No usable build to deploy.
    Build(String),
    /// The target is malformed, missing or refuses us.
    Target(String),
    /// The target holds files but no kabar deploy manifest.
    NotKabar(String),
    /// The target's manifest does not describe what it holds.
    Mismatch(String),
    Credentials(String),
    TooManyDeletes {
        target: String,
        count: usize,
        max: usize,
    },
    /// A request or a file operation failed (after retries).
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Build(m)
            | Error::Target(m)
            | Error::NotKabar(m)
            | Error::Mismatch(m)
            | Error::Credentials(m)
            | Error::Failed(m) => f.write_str(m),
            Error::TooManyDeletes { target, count, max } => write!(
                f,
                "refusing to delete {count} files from {target} (more than --max-deletes {max}); nothing was changed\n  help: if the build is complete and these files really went away, run again with --max-deletes {count}"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Runs one deploy of `opts.output` to `opts.target`.
pub fn deploy(opts: &DeployOptions) -> Result<DeployReport, Error> {
    let started = Instant::now();
    let tree = built_tree(&opts.output)?;
    let mut report = match opts.target.strip_prefix("s3://") {
        Some(rest) => s3::deploy(opts, &tree, rest)?,
        None if opts.target.contains("://") => {
            return Err(Error::Target(format!(
                "unsupported target {}: use s3://bucket/prefix or a folder",
                opts.target
            )));
        }
        None => folder::deploy(opts, &tree)?,
    };
    report.dry_run = opts.dry_run;
    if opts.dry_run {
        report.bytes = report
            .plan
            .uploads
            .iter()
            .filter_map(|rel| tree.files.get(rel))
            .map(|e| e.size)
            .sum();
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The manifest of the build in `out`, if it describes the folder now there.
fn built_tree(out: &Path) -> Result<Tree, Error> {
    let rebuild = format!(
        "run `kabar build` (with -o {} if it is not the default) first",
        out.display()
    );
    if !out.is_dir() {
        return Err(Error::Build(format!(
            "nothing to deploy: {} is not a built output folder; {rebuild}",
            out.display()
        )));
    }
    match Tree::read(out) {
        Some(tree) if tree.describes(out) => Ok(tree),
        Some(_) => Err(Error::Build(format!(
            "the manifest beside {} was written for another folder (the output was replaced after the build); {rebuild}",
            out.display()
        ))),
        None => Err(Error::Build(format!(
            "no manifest beside {} (it is written by `kabar build`); {rebuild}",
            out.display()
        ))),
    }
}

/// Pages refer to assets, so assets go first: a reader never gets a page whose
/// stylesheet or image is not there yet.
pub(crate) fn is_page(rel: &str) -> bool {
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "html" | "htm" | "xml" | "json" | "txt" | "webmanifest")
}

/// A name that carries its content hash (`style.3f2a9c1b.css`, `app-3f2a9c1b.js`)
/// never changes content, so it may be cached for a year.
pub(crate) fn is_hashed(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.rsplit(['.', '-', '_'])
        .next()
        .filter(|h| *h != stem)
        .is_some_and(|h| h.len() >= 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Cache-Control per kind: pages and feeds change all day, so caches revalidate them
/// within a minute; hashed assets never change; other assets change rarely, and a
/// stale stylesheet for a few minutes is the price.
pub(crate) fn cache_control(rel: &str) -> &'static str {
    if is_page(rel) {
        "public, max-age=60, must-revalidate"
    } else if is_hashed(rel) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=600"
    }
}

/// The plan from what the target holds (`have`) to `tree`. Only `owned` paths (put there
/// by a kabar deploy) may be deleted.
pub(crate) fn plan(tree: &Tree, have: &BTreeMap<String, Entry>, owned: &BTreeSet<String>) -> Plan {
    let (mut pages, mut assets) = (Vec::new(), Vec::new());
    let mut unchanged = 0;
    for (rel, entry) in &tree.files {
        if have.get(rel) == Some(entry) {
            unchanged += 1;
        } else if is_page(rel) {
            pages.push(rel.clone());
        } else {
            assets.push(rel.clone());
        }
    }
    assets.extend(pages);
    let deletes = owned
        .iter()
        .filter(|rel| !tree.files.contains_key(*rel) && have.contains_key(*rel))
        .cloned()
        .collect();
    Plan {
        uploads: assets,
        deletes,
        unchanged,
    }
}

fn guard(plan: &Plan, opts: &DeployOptions) -> Result<(), Error> {
    if plan.deletes.len() > opts.max_deletes {
        return Err(Error::TooManyDeletes {
            target: opts.target.clone(),
            count: plan.deletes.len(),
            max: opts.max_deletes,
        });
    }
    Ok(())
}

/// Reads a file of the build and checks it is still what the manifest says: a file
/// edited after the build would otherwise be published under the wrong hash.
fn read_built(out: &Path, rel: &str, want: &Entry) -> Result<Vec<u8>, Error> {
    let path = out.join(rel);
    let bytes = std::fs::read(&path)
        .map_err(|e| Error::Failed(format!("cannot read {}: {e}", path.display())))?;
    if Entry::of(&bytes) != *want {
        return Err(Error::Build(format!(
            "{} changed since the build; run `kabar build` again",
            path.display()
        )));
    }
    Ok(bytes)
}

/// The content type the manifest records, for the target's headers.
fn content_type(rel: &str) -> &'static str {
    write::content_type(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        Tree::new(
            files
                .iter()
                .map(|(p, b)| (p.to_string(), Entry::of(b.as_bytes())))
                .collect(),
        )
    }

    #[test]
    fn assets_go_before_pages_and_only_owned_files_are_deleted() {
        let old = tree(&[
            ("index.html", "1"),
            ("style.css", "a"),
            ("gone.html", "x"),
            ("theirs.txt", "t"),
        ]);
        let new = tree(&[
            ("index.html", "2"),
            ("style.css", "b"),
            ("a/index.html", "n"),
            ("img.svg", "i"),
        ]);
        let owned: BTreeSet<String> = ["index.html", "style.css", "gone.html"]
            .map(String::from)
            .into();
        let plan = plan(&new, &old.files, &owned);
        assert_eq!(
            plan.uploads,
            ["img.svg", "style.css", "a/index.html", "index.html"]
        );
        assert_eq!(plan.deletes, ["gone.html"]);
        assert_eq!(plan.unchanged, 0);
        let same = super::plan(&new, &new.files, &owned);
        assert!(same.uploads.is_empty() && same.deletes.is_empty());
        assert_eq!(same.unchanged, 4);
    }

    #[test]
    fn cache_control_follows_the_kind_of_file() {
        assert_eq!(
            cache_control("2024/06/25/x/index.html"),
            "public, max-age=60, must-revalidate"
        );
        assert_eq!(
            cache_control("atom.xml"),
            "public, max-age=60, must-revalidate"
        );
        assert_eq!(
            cache_control("style.3f2a9c1b.css"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("app-0123456789abcdef.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("style.css"), "public, max-age=600");
        assert_eq!(
            cache_control("images/banjir-rob.svg"),
            "public, max-age=600"
        );
        assert_eq!(cache_control("images/deadbeef.png"), "public, max-age=600");
    }
}
