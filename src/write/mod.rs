//! Write: rendered files → a fresh staging folder beside the output, exchanged with it
//! at the end (or, for an incremental build, moved into it file by file: `apply`).
//!
//! A failed or killed build leaves the previous output whole and in place (a build
//! killed while `apply` renames leaves a folder without a manifest, which the next build
//! rebuilds in full); stale files cannot survive because every full build starts from an
//! empty folder. Only folders kabar made are ever replaced or removed (see `claim`).

mod claim;
mod swap;
mod tree;

use std::io;
use std::path::{Path, PathBuf};

pub use claim::{Claim, Refusal, append_cache, claim, read_cache, write_cache};
use claim::{Identity, MANIFEST_MARK, OLD_MARK, STAGING_MARK, State};
pub use tree::{Changes, Entry, Tree, content_type, merged, parse_md5};

#[derive(Debug)]
pub struct Staging {
    claim: Claim,
    tmp: PathBuf,
    committed: bool,
    /// What has been emitted, hashed on the way: the published-tree manifest.
    emitted: std::sync::Mutex<std::collections::BTreeMap<String, Entry>>,
}

impl Staging {
    /// An empty staging folder beside the claimed output, recorded as kabar's before
    /// anything is written into it.
    pub fn new(mut claim: Claim) -> io::Result<Staging> {
        std::fs::create_dir_all(&claim.place.parent)?;
        let place = claim.place.clone();
        let (tmp, (), id) = (0..)
            .map(|n| {
                let suffix = if n == 0 {
                    String::new()
                } else {
                    format!("-{n}")
                };
                format!("{STAGING_MARK}{}{suffix}", std::process::id())
            })
            .find_map(|mark| {
                claim
                    .marker
                    .create_recorded(&place, &mark, |tmp| std::fs::create_dir(tmp))
                    .transpose()
            })
            .unwrap_or_else(|| Err(io::Error::other("no free staging name")))?;
        let name = file_name(&tmp);
        claim.marker.made.push((id, name));
        if let Err(e) = claim.marker.write(&claim.place) {
            let _ = std::fs::remove_dir(&tmp);
            return Err(e);
        }
        Ok(Staging {
            claim,
            tmp,
            committed: false,
            emitted: Default::default(),
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
                std::fs::write(path, bytes)?;
            }
            other => other?,
        }
        let entry = Entry::of(bytes);
        self.emitted
            .lock()
            .map_err(|_| io::Error::other("a writer panicked"))?
            .insert(rel.to_string(), entry);
        Ok(())
    }

    /// Puts an unchanged file at `rel` without copying its bytes: a hard link to `from`
    /// (a file of the tree this one replaces, which is removed, never rewritten, so the
    /// link keeps its content), or a copy where the file system cannot link.
    pub fn carry(&self, rel: &str, from: &Path, entry: Entry) -> io::Result<()> {
        let path = self.tmp.join(safe_relative(rel)?);
        if std::fs::hard_link(from, &path).is_err() {
            let bytes = std::fs::read(from)?;
            if Entry::of(&bytes) != entry {
                return Err(io::Error::other(format!(
                    "{} is not the file kabar put there",
                    from.display()
                )));
            }
            std::fs::write(&path, bytes)?;
        }
        self.emitted
            .lock()
            .map_err(|_| io::Error::other("a writer panicked"))?
            .insert(rel.to_string(), entry);
        Ok(())
    }

    /// Whether `rel` has been emitted or carried into this staging folder.
    pub fn has(&self, rel: &str) -> bool {
        self.emitted.lock().is_ok_and(|e| e.contains_key(rel))
    }

