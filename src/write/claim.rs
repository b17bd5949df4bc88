//! Write, first step: an output path → the right to replace it (after recovering what a
//! killed build left beside it), or a refusal that names the folder, says why and what to do.
//!
//! kabar replaces a folder only when it is missing, empty or one kabar made. What kabar
//! made is recorded beside the output (`.NAME.kabar-owned`) by device and inode, which a
//! rename keeps: the record survives the swap, and a user's folder that merely has the
//! right name (a copy, or `public/` deleted and made again by hand) never matches.

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::swap;

const OWNED_MARK: &str = ".kabar-owned";
pub(super) const STAGING_MARK: &str = ".kabar-staging-";
pub(super) const OLD_MARK: &str = ".kabar-old-";
pub(super) const MANIFEST_MARK: &str = ".kabar-manifest";
pub(super) const CACHE_MARK: &str = ".kabar-cache";
const MARKER_HEADER: &str = "kabar owned folders 1";

/// Why kabar will not replace an output folder; nothing was moved, renamed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub folder: PathBuf,
    pub why: String,
    pub fix: &'static str,
}

impl std::error::Error for Refusal {}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to write output into {}: {}\n  help: {}",
            self.folder.display(),
            self.why,
            self.fix
        )
    }
}

const FIX_ELSEWHERE: &str =
    "choose another output folder with -o (a new or empty one; kabar creates it)";
const FIX_NOT_OURS: &str = "choose a new or empty folder with -o, or move its files away first: kabar only replaces folders it made";

/// A folder's identity on its file system: kept by renames, so the record of a staging
/// folder still names it once it has been swapped in as the output. The birth time
/// (where the file system keeps one) tells a folder made again by hand from the one it
/// replaced: file systems hand a freed inode number to the next new folder at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Identity {
    dev: u64,
    ino: u64,
    born: u128,
}

impl Identity {
    pub(super) fn fields(&self) -> String {
        format!("{} {} {}", self.dev, self.ino, self.born)
    }

    /// Of the path itself, never of a symlink's target.
    pub(super) fn of(path: &Path) -> io::Result<Identity> {
        let meta = std::fs::symlink_metadata(path)?;
        Ok(Identity::from_meta(&meta))
    }

    #[cfg(unix)]
    fn from_meta(meta: &std::fs::Metadata) -> Identity {
        use std::os::unix::fs::MetadataExt;
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
            born: born(meta),
        }
    }

    /// Without inodes nothing is recognised as kabar's: only missing or empty folders
    /// are replaced.
    #[cfg(not(unix))]
    fn from_meta(_: &std::fs::Metadata) -> Identity {
        Identity {
            dev: 0,
            ino: 0,
            born: 0,
        }
    }
}

/// Nanoseconds since the epoch of the folder's creation, 0 where it is not kept.
#[cfg(unix)]
fn born(meta: &std::fs::Metadata) -> u128 {
    meta.created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// Where an output lives: its canonical parent and its name, which the folders and files
/// kabar keeps beside it start with.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) out: PathBuf,
    pub(super) parent: PathBuf,
    pub(super) name: String,
}

impl Place {
    pub(super) fn beside(&self, mark: &str) -> PathBuf {
        self.parent.join(format!(".{}{mark}", self.name))
    }

    fn is_leftover_name(&self, file_name: &str) -> bool {
        [STAGING_MARK, OLD_MARK]
            .iter()
            .any(|m| file_name.starts_with(&format!(".{}{m}", self.name)))
    }
}

/// The folders kabar made beside one output: the output itself, and staging or old
/// folders not yet swapped in or removed (by file name in the parent); the build
/// cache files it wrote there (the one in place, and one being put in its place); and
/// the names it is about to create, whose identity cannot be known before they exist.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Marker {
    pub(super) output: Option<Identity>,
    pub(super) made: Vec<(Identity, String)>,
    pub(super) cache: Vec<Identity>,
    pub(super) pending: Vec<String>,
}

