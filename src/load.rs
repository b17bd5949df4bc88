//! Load: a site folder → the sorted list of article sources (path + UTF-8 text) and warnings.
//!
//! The walk never follows a symlink out of the content folder, skips dotfiles and
//! editor leftovers, and refuses oversized or non-text files before anything parses them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
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
        // Siblings share their parent's path, so comparing whole paths compares names,
        // without `file_name` parsing each path again for every comparison (a tenth of
        // a small build at 100 000 articles in one folder).
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()))
}

pub fn load(root: &Path, content_dir: &str) -> Loaded {
    let (listed, mut out) = list(root, content_dir, Only::All(None));
    read_listed(listed, &mut out);
    out
}

/// Size and modification time: what tells an edited file from an unchanged one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }

    /// The stamp `of` gives for the same file (`std` reads the same two fields).
    #[cfg(target_os = "linux")]
    #[allow(
        clippy::unnecessary_cast,
        reason = "the fields' types differ between targets"
    )]
    fn of_stat(st: &rustix::fs::Stat) -> Stamp {
        use std::time::{Duration, UNIX_EPOCH};
        let nanos = Duration::from_nanos(st.st_mtime_nsec as u64);
        let modified = match u64::try_from(st.st_mtime) {
            Ok(secs) => UNIX_EPOCH.checked_add(Duration::from_secs(secs)),
            Err(_) => UNIX_EPOCH.checked_sub(Duration::from_secs(st.st_mtime.unsigned_abs())),
        };
        Stamp {
            len: st.st_size as u64,
            modified: modified.and_then(|t| t.checked_add(nanos)),
        }
    }
}

/// Like `load`, but reads only the files that `unchanged` does not claim; also
/// returns every article file found, with its stamp (the preview server re-reads
/// only what was edited). With the `scan` of the content folder just taken, the
/// folder is not walked again.
pub fn load_changed(
    root: &Path,
    content_dir: &str,
    scan: Option<Scan>,
    unchanged: impl Fn(&Path, Stamp) -> bool,
) -> (Loaded, Vec<(PathBuf, Stamp)>) {
    let (listed, out) = list(root, content_dir, Only::All(scan));
    read_stamped(listed, out, unchanged)
}

/// Reads the article files among `paths` (inside the content folder, as a file
/// watcher reports them) the way the walk would find them. Paths that are gone,
/// ignored or not articles are left out of the returned stamps.
pub fn load_files(
    root: &Path,
    content_dir: &str,
    paths: &[PathBuf],
) -> (Loaded, Vec<(PathBuf, Stamp)>) {
    let (listed, out) = list(root, content_dir, Only::These(paths));
    read_stamped(listed, out, |_, _| false)
}

fn read_stamped(
    listed: Vec<Listed>,
    mut out: Loaded,
    unchanged: impl Fn(&Path, Stamp) -> bool,
) -> (Loaded, Vec<(PathBuf, Stamp)>) {
    // One stat per file, spread over the cores (100 000 of them for a large archive).
    let stamps: Vec<Option<Stamp>> = listed
        .par_iter()
        .map(|file| {
            file.stamp
                .or_else(|| std::fs::metadata(&file.path).ok().as_ref().map(Stamp::of))
        })
        .collect();
    let mut seen = Vec::with_capacity(listed.len());
    let mut read = Vec::new();
    for (file, stamp) in listed.into_iter().zip(stamps) {
        if let Some(stamp) = stamp {
            seen.push((file.shown.clone(), stamp));
            if unchanged(&file.shown, stamp) {
                continue;
            }
        }
        read.push(file);
    }
    read_listed(read, &mut out);
    (out, seen)
}

/// A file the walk found and will read.
#[derive(Debug)]
struct Listed {
    path: PathBuf,
    shown: PathBuf,
    /// Its stamp, when the scan took it (a file, not a link).
    stamp: Option<Stamp>,
}

/// What `list` lists: every file of the content folder (walked now, or by the scan
/// given), or only these paths inside it.
enum Only<'a> {
    All(Option<Scan>),
    These(&'a [PathBuf]),
}