    /// The paths emitted or carried so far.
    pub fn emitted_paths(&self) -> std::collections::BTreeSet<String> {
        self.emitted
            .lock()
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The manifest of everything emitted so far, naming this staging folder, which
    /// becomes the output at `commit` (a rename keeps its identity).
    pub fn tree(&self) -> io::Result<Tree> {
        let files = self
            .emitted
            .lock()
            .map_err(|_| io::Error::other("a writer panicked"))?
            .clone();
        Tree::of_folder(files, &self.tmp)
    }

    /// Copies the site's `static/` tree; dotfiles, editor leftovers and symlinks are
    /// skipped. A file that cannot be copied is returned with its path under `static/`.
    pub fn copy_static(&self, dir: &Path) -> Result<(), (String, io::Error)> {
        if !dir.is_dir() {
            return Ok(());
        }
        for entry in crate::load::walk(dir).flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            std::fs::read(entry.path())
                .and_then(|bytes| self.emit(&rel, &bytes))
                .map_err(|e| (rel, e))?;
        }
        Ok(())
    }

    /// Puts the staging folder in the output's place: one exchange where the file system
    /// can, so a reader always finds an output; elsewhere two renames, with the old output
    /// recorded first, so that a kill between them is undone by the next build's claim.
    /// The old output is removed last, once the record names the new one.
    pub fn commit(mut self) -> io::Result<()> {
        let out = self.claim.place.out.clone();
        let new = Identity::of(&self.tmp)?;
        let old = match self.claim.state {
            State::Missing => {
                swap::rename_new(&self.tmp, &out)?;
                None
            }
            State::Empty | State::Ours => Some(self.replace()?),
        };
        self.committed = true;
        let (place, marker) = (&self.claim.place, &mut self.claim.marker);
        marker.output = Some(new);
        marker.made.retain(|(id, _)| *id != new);
        marker.write(place)?;
        match (old, self.claim.state) {
            (Some((path, _)), State::Empty) => std::fs::remove_dir(path),
            (Some((path, id)), _) if Identity::of(&path).is_ok_and(|now| now == id) => {
                swap::remove_tree(&path)?;
                marker.made.retain(|(made, _)| *made != id);
                marker.write(place)
            }
            _ => Ok(()),
        }
    }

    /// Updates the output in place instead of replacing it: each file emitted here is
    /// renamed over its counterpart (each rename is atomic, so a reader finds the old
    /// file or the new one, never a missing or half-written one), new files before
    /// changed ones (so a changed page never links to a page not there yet), then `gone`
    /// files of `previous` are removed, with the folders they leave empty. The manifest
    /// beside the output is removed first: a build killed from there on leaves a folder
    /// that the next build does not trust, and builds in full. Returns the new manifest.
    pub fn apply(mut self, previous: &Tree, gone: &[&str]) -> io::Result<Tree> {
        let out = self.claim.place.out.clone();
        let now = Identity::of(&out)?;
        if self.claim.state != State::Ours || self.claim.marker.output != Some(now) {
            return Err(io::Error::other(format!(
                "{} was replaced by another folder during the build",
                out.display()
            )));
        }
        Tree::forget(&out)?;
        let emitted = std::mem::take(
            &mut *self
                .emitted
                .lock()
                .map_err(|_| io::Error::other("a writer panicked"))?,
        );
        let (added, changed): (Vec<&String>, Vec<&String>) = emitted
            .keys()
            .partition(|rel| !previous.files.contains_key(*rel));
        for rel in added.iter().chain(&changed) {
            let rel = safe_relative(rel)?;
            let to = out.join(&rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(self.tmp.join(&rel), to)?;
        }
        for rel in gone {
            let path = out.join(safe_relative(rel)?);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            // Up to the output itself, while each folder is left empty.
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| *d != out && std::fs::remove_dir(d).is_ok()) {
                dir = d.parent();
            }
        }
        let mut files = previous.files.clone();
        for rel in gone {
            files.remove(*rel);
        }
        files.extend(emitted);
        swap::remove_tree(&self.tmp)?;
        self.committed = true;
        let tmp = file_name(&self.tmp);
        self.claim.marker.made.retain(|(_, name)| *name != tmp);
        self.claim.marker.write(&self.claim.place)?;
        Tree::of_folder(files, &out)
    }

