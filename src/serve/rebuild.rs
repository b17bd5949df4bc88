//! Serve, the rebuild: a change the watcher reported → the preview output brought
//! up to date in two passes, and a new snapshot (error page, dashboard) for requests.
//!
//! The first pass writes the changed pages at once so the browser reloads quickly;
//! the second, once the saves pause, adds the lints and exact related lists, and
//! gives way to the next save rather than keep the editor waiting.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tower_livereload::Reloader;

use super::pages::error_page;
use super::{REVIEW_PATH, Shared, Snapshot, watch};
use crate::Error;
use crate::diagnostics::{Diagnostic, Severity};
use crate::review::{self, LintOptions};
use crate::site;
use crate::site::preview::Preview;

/// Runs both passes on the watcher's thread for every change to `root`, until the
/// process ends.
pub(super) fn on_change(
    root: &Path,
    mut preview: Preview,
    shared: Arc<Shared>,
    reloader: Reloader,
) -> Result<(), Error> {
    let mut due = false;
    watch::spawn(root, move |event| match event {
        watch::Event::Changed(changes) => {
            due = refresh(&mut preview, &shared, changes.as_ref(), Some(&reloader));
        }
        watch::Event::Idle(give_way) if due => {
            due = !settle(&mut preview, &shared, Some(&reloader), Some(give_way));
        }
        watch::Event::Idle(_) => {}
    })
}

/// The first pass of a rebuild: the changed pages, written and reloaded at once.
/// Returns whether the site built, so that a second pass is due.
pub(super) fn refresh(
    preview: &mut Preview,
    shared: &Shared,
    changes: Option<&BTreeSet<PathBuf>>,
    reloader: Option<&Reloader>,
) -> bool {
    let started = Instant::now();
    match preview.update(changes) {
        Ok(update) => {
            shared.publish(Snapshot {
                error: None,
                review: shared.snapshot().review.clone(),
            });
            reload(reloader);
            eprintln!(
                "{} {} articles in {} ms ({} files written, {} removed)",
                if update.full { "built" } else { "updated" },
                update.articles,
                started.elapsed().as_millis(),
                update.written,
                update.removed,
            );
            true
        }
        Err(e) => {
            shared.publish(failed(e, started));
            reload(reloader);
            false
        }
    }
}

/// The second pass, once the saves pause: the lints (banners and dashboard) and the
/// related lists recomputed over the whole site. Returns `false` when it gave way
/// to a new change and is still due.
pub(super) fn settle(
    preview: &mut Preview,
    shared: &Shared,
    reloader: Option<&Reloader>,
    give_way: Option<crate::GiveWay>,
) -> bool {
    let started = Instant::now();
    let Some(site) = preview.site() else {
        return true;
    };
    let gave_way = || {
        eprintln!(
            "second pass gave way to a new change after {} ms",
            started.elapsed().as_millis()
        );
        false
    };
    let outputs = site::output_paths(preview.options(), site);
    let lint_opts = LintOptions {
        now: jiff::Timestamp::now(),
        broken_link: Severity::Warning,
    };
    let Some(lints) = review::lint_unless(site, &outputs, &lint_opts, give_way.as_ref()) else {
        return gave_way();
    };
    let review = review::dashboard(site, &lints);
    match preview.settle_unless(review::findings(&lints), give_way) {
        Ok(None) => gave_way(),
        Ok(Some(rewritten)) => {
            shared.publish(Snapshot {
                error: None,
                review,
            });
            if rewritten > 0 {
                reload(reloader);
            }
            eprintln!(
                "settled in {} ms: {} lint warning(s) (see {REVIEW_PATH}), {rewritten} files rewritten",
                started.elapsed().as_millis(),
                lints.len(),
            );
            true
        }
        Err(e) => {
            shared.publish(failed(e, started));
            reload(reloader);
            true
        }
    }
}

fn reload(reloader: Option<&Reloader>) {
    if let Some(r) = reloader {
        r.reload();
    }
}

fn failed(e: Error, started: Instant) -> Snapshot {
    let diags = match e {
        Error::Content(d) => d,
        other => vec![Diagnostic::error("(build)", other.to_string())],
    };
    for d in &diags {
        eprintln!("{}\n", d.render(false));
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "build failed after {} ms: {errors} error(s); the browser shows them until they are fixed",
        started.elapsed().as_millis()
    );
    Snapshot {
        error: Some(error_page(&diags)),
        review: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::RwLock;

    use super::*;
    use crate::site::BuildOptions;

    #[test]
    fn the_page_comes_first_and_its_lints_once_the_saves_pause() {
        let site = tempfile::tempdir().expect("tempdir");
        let write = |rel: &str, text: &str| {
            let path = site.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(
            "site.yaml",
            "title: \"T\"\nbase_url: \"https://x.example/\"\n",
        );
        write(
            "content/a.md",
            "---\ntitle: \"A\"\ndate: 2024-06-25\ntags: [X]\nsummary: \"S.\"\n---\nBody.\n",
        );
        let mut preview = Preview::new(BuildOptions {
            drafts: true,
            future: true,
            mode: site::Mode {
                preview: true,
                ..Default::default()
            },
            output: Some(site.path().join(".kabar-preview")),
            ..BuildOptions::new(site.path())
        });
        let shared = Shared {
            root: site.path().join(".kabar-preview"),
            hosts: Vec::new(),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
        };
        assert!(refresh(&mut preview, &shared, None, None));
        settle(&mut preview, &shared, None, None);
        let draft = "---\ntitle: \"B\"\ndate: 2024-06-26\nstatus: draft\n---\nBody.\n";
        write("content/b.md", draft);
        let page = site.path().join(".kabar-preview/2024/06/26/b/index.html");
        let read = || std::fs::read_to_string(&page).expect("the draft's page");

        // The first pass writes the page, not its lints.
        assert!(refresh(&mut preview, &shared, None, None));
        assert!(read().contains("banner-draft") && !read().contains("no summary"));
        assert!(!shared.snapshot().review.contains("/2024/06/26/b/"));

        // The second pass, once the saves pause, adds them.
        settle(&mut preview, &shared, None, None);
        assert!(read().contains("no summary"), "{}", read());
        assert!(shared.snapshot().review.contains("/2024/06/26/b/"));
    }
}