/// The walk: every article file under `content_dir` (or among `only`, paths
/// inside it), not read yet, plus the findings of the walk itself (unreadable
/// folders, symlinks skipped).
fn list(root: &Path, content_dir: &str, only: Only<'_>) -> (Vec<Listed>, Loaded) {
    let mut out = Loaded::default();
    let mut listed = Vec::new();
    let content = root.join(content_dir);
    if !content.is_dir() {
        return (listed, out);
    }
    let canonical_content = match content.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            out.diagnostics
                .push(Diagnostic::error(content_dir, format!("cannot open: {e}")));
            return (listed, out);
        }
    };
    // (path, is a symlink, stamp) of every file to consider.
    let mut files: Vec<(PathBuf, bool, Option<Stamp>)> = Vec::new();
    match only {
        Only::These(paths) => {
            for path in paths {
                let Ok(inside) = path.strip_prefix(&content) else {
                    continue;
                };
                let ignored = inside
                    .components()
                    .any(|c| is_ignored_name(&c.as_os_str().to_string_lossy()));
                match std::fs::symlink_metadata(path) {
                    Ok(meta) if !ignored && !meta.is_dir() => {
                        files.push((path.clone(), meta.file_type().is_symlink(), None));
                    }
                    _ => {}
                }
            }
        }
        Only::All(scan) => {
            let (entries, stamps) = match scan {
                Some(Scan { entries, stamps }) => (entries, stamps),
                None => (walk(&content).collect(), Vec::new()),
            };
            let stamps = stamps.into_iter().chain(std::iter::repeat(None));
            for (entry, stamp) in entries.into_iter().zip(stamps) {
                match entry {
                    Ok(e) if e.file_type().is_dir() => {}
                    Ok(e) => {
                        let is_symlink = e.path_is_symlink();
                        // A link's own stamp is not its target's.
                        let stamp = stamp.filter(|_| !is_symlink);
                        files.push((e.into_path(), is_symlink, stamp));
                    }
                    Err(e) => {
                        let path = e.path().map_or_else(|| content.clone(), Path::to_path_buf);
                        // walkdir's own text repeats the path; the diagnostic names it already.
                        let why = e
                            .io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string);
                        out.diagnostics
                            .push(read_error(rel(root, &path), &why, e.io_error()));
                    }
                }
            }
        }
    }
    for (path, is_symlink, stamp) in files {
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let shown = rel(root, &path);
        if is_symlink {
            // A link may point anywhere; only targets inside content/ are read.
            match path.canonicalize() {
                Ok(target) if target.starts_with(&canonical_content) && target.is_file() => {}
                Ok(_) => {
                    out.diagnostics.push(
                        Diagnostic::warning(
                            &shown,
                            "skipped: symlink points outside the content folder",
                        )
                        .hint("copy the file into content/ instead of linking to it"),
                    );
                    continue;
                }
                Err(_) => {
                    out.diagnostics.push(Diagnostic::warning(
                        &shown,
                        "skipped: broken or looping symlink",
                    ));
                    continue;
                }
            }
        }
        listed.push(Listed { path, shown, stamp });
    }
    (listed, out)
}

/// Reads what the walk listed, in parallel, keeping its order; each file that
/// cannot be read is an error naming it.
fn read_listed(listed: Vec<Listed>, out: &mut Loaded) {
    let read: Vec<Result<Source, Diagnostic>> = listed
        .into_par_iter()
        .map(|Listed { path, shown, .. }| {
            read_text(&path, &shown).map(|text| Source {
                path: shown,
                text: text.into(),
            })
        })
        .collect();
    for r in read {
        match r {
            Ok(source) => out.sources.push(source),
            Err(diag) => out.diagnostics.push(diag),
        }
    }
}

/// An article (or folder) the walk listed but could not read.
///
/// A file that is gone by the time it is read was deleted or renamed while the
/// build ran. That is an error, not a silent skip: the build cannot tell a
/// deletion from a rename (`git checkout`, `mv a.md b.md`), so skipping could
/// publish a site missing an article that still exists under another name, or
/// holding it twice. Failing keeps the previous output, and running the build
/// again (the fingerprint has changed, so it runs in full) sees a settled folder.
/// In `kabar serve` the watcher starts that next build by itself.
fn read_error(shown: PathBuf, why: &str, io: Option<&std::io::Error>) -> Diagnostic {
    if io.is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        Diagnostic::error(
            shown,
            "disappeared during the build (deleted or renamed while kabar was reading the site)",
        )
        .hint("run the build again once the files have settled")
    } else {
        Diagnostic::error(shown, format!("cannot read: {why}"))
    }
}

fn rel(root: &Path, path: &Path) -> PathBuf {
    crate::diagnostics::display_path(root, path)
}

fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    let fail = |msg: String| Diagnostic::error(shown, msg);
    let io_fail = |e: std::io::Error| read_error(shown.to_path_buf(), &e.to_string(), Some(&e));
    let meta = std::fs::metadata(path).map_err(io_fail)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!(
            "file is {} bytes, over the {} byte limit for one article",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(io_fail)?;
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

/// One walk of the content folder with every entry's stamp (not following links),
/// taken by `scan` for the fingerprint and handed to the read that follows it
/// (`load_changed`), which then neither walks nor stats the folder again.
#[derive(Debug)]
pub struct Scan {
    entries: Vec<walkdir::Result<walkdir::DirEntry>>,
    stamps: Vec<Option<Stamp>>,
}

/// A fingerprint of every input a build reads: `site.yaml` and the files under
/// `content/`, `templates/` and `static/` (path, size, modification time), plus
/// `salt` (the build options and kabar's version). Equal fingerprints mean an
/// unchanged site, found without reading a single article. Returned with the walk of
/// the content folder it was taken from.
pub fn scan(root: &Path, salt: &str) -> (u64, Scan) {
    let entries: Vec<_> = walk(&root.join("content")).collect();
    let stamps = stamps(&entries);
    let content = entries
        .iter()
        .zip(&stamps)
        .filter_map(|(e, stamp)| Some((e.as_ref().ok()?.path(), *stamp)));
    let fingerprint = fingerprint_with(root, salt, content, &["templates", "static"]);
    (fingerprint, Scan { entries, stamps })
}

/// The most folders the manifest lists for `folder_stamps` to check before the walk:
/// a day's folder for eleven years. A site with more (a folder per story) lists none,
/// and its builds walk first, as they did before the list.
const MAX_FOLDERS: usize = 4096;

impl Scan {
    /// The folders the walk found under `content/`, relative to `root`, in walk order
    /// (a name with a line break is left out: the manifest holds one a line), and the
    /// hash of their stamps as the walk found them (`folder_stamps`); none beyond
    /// `MAX_FOLDERS`.
    pub fn folders(&self, root: &Path) -> (Vec<String>, u64) {
        let folders: Vec<(String, Option<Stamp>)> = self
            .entries
            .iter()
            .zip(&self.stamps)
            .filter_map(|(e, stamp)| {
                let e = e.as_ref().ok().filter(|e| e.file_type().is_dir())?;
                let rel = e.path().strip_prefix(root).ok()?.to_str()?;
                (!rel.contains(['\n', '\r'])).then(|| (rel.to_string(), *stamp))
            })
            .collect();
        if folders.len() > MAX_FOLDERS {
            return (Vec::new(), stamps_hash(std::iter::empty()));
        }
        let hash = stamps_hash(folders.iter().map(|(f, s)| (f.as_str(), *s)));
        (folders.into_iter().map(|(f, _)| f).collect(), hash)
    }
}

/// The hash of the stamps of `folders` (relative to `root`) as they are now. A folder's
/// modification time moves whenever a file in it is added, removed or renamed (as most
/// editors save), so a hash other than the last build's says the site changed, without
/// a walk; an equal one says nothing (a file edited in place leaves its folder as it was).
pub fn folder_stamps(root: &Path, folders: &[String]) -> u64 {
    let stamps: Vec<Option<Stamp>> = folders
        .par_iter()
        .map(|f| Some(Stamp::of(&std::fs::symlink_metadata(root.join(f)).ok()?)))
        .collect();
    stamps_hash(folders.iter().map(String::as_str).zip(stamps))
}

fn stamps_hash<'a>(stamps: impl Iterator<Item = (&'a str, Option<Stamp>)>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for stamp in stamps {
        stamp.hash(&mut h);
    }
    h.finish()
}