impl Marker {
    /// A missing, unreadable or foreign marker owns nothing.
    fn read(place: &Place) -> Marker {
        let Ok(text) = std::fs::read_to_string(place.beside(OWNED_MARK)) else {
            return Marker::default();
        };
        let mut lines = text.lines();
        if lines.next() != Some(MARKER_HEADER) {
            return Marker::default();
        }
        let mut marker = Marker::default();
        for line in lines {
            if let Some(name) = line.strip_prefix("pending ") {
                marker.pending.push(name.to_string());
                continue;
            }
            let mut fields = line.splitn(5, ' ');
            let kind = fields.next();
            let mut number = || fields.next().and_then(|f| f.parse::<u128>().ok());
            let (Some(dev), Some(ino), Some(born)) = (number(), number(), number()) else {
                return Marker::default();
            };
            let (Ok(dev), Ok(ino)) = (u64::try_from(dev), u64::try_from(ino)) else {
                return Marker::default();
            };
            let id = Identity { dev, ino, born };
            match (kind, fields.next()) {
                (Some("output"), None) => marker.output = Some(id),
                (Some("made"), Some(name)) => marker.made.push((id, name.to_string())),
                (Some("cache"), None) => marker.cache.push(id),
                _ => return Marker::default(),
            }
        }
        marker
    }

    /// Replaces the record in one rename, so a reader sees the old one or the new one.
    pub(super) fn write(&self, place: &Place) -> io::Result<()> {
        let mut text = format!("{MARKER_HEADER}\n");
        if let Some(id) = self.output {
            text.push_str(&format!("output {}\n", id.fields()));
        }
        for (id, name) in &self.made {
            text.push_str(&format!("made {} {name}\n", id.fields()));
        }
        for id in &self.cache {
            text.push_str(&format!("cache {}\n", id.fields()));
        }
        for name in &self.pending {
            text.push_str(&format!("pending {name}\n"));
        }
        let path = place.beside(OWNED_MARK);
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".{}", std::process::id()));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &path)
    }

    fn owns(&self, id: Identity) -> bool {
        self.output == Some(id) || self.made.iter().any(|(m, _)| *m == id)
    }

    /// Creates `mark` beside the output (see `Place::beside`) with `create` (which must
    /// fail when something is there), its name recorded first: a build killed after the
    /// creation but before the caller records the identity leaves an empty file or
    /// folder that the next build still knows to be its own. `None` when something
    /// already has that name.
    pub(super) fn create_recorded<T>(
        &mut self,
        place: &Place,
        mark: &str,
        create: impl FnOnce(&Path) -> io::Result<T>,
    ) -> io::Result<Option<(PathBuf, T, Identity)>> {
        let path = place.beside(mark);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Ok(None);
        }
        let name = super::file_name(&path);
        self.pending.push(name.clone());
        self.write(place)?;
        let made = create(&path).and_then(|t| Ok((t, Identity::of(&path)?)));
        self.pending.retain(|p| *p != name);
        match made {
            Ok((t, id)) => Ok(Some((path, t, id))),
            Err(e) => {
                let _ = self.write(place);
                match e.kind() {
                    io::ErrorKind::AlreadyExists => Ok(None),
                    _ => Err(e),
                }
            }
        }
    }

    /// Removes what a build killed inside `create_recorded` left: an empty folder or
    /// file at a recorded name (anything with content there was never written by that
    /// build, whose identity the record would hold), and forgets the names.
    fn remove_pending(&mut self, place: &Place) {
        for name in std::mem::take(&mut self.pending) {
            let path = place.parent.join(name);
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    let _ = std::fs::remove_dir(&path);
                }
                Ok(meta) if meta.is_file() && meta.len() == 0 => {
                    let _ = std::fs::remove_file(&path);
                }
                _ => {}
            }
        }
    }
}

/// What stands at the output path, once claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Missing,
    Empty,
    Ours,
}

/// The right to replace one output folder, with what is known of it.
#[derive(Debug)]
pub struct Claim {
    pub(super) place: Place,
    pub(super) marker: Marker,
    pub(super) state: State,
}

