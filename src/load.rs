//! Load: a site folder → the sorted list of article sources (path + UTF-8 text) and warnings.
//!
//! The walk never follows a symlink out of the content folder, skips dotfiles and
//! editor leftovers, and refuses oversized or non-text files before anything parses them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::diagnostics::Diagnostic;

/// Larger files are refused before parsing: parsers downstream are super-linear
/// on adversarial input, and no digest article is anywhere near this size.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Source {
    /// Path as shown in messages, relative to the site root (`content/2024/x.md`).
    pub path: PathBuf,
    pub text: Arc<str>,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: Vec<Source>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Names that editors, version control and operating systems leave behind.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.starts_with('_') && name.ends_with(".tmp")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".bak")
}

/// Every entry under `dir` in sorted order, without following symlinks and
/// without ignored names (or anything inside an ignored folder).
pub fn walk(dir: &Path) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()))
}

pub fn load(root: &Path, content_dir: &str) -> Loaded {
    load_changed(root, content_dir, |_, _| false).0
}

/// Size and modification time: what tells an edited file from an unchanged one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
}

/// Like `load`, but reads only the files that `unchanged` does not claim; also
/// returns every article file found, with its stamp (the preview server re-reads
/// only what was edited).
pub fn load_changed(
    root: &Path,
    content_dir: &str,
    unchanged: impl Fn(&Path, Stamp) -> bool,
) -> (Loaded, Vec<(PathBuf, Stamp)>) {
    let mut out = Loaded::default();
    let mut seen = Vec::new();
    let content = root.join(content_dir);
    let Some(canonical_content) = open_content(root, content_dir, &mut out) else {
        return (out, seen);
    };
    for entry in walk(&content) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map_or_else(|| content.clone(), Path::to_path_buf);
                out.diagnostics.push(Diagnostic::error(
                    rel(root, &path),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        if !entry.file_type().is_dir() {
            let file = (entry.path(), entry.path_is_symlink());
            load_file(
                root,
                &canonical_content,
                file,
                &unchanged,
                &mut out,
                &mut seen,
            );
        }
    }
    (out, seen)
}

/// Reads the article files among `paths` (inside the content folder, as a file
/// watcher reports them) the way a walk would find them. Paths that are gone,
/// ignored or not articles are left out of the returned stamps.
pub fn load_files(
    root: &Path,
    content_dir: &str,
    paths: &[PathBuf],
) -> (Loaded, Vec<(PathBuf, Stamp)>) {
    let mut out = Loaded::default();
    let mut seen = Vec::new();
    let content = root.join(content_dir);
    let Some(canonical_content) = open_content(root, content_dir, &mut out) else {
        return (out, seen);
    };
    for path in paths {
        let Ok(inside) = path.strip_prefix(&content) else {
            continue;
        };
        let ignored = inside
            .components()
            .any(|c| is_ignored_name(&c.as_os_str().to_string_lossy()));
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            continue;
        };
        if !ignored && !meta.is_dir() {
            let file = (path.as_path(), meta.file_type().is_symlink());
            load_file(
                root,
                &canonical_content,
                file,
                &|_, _| false,
                &mut out,
                &mut seen,
            );
        }
    }
    (out, seen)
}

fn open_content(root: &Path, content_dir: &str, out: &mut Loaded) -> Option<PathBuf> {
    let content = root.join(content_dir);
    if !content.is_dir() {
        return None;
    }
    match content.canonicalize() {
        Ok(p) => Some(p),
        Err(e) => {
            out.diagnostics
                .push(Diagnostic::error(content_dir, format!("cannot open: {e}")));
            None
        }
    }
}

/// One file found under content/: `(path, is a symlink)`.
fn load_file(
    root: &Path,
    canonical_content: &Path,
    (path, is_symlink): (&Path, bool),
    unchanged: &dyn Fn(&Path, Stamp) -> bool,
    out: &mut Loaded,
    seen: &mut Vec<(PathBuf, Stamp)>,
) {
    if path.extension().is_none_or(|e| e != "md") {
        return;
    }
    let shown = rel(root, path);
    if is_symlink {
        // A link may point anywhere; only targets inside content/ are read.
        match path.canonicalize() {
            Ok(target) if target.starts_with(canonical_content) && target.is_file() => {}
            Ok(_) => {
                out.diagnostics.push(
                    Diagnostic::warning(
                        &shown,
                        "skipped: symlink points outside the content folder",
                    )
                    .hint("copy the file into content/ instead of linking to it"),
                );
                return;
            }
            Err(_) => {
                out.diagnostics.push(Diagnostic::warning(
                    &shown,
                    "skipped: broken or looping symlink",
                ));
                return;
            }
        }
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let stamp = Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        seen.push((shown.clone(), stamp));
        if unchanged(&shown, stamp) {
            return;
        }
    }
    match read_text(path, &shown) {
        Ok(text) => out.sources.push(Source {
            path: shown,
            text: text.into(),
        }),
        Err(diag) => out.diagnostics.push(diag),
    }
}

fn rel(root: &Path, path: &Path) -> PathBuf {
    crate::diagnostics::display_path(root, path)
}

fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let fail = |msg: String| Diagnostic::error(shown, msg);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!(
            "file is {} bytes, over the {} byte limit for one article",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.is_empty() {
        return Err(fail(
            "empty file: an article needs front matter with at least `title` and `date`".into(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let (line, col) = crate::diagnostics::line_col(&prefix, valid);
        fail("not valid UTF-8".into()).at(line, col)
    })?;
    if let Some(i) = text.find('\0') {
        let (line, col) = crate::diagnostics::line_col(&text, i);
        return Err(fail("NUL byte: not a text file".into()).at(line, col));
    }
    Ok(text)
}

/// A fingerprint of every input a build reads: `site.yaml` and the files under
/// `content/`, `templates/` and `static/` (path, size, modification time), plus
/// `salt` (the build options and kabar's version). Equal fingerprints mean an
/// unchanged site, found without reading a single article.
pub fn fingerprint(root: &Path, salt: &str) -> u64 {
    fingerprint_of(root, salt, &["content", "templates", "static"])
}

/// The same over `site.yaml` and the given folders only.
pub fn fingerprint_of(root: &Path, salt: &str, dirs: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    salt.hash(&mut h);
    let mut stamp = |path: &Path| {
        let meta = std::fs::symlink_metadata(path).ok();
        path.strip_prefix(root).unwrap_or(path).hash(&mut h);
        meta.as_ref().map(std::fs::Metadata::len).hash(&mut h);
        meta.and_then(|m| m.modified().ok()).hash(&mut h);
    };
    stamp(&root.join("site.yaml"));
    for dir in dirs {
        for entry in walk(&root.join(dir)).flatten() {
            stamp(entry.path());
        }
    }
    h.finish()
}