/// The stamp of each entry (not following links), spread over the cores. Each is asked
/// of the folder it is in, opened once: by its full path, every stat looked up each
/// folder on the way again (at 100 000 articles, a sixth of the fingerprint). Only the
/// `OPEN_FOLDERS` fullest folders are opened, so that a site of a folder per story does
/// not hold thousands of descriptors while the build cache is read beside the walk;
/// the files of the others are asked by their path.
#[cfg(target_os = "linux")]
fn stamps(entries: &[walkdir::Result<walkdir::DirEntry>]) -> Vec<Option<Stamp>> {
    use rustix::fs::{AtFlags, Mode, OFlags, open, statat};
    const OPEN_FOLDERS: usize = 64;
    fn key(p: &Path) -> &[u8] {
        p.as_os_str().as_encoded_bytes()
    }
    let mut files: rustc_hash::FxHashMap<&[u8], (usize, &Path)> = Default::default();
    for e in entries.iter().flatten() {
        if let Some(parent) = e.path().parent() {
            files.entry(key(parent)).or_insert((0, parent)).0 += 1;
        }
    }
    let mut fullest: Vec<(usize, &Path)> = files.into_values().filter(|(n, _)| *n > 1).collect();
    fullest.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let folders: rustc_hash::FxHashMap<&[u8], _> = fullest
        .into_iter()
        .take(OPEN_FOLDERS)
        .filter_map(|(_, dir)| Some((key(dir), open(dir, flags, Mode::empty()).ok()?)))
        .collect();
    entries
        .par_iter()
        .map(|e| {
            let e = e.as_ref().ok()?;
            let folder = e.path().parent().and_then(|p| folders.get(key(p)));
            match folder {
                Some(fd) => statat(fd, e.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                    .ok()
                    .map(|st| Stamp::of_stat(&st)),
                None => stamp_by_path(e),
            }
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
fn stamps(entries: &[walkdir::Result<walkdir::DirEntry>]) -> Vec<Option<Stamp>> {
    entries
        .par_iter()
        .map(|e| stamp_by_path(e.as_ref().ok()?))
        .collect()
}

/// The entry's stamp, asked by its full path (not following links).
fn stamp_by_path(e: &walkdir::DirEntry) -> Option<Stamp> {
    Some(Stamp::of(&e.metadata().ok()?))
}

/// The same over `site.yaml` and the given folders only.
pub fn fingerprint_of(root: &Path, salt: &str, dirs: &[&str]) -> u64 {
    fingerprint_with(root, salt, std::iter::empty(), dirs)
}

/// `salt`, `site.yaml`, the `content` entries already stamped, then every entry of
/// `dirs`: each path with its size and modification time (not following links), hashed
/// in walk order.
fn fingerprint_with<'a>(
    root: &Path,
    salt: &str,
    content: impl Iterator<Item = (&'a Path, Option<Stamp>)>,
    dirs: &[&str],
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut paths = vec![root.join("site.yaml")];
    for dir in dirs {
        paths.extend(
            walk(&root.join(dir))
                .flatten()
                .map(walkdir::DirEntry::into_path),
        );
    }
    // One stat per file, spread over the cores.
    let stamps: Vec<Option<Stamp>> = paths
        .par_iter()
        .map(|path| std::fs::symlink_metadata(path).ok().as_ref().map(Stamp::of))
        .collect();
    // Paths as bytes: a `Path` is stripped and hashed component by component, a tenth
    // of the scan at 100 000 articles. Every path here is a walk's, spelled one way.
    let root_bytes = root.as_os_str().as_encoded_bytes();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    salt.hash(&mut h);
    let mut add = |path: &Path, stamp: Option<Stamp>| {
        let bytes = path.as_os_str().as_encoded_bytes();
        bytes.strip_prefix(root_bytes).unwrap_or(bytes).hash(&mut h);
        stamp.hash(&mut h);
    };
    add(&paths[0], stamps[0]);
    for (path, stamp) in content {
        add(path, stamp);
    }
    for (path, stamp) in paths.iter().zip(&stamps).skip(1) {
        add(path, *stamp);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "---\ntitle: \"A\"\ndate: 2024-06-25\n---\nbody\n";

    /// RELIABILITY row 27, deterministically: the walk has listed `b.md`, then it
    /// is deleted before it is read (a `git checkout` or `rm` during the build).
    #[test]
    fn d27_a_file_deleted_between_walk_and_read_is_an_error_naming_it() {
        let site = tempfile::tempdir().expect("tempdir");
        let content = site.path().join("content");
        std::fs::create_dir_all(content.join("sub")).expect("mkdir");
        for name in ["a.md", "b.md", "sub/c.md"] {
            std::fs::write(content.join(name), ARTICLE).expect("write");
        }
        let (listed, mut out) = list(site.path(), "content", Only::All(None));
        assert_eq!(listed.len(), 3, "{listed:?}");
        std::fs::remove_file(content.join("b.md")).expect("rm");
        read_listed(listed, &mut out);

        let read: Vec<_> = out.sources.iter().map(|s| s.path.clone()).collect();
        assert_eq!(
            read,
            [
                PathBuf::from("content/a.md"),
                PathBuf::from("content/sub/c.md")
            ]
        );
        let [d] = out.diagnostics.as_slice() else {
            panic!("one diagnostic expected: {:?}", out.diagnostics);
        };
        assert!(d.is_error(), "{d:?}");
        assert_eq!(d.file, PathBuf::from("content/b.md"));
        assert!(d.message.contains("disappeared during the build"), "{d}");
        assert!(
            d.hint.as_deref().is_some_and(|h| h.contains("again")),
            "{d:?}"
        );
    }

    /// What lets a build read its cache beside the walk: a new story (or a deleted one)
    /// moves its folder's stamp, which the next build sees without a walk; a file edited
    /// in place does not, and the build then waits for the fingerprint as before.
    #[test]
    fn a_file_added_or_removed_moves_the_folders_stamps_and_an_edit_in_place_does_not() {
        let site = tempfile::tempdir().expect("tempdir");
        let content = site.path().join("content");
        std::fs::create_dir_all(content.join("2024")).expect("mkdir");
        std::fs::write(content.join("2024/a.md"), ARTICLE).expect("write");
        let walked = || scan(site.path(), "salt").1.folders(site.path());
        let (folders, hash) = walked();
        assert_eq!(folders, ["content", "content/2024"]);
        assert_eq!(folder_stamps(site.path(), &folders), hash);
        // Stamps are taken to the nanosecond, but some file systems keep less.
        let later = || std::thread::sleep(std::time::Duration::from_millis(20));
        later();
        std::fs::write(content.join("2024/a.md"), format!("{ARTICLE}more\n")).expect("edit");
        assert_eq!(folder_stamps(site.path(), &folders), hash);
        std::fs::write(content.join("2024/b.md"), ARTICLE).expect("add");
        let added = folder_stamps(site.path(), &folders);
        assert_ne!(added, hash);
        assert_eq!(walked().1, added);
        later();
        std::fs::remove_file(content.join("2024/b.md")).expect("remove");
        assert_ne!(folder_stamps(site.path(), &folders), added);
    }

    /// A folder per story would make the check before the walk as long as the walk:
    /// such a site lists no folders, and the next build finds that list unchanged (so
    /// it walks first) rather than changed.
    #[test]
    fn a_site_of_more_folders_than_max_folders_lists_none() {
        let site = tempfile::tempdir().expect("tempdir");
        for i in 0..MAX_FOLDERS {
            std::fs::create_dir_all(site.path().join(format!("content/{i}"))).expect("mkdir");
        }
        let (folders, hash) = scan(site.path(), "salt").1.folders(site.path());
        assert!(folders.is_empty(), "{} folders", folders.len());
        assert_eq!(folder_stamps(site.path(), &folders), hash);
    }

    /// The stamps asked of each file's folder are the ones `std` gives for its path,
    /// for files, folders and links alike: the build cache compares them with its own.
    #[test]
    fn stamps_asked_of_the_folder_are_those_of_the_full_path() {
        let site = tempfile::tempdir().expect("tempdir");
        let content = site.path().join("content");
        std::fs::create_dir_all(content.join("sub")).expect("mkdir");
        std::fs::write(content.join("a.md"), ARTICLE).expect("write");
        std::fs::write(content.join("sub/b.md"), "x").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.md", content.join("sub/link.md")).expect("link");
        let entries: Vec<_> = walk(&content).collect();
        let by_path: Vec<Option<Stamp>> = entries
            .iter()
            .map(|e| stamp_by_path(e.as_ref().ok()?))
            .collect();
        assert_eq!(entries.len(), if cfg!(unix) { 5 } else { 4 });
        assert!(by_path.iter().all(Option::is_some));
        assert_eq!(stamps(&entries), by_path);
    }

    /// A file that fails to read for another reason keeps the OS's own words.
    #[test]
    fn d27_other_read_errors_name_the_file_and_the_cause() {
        let e = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let d = read_error(PathBuf::from("content/x.md"), &e.to_string(), Some(&e));
        assert!(d.is_error());
        assert_eq!(d.file, PathBuf::from("content/x.md"));
        assert!(d.message.starts_with("cannot read: "), "{d}");
        assert!(d.message.contains("permission denied"), "{d}");
    }
}