/// Checks that `out` may be replaced by a build of the site at `site_root`, and puts
/// back an output that a killed build left beside it. Leftover staging and old folders
/// are removed only when the record names them.
pub fn claim(out: &Path, site_root: &Path) -> Result<Claim, Refusal> {
    let place = locate(out, site_root)?;
    let mut marker = Marker::read(&place);
    let refuse = |why: String, fix| Refusal {
        folder: place.out.clone(),
        why,
        fix,
    };
    if std::fs::symlink_metadata(&place.out).is_err() {
        recover(&place, &marker);
    }
    // The state, and the folder's identity when it is kabar's.
    let (state, ours) = match std::fs::symlink_metadata(&place.out) {
        Err(_) => (State::Missing, None),
        Ok(meta) if meta.file_type().is_symlink() => {
            let to = std::fs::read_link(&place.out).unwrap_or_default();
            let why = format!(
                "it is a symbolic link (to {}); kabar never writes through links",
                to.display()
            );
            return Err(refuse(why, FIX_ELSEWHERE));
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(refuse("it is a file, not a folder".into(), FIX_ELSEWHERE));
        }
        Ok(meta) => {
            if is_mount_point(&place.out, &meta) {
                let why = "it is a mount point (a file system of its own cannot be swapped)";
                return Err(refuse(why.into(), FIX_ELSEWHERE));
            }
            let id = Identity::from_meta(&meta);
            if marker.owns(id) || made_by_earlier_kabar(&place, site_root, &meta) {
                (State::Ours, Some(id))
            } else if let Some(first) = first_entry(&place.out) {
                let why = format!("it holds files kabar did not write ({first}, …)");
                return Err(refuse(why, FIX_NOT_OURS));
            } else {
                (State::Empty, None)
            }
        }
    };
    remove_leftovers(&place, &marker, ours);
    let mut settled = marker.clone();
    settled.remove_pending(&place);
    settled.output = ours;
    settled.made.clear();
    if settled != marker {
        // Without a record the next build refuses the folder and says so: no data lost.
        let _ = settled.write(&place);
        marker = settled;
    }
    Ok(Claim {
        place,
        marker,
        state,
    })
}

/// The build cache beside `out`, if there is one and the record says kabar wrote it:
/// `Ok(None)` when there is none, `Err(why)` when something else has its name (it is
/// then neither read nor, by `write_cache`, replaced).
pub fn read_cache(out: &Path, site_root: &Path) -> Result<Option<(std::fs::File, u64)>, String> {
    let place = locate(out, site_root).map_err(|r| r.why)?;
    let path = place.beside(CACHE_MARK);
    let meta = match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it: {e}")),
        Ok(meta) => meta,
    };
    let foreign = || {
        format!(
            "{} is not one kabar wrote (the record beside the output does not name it); it is left alone",
            path.display()
        )
    };
    // Only a regular file is opened (a pipe would block); whether it is kabar's is asked
    // of the file opened, not of whatever had its name a moment before.
    if !meta.is_file() {
        return Err(foreign());
    }
    let file = std::fs::File::open(&path).map_err(|e| format!("cannot read it: {e}"))?;
    let opened = file
        .metadata()
        .map_err(|e| format!("cannot read it: {e}"))?;
    if !Marker::read(&place)
        .cache
        .contains(&Identity::from_meta(&opened))
    {
        return Err(foreign());
    }
    Ok(Some((file, opened.len())))
}

