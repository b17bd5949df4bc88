//! Write: rendered files → a fresh staging folder beside the output, renamed over it at the end.
//!
//! A failed or killed build leaves the previous output untouched; stale files
//! cannot survive because every build starts from an empty folder.

use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;

const STAGING_MARK: &str = ".kabar-staging-";
const MANIFEST_MARK: &str = ".kabar-manifest";
const OLD_MARK: &str = ".kabar-old-";

#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

/// Refuses output folders whose replacement would destroy something else:
/// the file system root, the home folder, the site itself or its sources.
pub fn check_output(out: &Path, site_root: &Path) -> Result<(), String> {
    let resolve = |p: &Path| -> PathBuf {
        if let Ok(c) = p.canonicalize() {
            return c;
        }
        // Not created yet: resolve the parent and keep the last component.
        match (
            p.parent().filter(|x| !x.as_os_str().is_empty()),
            p.file_name(),
        ) {
            (Some(parent), Some(name)) => parent
                .canonicalize()
                .map_or_else(|_| p.to_path_buf(), |c| c.join(name)),
            (None, Some(name)) => {
                std::env::current_dir().map_or_else(|_| p.to_path_buf(), |c| c.join(name))
            }
            _ => p.to_path_buf(),
        }
    };
    let out = resolve(out);
    let root = resolve(site_root);
    let home = std::env::var_os("HOME").map(|h| resolve(Path::new(&h)));
    let why = if out.parent().is_none() {
        Some("it is the file system root")
    } else if home.as_deref() == Some(out.as_path()) {
        Some("it is your home folder")
    } else if root.starts_with(&out) {
        Some("it contains the site itself")
    } else if ["content", "templates", "static"]
        .iter()
        .any(|d| out.starts_with(root.join(d)))
    {
        Some("it is inside the site's sources")
    } else {
        None
    };
    match why {
        Some(why) => Err(format!(
            "refusing to write output into {}: {why}",
            out.display()
        )),
        None => Ok(()),
    }
}

impl Staging {
    pub fn new(out: &Path) -> io::Result<Staging> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)?;
        let name = output_name(out);
        remove_leftovers(&parent, &name);
        let tmp = parent.join(format!(".{name}{STAGING_MARK}{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir(&tmp)?;
        Ok(Staging {
            out: out.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// Creates the folders of `paths` up front, before any writer needs them (writers
    /// racing to create the same parents cost more in directory locking than the
    /// writes). One depth at a time, each depth in parallel, then the leaves (one
    /// per article page, mostly): on ext4 each new folder costs a search for a free
    /// inode, and that work spreads over the cores.
    pub fn create_dirs<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
        use rayon::prelude::*;
        let dirs: std::collections::BTreeSet<&str> = paths
            .into_iter()
            .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir))
            .collect();
        let parents: std::collections::BTreeSet<&str> = dirs
            .iter()
            .flat_map(|d| d.match_indices('/').map(|(i, _)| &d[..i]))
            .collect();
        let make = |dir: &str| -> io::Result<()> {
            match std::fs::create_dir(self.tmp.join(safe_relative(dir)?)) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
                _ => Ok(()),
            }
        };
        let mut levels: Vec<Vec<&str>> = Vec::new();
        for d in &parents {
            let depth = d.matches('/').count();
            levels.resize_with(levels.len().max(depth + 1), Vec::new);
            levels[depth].push(d);
        }
        levels.push(dirs.difference(&parents).copied().collect());
        levels
            .iter()
            .try_for_each(|level| level.par_iter().try_for_each(|d| make(d)))
    }

    /// Writes one file at `rel` (a `/`-separated path under the output root).
    pub fn emit(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.tmp.join(safe_relative(rel)?);
        match std::fs::write(&path, bytes) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(path, bytes)
            }
            other => other,
        }
    }

    /// Copies the site's `static/` tree; dotfiles, editor leftovers and symlinks are skipped.
    pub fn copy_static(&self, dir: &Path) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        if !dir.is_dir() {
            return diags;
        }
        for entry in crate::load::walk(dir).flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let result = std::fs::read(entry.path()).and_then(|bytes| self.emit(&rel, &bytes));
            if let Err(e) = result {
                diags.push(Diagnostic::error(
                    format!("static/{rel}"),
                    format!("cannot copy: {e}"),
                ));
            }
        }
        diags
    }

    /// Swaps the staging folder in. The old output is moved aside first and
    /// deleted only once the new one is in place.
    pub fn commit(mut self) -> io::Result<()> {
        let old = self.out.with_file_name(format!(
            ".{}{OLD_MARK}{}",
            output_name(&self.out),
            std::process::id()
        ));
        let had_old = self.out.exists();
        if had_old {
            std::fs::rename(&self.out, &old)?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.out) {
            if had_old {
                let _ = std::fs::rename(&old, &self.out);
            }
            return Err(e);
        }
        self.committed = true;
        if had_old {
            remove_tree(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_tree(&self.tmp);
        }
    }
}

