//! Write, last step: a finished staging folder → the output, in one exchange where the file
//! system allows it; and removal of kabar's own folders, never through a link.

use std::io;
use std::path::Path;

/// Exchanges `staging` and `out` (both folders) in one step; where the file system or
/// the platform cannot, returns `None` and touches nothing.
pub(super) fn exchange(staging: &Path, out: &Path) -> io::Result<Option<()>> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, staging, CWD, out, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(Some(())),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (staging, out);
        Ok(None)
    }
}

/// Renames `from` to `to` only if nothing is at `to`: a folder a user made there in the
/// meantime is never replaced.
pub(super) fn rename_new(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            other => return other.map_err(Into::into),
        }
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} appeared during the build", to.display()),
        ));
    }
    std::fs::rename(from, to)
}

/// Deletes a folder kabar made and everything in it, its top-level entries in parallel
/// (an old output holds tens of thousands of files; one by one took a quarter of a
/// 5 000-article rebuild). A symlink inside is removed as a link: its target is never
/// read, listed or touched (`remove_dir_all` does not follow links either).
pub(super) fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    if std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return Err(io::Error::other(format!(
            "{} is a symbolic link, not a folder kabar made",
            dir.display()
        )));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn an_exchange_swaps_two_folders_in_one_step() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::create_dir(&b).expect("mkdir");
        std::fs::write(a.join("new"), "").expect("write");
        std::fs::write(b.join("old"), "").expect("write");
        assert_eq!(exchange(&a, &b).expect("exchange"), Some(()));
        assert!(b.join("new").exists() && a.join("old").exists());
    }

    #[test]
    fn a_new_name_is_never_taken_from_someone_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::create_dir(&b).expect("mkdir");
        std::fs::write(b.join("mine"), "").expect("write");
        assert!(rename_new(&a, &b).is_err());
        assert!(a.exists() && b.join("mine").exists());
    }

    /// Every entry under `dir`, not following links: what a removal must leave alone.
    #[cfg(unix)]
    fn entries(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
        walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .map(|e| {
                let what = if e.path_is_symlink() {
                    format!("{:?}", std::fs::read_link(e.path()).ok())
                } else {
                    format!("{:?}", std::fs::read(e.path()).ok())
                };
                (e.path().to_path_buf(), what)
            })
            .collect()
    }

    #[cfg(unix)]
    proptest::proptest! {
        /// An old output with files, folders and links of every kind (to files and folders
        /// outside it, inside it, to its parent, dangling, chained) is removed whole, and
        /// nothing outside it changes.
        #[test]
        fn removal_never_goes_through_a_link(
            entries in proptest::collection::vec((0usize..4, 0usize..4, 0usize..7), 1..24)
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let (old, outside) = (dir.path().join("old"), dir.path().join("outside"));
            std::fs::create_dir_all(outside.join("sub")).expect("mkdir");
            std::fs::write(outside.join("file"), "keep").expect("write");
            std::fs::write(outside.join("sub/file"), "keep").expect("write");
            std::fs::create_dir(&old).expect("mkdir");
            let folders = [".", "a", "a/b", "c"];
            for (i, (at, _, kind)) in entries.iter().enumerate() {
                let parent = old.join(folders[*at]);
                std::fs::create_dir_all(&parent).expect("mkdir");
                let path = parent.join(format!("e{i}"));
                let target = match kind {
                    0 => { std::fs::write(&path, "x").expect("write"); continue; }
                    1 => { std::fs::create_dir(&path).expect("mkdir"); continue; }
                    2 => outside.join("file"),
                    3 => outside.join("sub"),
                    4 => old.join("a"),
                    5 => dir.path().to_path_buf(),
                    _ => outside.join("missing"),
                };
                std::os::unix::fs::symlink(target, &path).expect("symlink");
            }
            // Links to links: the second element picks a link made above, if any.
            for (i, (_, via, _)) in entries.iter().enumerate() {
                let to = old.join(format!("e{}", via % entries.len()));
                let _ = std::os::unix::fs::symlink(to, old.join(format!("chain{i}")));
            }
            let before = entries_outside(dir.path(), &old);
            remove_tree(&old).expect("removed");
            proptest::prop_assert!(std::fs::symlink_metadata(&old).is_err());
            proptest::prop_assert_eq!(entries_outside(dir.path(), &old), before);
        }
    }

    #[cfg(unix)]
    fn entries_outside(root: &Path, old: &Path) -> Vec<(std::path::PathBuf, String)> {
        entries(root)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(old))
            .collect()
    }

    #[test]
    fn a_link_is_never_taken_for_a_folder_to_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("target");
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::write(target.join("keep"), "").expect("write");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&target, dir.path().join("link")).expect("symlink");
            assert!(remove_tree(&dir.path().join("link")).is_err());
            assert!(target.join("keep").exists());
        }
    }
}