    /// Moves the new output in and the old one out; returns where the old one is now.
    fn replace(&mut self) -> io::Result<(PathBuf, Identity)> {
        let out = self.claim.place.out.clone();
        let old = Identity::of(&out)?;
        let ours = self.claim.marker.output == Some(old);
        if self.claim.state == State::Ours && !ours {
            return Err(io::Error::other(format!(
                "{} was replaced by another folder during the build",
                out.display()
            )));
        }
        if self.claim.state == State::Empty && std::fs::read_dir(&out)?.next().is_some() {
            return Err(io::Error::other(format!(
                "{} received files during the build; they are left as they are",
                out.display()
            )));
        }
        if swap::exchange(&self.tmp, &out)?.is_some() {
            if ours {
                self.claim.marker.made.push((old, file_name(&self.tmp)));
            }
            return Ok((self.tmp.clone(), old));
        }
        let aside = self
            .claim
            .place
            .beside(&format!("{OLD_MARK}{}", std::process::id()));
        if ours {
            self.claim.marker.made.push((old, file_name(&aside)));
            self.claim.marker.write(&self.claim.place)?;
        }
        std::fs::rename(&out, &aside)?;
        if let Err(e) = swap::rename_new(&self.tmp, &out) {
            let _ = std::fs::rename(&aside, &out);
            return Err(e);
        }
        Ok((aside, old))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = swap::remove_tree(&self.tmp);
            let tmp = file_name(&self.tmp);
            self.claim.marker.made.retain(|(_, name)| *name != tmp);
            let _ = self.claim.marker.write(&self.claim.place);
        }
    }
}