/// Replaces the build cache beside `out` in one rename. The new file is recorded as
/// kabar's as soon as it exists, before a byte is written: a build killed at any point
/// leaves either a cache the next build recognises (and checks) or a half-written
/// `.NAME.kabar-cache.PID` that it recognises as its own and removes. Something at
/// either name that kabar did not write is never replaced or removed.
pub fn write_cache(
    out: &Path,
    site_root: &Path,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    use std::io::Write as _;
    let place = locate(out, site_root).map_err(|r| io::Error::other(r.why))?;
    let path = place.beside(CACHE_MARK);
    let mut marker = Marker::read(&place);
    let current = std::fs::symlink_metadata(&path).ok().map(|meta| {
        let id = Identity::from_meta(&meta);
        (meta.is_file() && marker.cache.contains(&id)).then_some(id)
    });
    if current == Some(None) {
        return Err(io::Error::other(format!(
            "{} is not one kabar wrote; it is left alone (move it away to let kabar keep a cache)",
            path.display()
        )));
    }
    marker.remove_pending(&place);
    remove_unfinished_caches(&place, &mut marker, current.flatten());
    let mark = format!("{CACHE_MARK}.{}", std::process::id());
    // `create_new`: a file of someone else's with this name is never overwritten.
    let created = marker.create_recorded(&place, &mark, |tmp| {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
    })?;
    let Some((tmp, mut file, new)) = created else {
        return Err(io::Error::other(format!(
            "{} is in the way of the build cache's temporary file; it is left alone",
            place.beside(&mark).display()
        )));
    };
    let written = (|| {
        marker.cache.push(new);
        marker.write(&place)?;
        let mut buffered = io::BufWriter::with_capacity(1 << 20, &mut file);
        fill(&mut buffered)?;
        buffered.flush()?;
        drop(buffered);
        std::fs::rename(&tmp, &path)?;
        Ok(new)
    })()
    .inspect_err(|_: &io::Error| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    drop(file);
    marker.cache = vec![written];
    marker.write(&place)
}

/// Appends to the build cache beside `out` what `fill` writes, if it is still the file
/// kabar wrote and `len` bytes long (`Ok(false)` otherwise: write it afresh instead). A
/// failed append is cut off again, so the file ends where it did.
pub fn append_cache(
    out: &Path,
    site_root: &Path,
    len: u64,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<bool> {
    use std::io::Write as _;
    let place = locate(out, site_root).map_err(|r| io::Error::other(r.why))?;
    let path = place.beside(CACHE_MARK);
    // Only a regular file is opened (a pipe would block).
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(&path) else {
        return Ok(false);
    };
    let meta = file.metadata()?;
    let ours = Marker::read(&place)
        .cache
        .contains(&Identity::from_meta(&meta));
    if !ours || meta.len() != len {
        return Ok(false);
    }
    let written = (|| {
        let mut buffered = io::BufWriter::with_capacity(1 << 20, &mut file);
        fill(&mut buffered)?;
        buffered.flush()
    })();
    if let Err(e) = written {
        let _ = file.set_len(len);
        return Err(e);
    }
    Ok(true)
}

/// Removes the temporary caches of builds killed while writing one (files beside the
/// output named `.NAME.kabar-cache.*` whose identity the record holds), and forgets
/// every recorded cache but `keep`.
fn remove_unfinished_caches(place: &Place, marker: &mut Marker, keep: Option<Identity>) {
    let prefix = format!(".{}{CACHE_MARK}.", place.name);
    let Ok(entries) = std::fs::read_dir(&place.parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(|n| n.starts_with(&prefix)) {
            continue;
        }
        if let Ok(meta) = std::fs::symlink_metadata(entry.path())
            && meta.is_file()
            && marker.cache.contains(&Identity::from_meta(&meta))
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    marker.cache.retain(|id| Some(*id) == keep);
}

/// The output's canonical place, refusing places whose replacement would destroy
/// something else: the file system root, the home folder, the current folder or one
/// holding it, the site or one holding it, the site's sources.
fn locate(out: &Path, site_root: &Path) -> Result<Place, Refusal> {
    let absolute = absolute(out).map_err(|why| Refusal {
        folder: out.to_path_buf(),
        why,
        fix: FIX_ELSEWHERE,
    })?;
    let root = site_root
        .canonicalize()
        .unwrap_or_else(|_| site_root.to_path_buf());
    let home = std::env::var_os("HOME").and_then(|h| Path::new(&h).canonicalize().ok());
    let cwd = std::env::current_dir().ok();
    let why = if absolute.parent().is_none() {
        Some("it is the file system root")
    } else if home.as_deref() == Some(absolute.as_path()) {
        Some("it is your home folder")
    } else if root.starts_with(&absolute) {
        Some("it contains the site itself")
    } else if ["content", "templates", "static"]
        .iter()
        .any(|d| absolute.starts_with(root.join(d)))
    {
        Some("it is inside the site's sources")
    } else if cwd.is_some_and(|c| c.starts_with(&absolute)) {
        Some("it is the current folder, or holds it")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(Refusal {
            folder: absolute,
            why: why.into(),
            fix: FIX_ELSEWHERE,
        });
    }
    let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Err(Refusal {
            folder: absolute,
            why: "it names no folder".into(),
            fix: FIX_ELSEWHERE,
        });
    };
    Ok(Place {
        parent: parent.to_path_buf(),
        name: name.to_string_lossy().into_owned(),
        out: absolute.clone(),
    })
}

/// `path` made absolute through its deepest existing ancestor, which is canonicalised;
/// the output itself is not resolved, so a symlink there is seen as one.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    let path = std::path::absolute(path).map_err(|e| format!("cannot resolve the path: {e}"))?;
    let Some(name) = path.file_name() else {
        // `/`, or ending in `..`: a real folder, never a link.
        return path
            .canonicalize()
            .map_err(|e| format!("cannot resolve the path: {e}"));
    };
    let mut rest = vec![name.to_os_string()];
    let mut base = path.parent().map(Path::to_path_buf);
    while let Some(dir) = base {
        if let Ok(real) = dir.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Ok(out);
        }
        match dir.components().next_back() {
            Some(Component::Normal(part)) => rest.push(part.to_os_string()),
            _ => return Err("its path goes through `..` below a missing folder".into()),
        }
        base = dir.parent().map(Path::to_path_buf);
    }
    Err("cannot resolve the path".into())
}

