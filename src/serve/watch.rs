//! Watch: a site folder → events with the changed paths when content/, templates/,
//! static/ or site.yaml change, coalesced so a burst of saves gives one rebuild (two at
//! most), and an idle event once the changes pause.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

/// The watched folders; any of them may appear after the server started.
const DIRS: &[&str] = &["content", "templates", "static"];
/// How long the tree must stay still before a rebuild starts: editors write a
/// file in several steps (temporary file, rename) within a few milliseconds, and
/// `git checkout` many files in quick succession. Every millisecond here is one
/// the editor waits for the page.
const QUIET: Duration = Duration::from_millis(40);
/// How long one file must stay still before its events are reported.
const SETTLE: Duration = Duration::from_millis(25);
/// Someone saving continuously still gets a rebuild this often.
const MAX_WAIT: Duration = Duration::from_secs(2);

/// The source paths changed in one burst, or `None` when events were lost and
/// anything may have changed.
pub type Changes = Option<BTreeSet<PathBuf>>;

/// What the watcher reports.
pub enum Event {
    /// A settled burst of changes.
    Changed(Changes),
    /// No change for `IDLE` since the last `Changed`: time for work that can wait.
    /// Its probe turns `true` as soon as a new change is seen, so that work can
    /// give way to it.
    Idle(crate::GiveWay),
}

/// Quiet time after a rebuild before `Event::Idle`: an editor who saves every few
/// hundred milliseconds never waits for the work left to it.
const IDLE: Duration = Duration::from_millis(500);

/// Starts watching `root` on a background thread that calls `on_event` (the rebuild)
/// after each settled burst of changes, and once more when the changes pause.
/// Runs until the process ends.
pub fn spawn(
    root: &Path,
    mut on_event: impl FnMut(Event) + Send + 'static,
) -> Result<(), crate::Error> {
    let shown = root.to_path_buf();
    let root = root.to_path_buf();
    let (tx, rx) = mpsc::channel::<Changes>();
    // Bursts sent by the debouncer and taken by the loop below: more sent than
    // taken means a change is waiting.
    let sent = Arc::new(AtomicUsize::new(0));
    let sent_by_debouncer = sent.clone();
    let filter_root = root.clone();
    let mut debouncer = new_debouncer(SETTLE, None, move |res: DebounceEventResult| {
        let changes = match res {
            Ok(events) if events.iter().any(|e| e.need_rescan()) => None,
            Ok(events) => Some(
                events
                    .iter()
                    .filter(|e| !e.kind.is_access())
                    .flat_map(|e| &e.paths)
                    .filter(|p| is_source(&filter_root, p))
                    .cloned()
                    .collect::<BTreeSet<PathBuf>>(),
            ),
            // A lost event might have been a save: rebuilding is the safe answer.
            Err(_) => None,
        };
        if changes.as_ref().is_none_or(|c| !c.is_empty()) {
            sent_by_debouncer.fetch_add(1, Ordering::SeqCst);
            let _ = tx.send(changes);
        }
    })
    .map_err(|e| crate::Error::io("watch", &root)(std::io::Error::other(e)))?;
    // site.yaml is watched through its folder: editors replace the file on save,
    // which would silently end a watch on the file itself.
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| crate::Error::io("watch", &root)(std::io::Error::other(e)))?;
    let mut watched: Vec<PathBuf> = Vec::new();
    let mut watch_new = move |debouncer: &mut notify_debouncer_full::Debouncer<_, _>| {
        for dir in DIRS {
            let path = root.join(dir);
            if !watched.contains(&path)
                && path.is_dir()
                && debouncer.watch(&path, RecursiveMode::Recursive).is_ok()
            {
                watched.push(path);
            }
        }
    };
    watch_new(&mut debouncer);
    std::thread::Builder::new()
        .name("kabar-watch".into())
        .spawn(move || {
            let merge = |all: &mut Changes, more: Changes| match (all.as_mut(), more) {
                (Some(all), Some(more)) => all.extend(more),
                _ => *all = None,
            };
            let mut idle_due = false;
            let mut taken = 0;
            loop {
                let next = if idle_due {
                    rx.recv_timeout(IDLE)
                } else {
                    rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
                };
                let mut changes = match next {
                    Ok(changes) => changes,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        idle_due = false;
                        let sent = sent.clone();
                        on_event(Event::Idle(Arc::new(move || {
                            sent.load(Ordering::SeqCst) > taken
                        })));
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                };
                taken += 1;
                let first = Instant::now();
                loop {
                    match rx.recv_timeout(QUIET) {
                        Ok(more) => {
                            taken += 1;
                            merge(&mut changes, more);
                            if first.elapsed() >= MAX_WAIT {
                                break;
                            }
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                watch_new(&mut debouncer);
                on_event(Event::Changed(changes));
                idle_due = true;
            }
        })
        .map_err(crate::Error::io("start the watcher for", shown))?;
    Ok(())
}

/// Whether a changed path is one of the site's sources (not the preview output,
/// not an editor's swap file).
fn is_source(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rel.components().filter_map(|c| match c {
        Component::Normal(s) => Some(s.to_string_lossy()),
        _ => None,
    });
    let Some(first) = parts.next() else {
        return false;
    };
    if first == "site.yaml" {
        return true;
    }
    DIRS.contains(&first.as_ref()) && parts.all(|p| !crate::load::is_ignored_name(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_trigger_rebuilds() {
        let root = Path::new("/site");
        assert!(is_source(root, Path::new("/site/site.yaml")));
        assert!(is_source(root, Path::new("/site/content/2024/a.md")));
        assert!(is_source(root, Path::new("/site/templates")));
        assert!(!is_source(root, Path::new("/site/content/.a.md.swp")));
        assert!(!is_source(
            root,
            Path::new("/site/.kabar-preview/index.html")
        ));
        assert!(!is_source(root, Path::new("/site/public/index.html")));
        assert!(!is_source(root, Path::new("/elsewhere/content/a.md")));
    }
}