/// The identity (device, inode, birth) of the folder now at `out`, as the manifest and
/// the build cache record it.
pub fn identity(out: &Path) -> Option<String> {
    Identity::of(out).ok().map(|id| id.fields())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What the last successful build into an output folder was made from. It lives
/// beside the output, never in it, so the published folder holds no dotfiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub fingerprint: u64,
    pub articles: usize,
    /// The first embargo that lifts (seconds since the epoch): the site changes then
    /// even though no file does.
    pub rebuild_after: Option<i64>,
    /// The folders under `content/` (relative to the site) and a hash of their stamps
    /// (`load::folder_stamps`): when it moves, a file was added, removed or renamed.
    pub folders: Vec<String>,
    pub folder_stamps: u64,
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
    /// The first line holds the fingerprint, the article count, the embargo and the
    /// folders' hash; each further line names a folder.
    pub fn read(out: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(manifest_path(out)).ok()?;
        let mut lines = text.lines();
        let mut fields = lines.next()?.split_whitespace();
        let fingerprint = fields.next()?.parse().ok()?;
        let articles = fields.next()?.parse().ok()?;
        let rebuild_after = match fields.next()? {
            "-" => None,
            t => Some(t.parse().ok()?),
        };
        let folder_stamps = fields.next().and_then(|h| h.parse().ok()).unwrap_or(0);
        Some(Manifest {
            fingerprint,
            articles,
            rebuild_after,
            folders: lines.map(String::from).collect(),
            folder_stamps,
        })
    }

    pub fn write(&self, out: &Path) -> io::Result<()> {
        let after = self
            .rebuild_after
            .map_or_else(|| "-".to_string(), |t| t.to_string());
        let mut text = format!(
            "{} {} {after} {}\n",
            self.fingerprint, self.articles, self.folder_stamps
        );
        for folder in &self.folders {
            text.push_str(folder);
            text.push('\n');
        }
        std::fs::write(manifest_path(out), text)
    }
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
    fn the_manifest_keeps_its_folders_and_one_without_them_still_reads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let manifest = Manifest {
            fingerprint: 1,
            articles: 2,
            rebuild_after: Some(3),
            folders: vec!["content".into(), "content/my stories".into()],
            folder_stamps: 4,
        };
        manifest.write(&out).expect("write");
        assert_eq!(Manifest::read(&out), Some(manifest));
        // As kabar wrote it before: no folders, so the next build cannot tell an
        // unchanged site without the walk, and reads the rest beside it.
        std::fs::write(manifest_path(&out), "1 2 -\n").expect("write");
        let old = Manifest::read(&out).expect("read");
        assert_eq!(
            (old.fingerprint, old.folders.len(), old.folder_stamps),
            (1, 0, 0)
        );
    }

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

    fn site() -> tempfile::TempDir {
        let site = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(site.path().join("content")).expect("mkdir");
        site
    }

    fn build(out: &Path, site: &Path, page: &str) {
        let staging = Staging::new(claim(out, site).expect("claimed")).expect("staging");
        staging.emit("index.html", page.as_bytes()).expect("emit");
        staging.commit().expect("commit");
    }

    fn beside(site: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(site)
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("staging") || n.contains("old"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_staging_folder_left_by_a_killed_build_is_removed_by_the_next() {
        let site = site();
        let out = site.path().join("public");
        build(&out, site.path(), "one");
        let killed = Staging::new(claim(&out, site.path()).expect("claimed")).expect("staging");
        killed.emit("half.html", b"half").expect("emit");
        std::mem::forget(killed);
        assert_eq!(beside(site.path()).len(), 1);
        build(&out, site.path(), "two");
        assert!(beside(site.path()).is_empty(), "{:?}", beside(site.path()));
        assert_eq!(
            std::fs::read_to_string(out.join("index.html"))
                .ok()
                .as_deref(),
            Some("two")
        );
    }

    /// Killed between creating its staging folder and recording its identity: only the
    /// name is on record, and the empty folder at it is still removed; a folder with
    /// files at a recorded name was not made by that build and stays.
    #[test]
    fn a_staging_folder_killed_before_its_record_is_removed_and_a_full_one_kept() {
        let site = site();
        let out = site.path().join("public");
        build(&out, site.path(), "one");
        let mut claimed = claim(&out, site.path()).expect("claimed");
        let (empty, full) = (".public.kabar-staging-7", ".public.kabar-staging-8");
        for name in [empty, full] {
            claimed.marker.pending.push(name.into());
            std::fs::create_dir(site.path().join(name)).expect("mkdir");
        }
        claimed.marker.write(&claimed.place).expect("record");
        std::fs::write(site.path().join(full).join("notes.txt"), "mine").expect("write");
        build(&out, site.path(), "two");
        assert_eq!(beside(site.path()), vec![full.to_string()]);
    }

    /// Killed right after the exchange, before the record named the new output: the
    /// folder at the output is the recorded staging one, the old output is beside it.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_exchange_not_yet_recorded_is_recognised_by_the_next_build() {
        let site = site();
        let out = site.path().join("public");
        build(&out, site.path(), "one");
        let killed = Staging::new(claim(&out, site.path()).expect("claimed")).expect("staging");
        killed.emit("index.html", b"two").expect("emit");
        swap::exchange(&killed.tmp, &out).expect("exchange");
        std::mem::forget(killed);
        let claimed = claim(&out, site.path()).expect("still kabar's");
        assert_eq!(claimed.state, State::Ours);
        assert!(beside(site.path()).is_empty(), "{:?}", beside(site.path()));
        assert_eq!(
            std::fs::read_to_string(out.join("index.html"))
                .ok()
                .as_deref(),
            Some("two")
        );
    }

    #[test]
    fn a_failed_build_removes_its_staging_folder_and_keeps_the_output() {
        let site = site();
        let out = site.path().join("public");
        build(&out, site.path(), "one");
        let failed = Staging::new(claim(&out, site.path()).expect("claimed")).expect("staging");
        failed.emit("index.html", b"two").expect("emit");
        drop(failed);
        assert!(beside(site.path()).is_empty());
        assert_eq!(
            claim(&out, site.path()).expect("claimed").state,
            State::Ours
        );
        assert_eq!(
            std::fs::read_to_string(out.join("index.html"))
                .ok()
                .as_deref(),
            Some("one")
        );
    }
}