#[cfg(target_os = "linux")]
fn is_mount_point(path: &Path, meta: &std::fs::Metadata) -> bool {
    use rustix::fs::{AtFlags, CWD, StatxAttributes, StatxFlags, statx};
    if let Ok(st) = statx(
        CWD,
        path,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BASIC_STATS,
    ) && st.stx_attributes_mask.contains(StatxAttributes::MOUNT_ROOT)
    {
        return st.stx_attributes.contains(StatxAttributes::MOUNT_ROOT);
    }
    other_device_than_parent(path, meta)
}

#[cfg(not(target_os = "linux"))]
fn is_mount_point(path: &Path, meta: &std::fs::Metadata) -> bool {
    other_device_than_parent(path, meta)
}

fn other_device_than_parent(path: &Path, meta: &std::fs::Metadata) -> bool {
    let parent = path.parent().and_then(|p| std::fs::metadata(p).ok());
    parent.is_some_and(|p| Identity::from_meta(&p).dev != Identity::from_meta(meta).dev)
}

/// Outputs of kabar before the record existed: `kabar build` wrote its manifest beside
/// the output right after swapping it in, so a folder not modified since then is the one
/// it wrote. The preview folder at its default place inside the site is kabar's too.
fn made_by_earlier_kabar(place: &Place, site_root: &Path, meta: &std::fs::Metadata) -> bool {
    let manifest_written =
        std::fs::metadata(place.beside(MANIFEST_MARK)).and_then(|m| m.modified());
    let unchanged_since = match (manifest_written, meta.modified()) {
        (Ok(manifest), Ok(folder)) => folder <= manifest,
        _ => false,
    };
    let default_preview =
        place.name == ".kabar-preview" && site_root.canonicalize().is_ok_and(|r| r == place.parent);
    unchanged_since || default_preview
}

fn first_entry(dir: &Path) -> Option<String> {
    let mut entries = std::fs::read_dir(dir).ok()?;
    match entries.next() {
        Some(Ok(e)) => Some(e.file_name().to_string_lossy().into_owned()),
        Some(Err(e)) => Some(format!("unreadable: {e}")),
        None => None,
    }
}

/// A build killed between moving the old output aside and moving the new one in (the
/// two-rename fallback) leaves no output: the recorded output, found beside under
/// another name, goes back. Never a staging folder, which may be half written.
fn recover(place: &Place, marker: &Marker) {
    let Some(output) = marker.output else {
        return;
    };
    for path in leftovers(place) {
        if Identity::of(&path).is_ok_and(|id| id == output) {
            let _ = std::fs::rename(&path, &place.out);
            return;
        }
    }
}

