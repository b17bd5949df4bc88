//! Deploy to a folder: the build's manifest and the folder's (kept beside it, as a build's
//! is) → a new tree in a staging folder beside the target, exchanged with it in one step.
//!
//! The same ownership rules as a build's output (`write::claim`): the folder must be
//! missing, empty or one kabar made. Changed files are copied from the build; unchanged
//! ones are hard links to the files already deployed (copies where links fail), so a
//! deploy writes only what changed and a web server reading the folder always finds a
//! whole site. A deploy killed before the exchange leaves the old tree in place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{DeployOptions, DeployReport, Error};
use crate::write::{self, Tree};

pub(super) fn deploy(opts: &DeployOptions, tree: &Tree) -> Result<DeployReport, Error> {
    let target = PathBuf::from(&opts.target);
    refuse_overlap(&opts.output, &target)?;
    let claim = write::claim(&target, &opts.root).map_err(|r| {
        Error::NotKabar(format!(
            "refusing to deploy into {}: {}; nothing was changed\n  help: deploy into a new or empty folder, or one kabar deployed to: kabar only replaces folders it made",
            r.folder.display(),
            r.why
        ))
    })?;
    let previous = Tree::read(&target).filter(|t| t.describes(&target));
    let have = previous
        .as_ref()
        .map(|t| t.files.clone())
        .unwrap_or_default();
    let mut plan = super::plan(tree, &have, &have.keys().cloned().collect());
    if previous.is_none() {
        // Killed after the exchange, before the manifest: what is there is kabar's, but
        // unknown, so everything is copied and whatever the new tree lacks goes.
        plan.deletes = existing_files(&target)
            .into_iter()
            .filter(|rel| !tree.files.contains_key(rel))
            .collect();
    }
    // A dry run shows the whole plan, the deletions the guard would stop included.
    if !opts.dry_run {
        super::guard(&plan, opts)?;
    }
    let mut report = DeployReport {
        target: target.display().to_string(),
        ..DeployReport::default()
    };
    let nothing_to_do = plan.uploads.is_empty() && plan.deletes.is_empty() && previous.is_some();
    if opts.dry_run || nothing_to_do {
        report.plan = plan;
        return Ok(report);
    }
    let fail = |what: &str, e: std::io::Error| {
        Error::Failed(format!("cannot {what} {}: {e}", target.display()))
    };
    let staging = write::Staging::new(claim).map_err(|e| fail("stage a new tree beside", e))?;
    staging
        .create_dirs(tree.files.keys().map(String::as_str))
        .map_err(|e| fail("create folders beside", e))?;
    let uploads: BTreeSet<&str> = plan.uploads.iter().map(String::as_str).collect();
    for rel in &plan.uploads {
        let Some(want) = tree.files.get(rel) else {
            continue;
        };
        let bytes = super::read_built(&opts.output, rel, want)?;
        report.bytes += bytes.len() as u64;
        staging
            .emit(rel, &bytes)
            .map_err(|e| fail(&format!("write {rel} beside"), e))?;
    }
    for (rel, entry) in tree
        .files
        .iter()
        .filter(|(rel, _)| !uploads.contains(rel.as_str()))
    {
        staging
            .carry(rel, &target.join(rel), *entry)
            .map_err(|e| fail(&format!("carry {rel} over in"), e))?;
    }
    let new_tree = staging.tree().map_err(|e| fail("record the tree for", e))?;
    staging.commit().map_err(|e| fail("switch", e))?;
    new_tree
        .write(&target)
        .map_err(|e| fail("record the manifest beside", e))?;
    report.plan = plan;
    Ok(report)
}

/// Deploying a folder into itself, or into a folder inside it, would publish the build
/// while replacing it.
fn refuse_overlap(output: &Path, target: &Path) -> Result<(), Error> {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .map(|p| normalise(&p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let (out, to) = (absolute(output), absolute(target));
    if to.starts_with(&out) || out.starts_with(&to) {
        return Err(Error::Target(format!(
            "cannot deploy {} into {}: the target must be a folder outside the build",
            output.display(),
            target.display()
        )));
    }
    Ok(())
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Files under a kabar-made folder, `/`-separated, not following links.
fn existing_files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}