/// What the last successful build into an output folder was made from. It lives
/// beside the output, never in it, so the published folder holds no dotfiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manifest {
    pub fingerprint: u64,
    pub articles: usize,
    /// The first embargo that lifts (seconds since the epoch): the site changes then
    /// even though no file does.
    pub rebuild_after: Option<i64>,
}

fn manifest_path(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}{MANIFEST_MARK}", output_name(out)))
}

/// The output folder's name, which the hidden folders and files beside it
/// (staging, old output, manifest) start with.
fn output_name(out: &Path) -> String {
    out.file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned())
}

impl Manifest {
    pub fn read(out: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(manifest_path(out)).ok()?;
        let mut fields = text.split_whitespace();
        let fingerprint = fields.next()?.parse().ok()?;
        let articles = fields.next()?.parse().ok()?;
        let rebuild_after = match fields.next()? {
            "-" => None,
            t => Some(t.parse().ok()?),
        };
        Some(Manifest {
            fingerprint,
            articles,
            rebuild_after,
        })
    }

    pub fn write(&self, out: &Path) -> io::Result<()> {
        let after = self
            .rebuild_after
            .map_or_else(|| "-".to_string(), |t| t.to_string());
        std::fs::write(
            manifest_path(out),
            format!("{} {} {after}\n", self.fingerprint, self.articles),
        )
    }
}

/// Staging folders of builds that were killed, and old outputs not yet deleted.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let ours = [STAGING_MARK, OLD_MARK]
            .iter()
            .any(|m| file_name.starts_with(&format!(".{name}{m}")));
        if ours && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = remove_tree(&entry.path());
        }
    }
}

/// Deletes a folder and everything in it, its top-level entries in parallel: an
/// old output holds tens of thousands of files, and removing them one by one
/// took a quarter of a 5 000-article rebuild.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let entries = std::fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|e| {
        if e.file_type()?.is_dir() {
            std::fs::remove_dir_all(e.path())
        } else {
            std::fs::remove_file(e.path())
        }
    })?;
    std::fs::remove_dir(dir)
}

/// An output folder updated file by file, for the preview server's incremental
/// rebuilds. Each file is written beside its destination and renamed over it, so
/// a request never reads half a page.
pub struct InPlace {
    root: PathBuf,
}

impl InPlace {
    pub fn new(root: &Path) -> InPlace {
        InPlace {
            root: root.to_path_buf(),
        }
    }

    pub fn emit(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.root.join(safe_relative(rel)?);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut tmp = path.clone().into_os_string();
        tmp.push(STAGING_MARK);
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }

    /// Deletes a file no longer produced, and the folders it leaves empty.
    pub fn remove(&self, rel: &str) -> io::Result<()> {
        let path = self.root.join(safe_relative(rel)?);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != self.root) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }
}

/// Every output path is built from validated segments; this is the last guard.
fn safe_relative(rel: &str) -> io::Result<PathBuf> {
    let ok = !rel.is_empty()
        && !rel.contains(['\0', '\\', ':'])
        && rel
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
    if ok {
        Ok(PathBuf::from(rel))
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("unsafe output path `{rel}`"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\b", "a/./b"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert!(safe_relative("2024/06/25/x/index.html").is_ok());
    }

    proptest::proptest! {
        /// Any title, tag or slug either gives a path that stays under the output root, or is refused.
        #[test]
        fn any_title_tag_or_slug_stays_under_the_root(text in "\\PC{0,80}", raw in "[a-z0-9./%-]{0,12}") {
            let slug = crate::parse::slug::slugify(&text);
            if !slug.is_empty() {
                proptest::prop_assert!(crate::parse::slug::validate(&slug).is_ok(), "{slug:?}");
                let page = format!("2024/06/25/{slug}/index.html");
                let feed = format!("tags/{slug}/atom.xml");
                proptest::prop_assert!(safe_relative(&page).is_ok());
                proptest::prop_assert!(safe_relative(&feed).is_ok());
            }
            if crate::parse::slug::validate(&raw).is_ok() {
                let page = format!("2024/06/25/{raw}/index.html");
                let path = safe_relative(&page);
                proptest::prop_assert!(path.is_ok());
                let path = path.unwrap_or_default();
                proptest::prop_assert!(path.components().all(|c| matches!(c, std::path::Component::Normal(_))));
            }
        }
    }

    #[test]
    fn output_may_not_swallow_the_site() {
        let site = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(site.path().join("content")).expect("mkdir");
        assert!(check_output(site.path(), site.path()).is_err());
        assert!(check_output(&site.path().join("content"), site.path()).is_err());
        assert!(check_output(Path::new("/"), site.path()).is_err());
        assert!(check_output(&site.path().join("public"), site.path()).is_ok());
    }
}