/// Staging and old folders of earlier builds that the record names; folders with the
/// same names that kabar did not make stay.
fn remove_leftovers(place: &Place, marker: &Marker, current: Option<Identity>) {
    for path in leftovers(place) {
        let Ok(id) = Identity::of(&path) else {
            continue;
        };
        if marker.owns(id) && Some(id) != current {
            let _ = swap::remove_tree(&path);
        }
    }
}

/// Folders beside the output named like kabar's staging and old folders (symlinks and
/// files with those names are never kabar's).
fn leftovers(place: &Place) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(&place.parent) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| place.is_leftover_name(&e.file_name().to_string_lossy()))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let site = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(site.path().join("content")).expect("mkdir");
        site
    }

    #[test]
    fn the_marker_reads_back_what_it_wrote_and_nothing_foreign() {
        let dir = tempfile::tempdir().expect("tempdir");
        let place = Place {
            out: dir.path().join("public"),
            parent: dir.path().to_path_buf(),
            name: "public".into(),
        };
        let marker = Marker {
            output: Some(Identity {
                dev: 1,
                ino: 2,
                born: 1_796_167_610_592_912_108,
            }),
            made: vec![(
                Identity {
                    dev: 1,
                    ino: 3,
                    born: 0,
                },
                ".public.kabar-staging-9 x".into(),
            )],
            cache: vec![Identity {
                dev: 1,
                ino: 4,
                born: 5,
            }],
            pending: vec![".public.kabar-staging-10 y".into()],
        };
        marker.write(&place).expect("write");
        assert_eq!(Marker::read(&place), marker);
        std::fs::write(place.beside(OWNED_MARK), "output 1 2 3\n").expect("write");
        assert_eq!(Marker::read(&place), Marker::default());
    }

    #[test]
    fn a_cache_half_written_by_a_killed_build_is_removed_and_a_strangers_file_kept() {
        let site = site();
        let out = site.path().join("public");
        write_cache(&out, site.path(), |w| w.write_all(b"first")).expect("first cache");
        let place = locate(&out, site.path()).expect("place");
        // A build killed while writing: its file exists and is recorded, nothing more.
        let killed = place.beside(&format!("{CACHE_MARK}.4000000"));
        std::fs::write(&killed, b"half").expect("write");
        let mut marker = Marker::read(&place);
        marker.cache.push(Identity::of(&killed).expect("identity"));
        marker.write(&place).expect("record");
        let strangers = place.beside(&format!("{CACHE_MARK}.backup"));
        std::fs::write(&strangers, b"mine").expect("write");

        write_cache(&out, site.path(), |w| w.write_all(b"second")).expect("second cache");
        assert!(
            !killed.exists(),
            "the killed build's file is kabar's: removed"
        );
        assert_eq!(std::fs::read(&strangers).expect("kept"), b"mine");
        assert_eq!(
            std::fs::read(place.beside(CACHE_MARK)).expect("cache"),
            b"second"
        );
        assert_eq!(
            Marker::read(&place).cache.len(),
            1,
            "only the cache in place stays recorded"
        );
    }

    #[test]
    fn places_that_hold_the_site_or_its_sources_are_refused() {
        let site = site();
        let refused = |out: &Path| claim(out, site.path()).map(|_| ()).map_err(|r| r.why);
        assert!(refused(site.path()).is_err());
        assert!(refused(&site.path().join("content")).is_err());
        assert!(refused(&site.path().join("content/new/deeper")).is_err());
        assert!(refused(Path::new("/")).is_err());
        assert!(refused(&site.path().join("public")).is_ok());
        assert!(refused(&site.path().join("new/deeper/public")).is_ok());
    }

    #[test]
    fn a_path_is_resolved_through_its_existing_ancestors_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().canonicalize().expect("canonical");
        assert_eq!(
            absolute(&dir.path().join("a/b")).expect("absolute"),
            real.join("a/b")
        );
        assert!(absolute(&dir.path().join("a/../b")).is_err());
    }
}
