//! Review: a prepared site (`site::Prepared`) → editorial lints as diagnostics, and the
//! queue of drafts and review items for `kabar review` and the preview dashboard.
//!
//! Lints are warnings: they never stop a build. Only `kabar check` turns broken
//! internal links into errors, because a published page with a dead link is a defect.
//! The parts: `lints` (one article on its own), `links` (internal links against the
//! files the build writes), `duplicates` (near-identical articles across the site)
//! and `queue` (what awaits an editor, as text and as the dashboard page).

mod duplicates;
mod links;
mod lints;
mod queue;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use crate::Error;
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::site::{self, BuildOptions, Prepared};
pub(crate) use links::percent_decode;
pub(crate) use lints::findings;
pub(crate) use queue::{PAGE_STYLE, dashboard};
pub use queue::{queue, queue_text};

#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    /// The moment that decides what is future-dated.
    pub now: jiff::Timestamp,
    /// Warning in preview banners, error in `kabar check`.
    pub broken_link: Severity,
}

/// Every lint over every parsed article (drafts included). Links are checked
/// only for articles the build renders, against `outputs` (the paths it writes).
pub fn lint(site: &Prepared, outputs: &BTreeSet<String>, opts: &LintOptions) -> Vec<Diagnostic> {
    lint_unless(site, outputs, opts, None).unwrap_or_default()
}

/// `lint`, abandoned (`None`) as soon as `give_way` says so: the preview's second
/// pass stops for a new save.
pub(crate) fn lint_unless(
    site: &Prepared,
    outputs: &BTreeSet<String>,
    opts: &LintOptions,
    give_way: Option<&crate::GiveWay>,
) -> Option<Vec<Diagnostic>> {
    let stop = || give_way.is_some_and(|g| g());
    let rendered: HashSet<&Path> = site
        .index
        .entries
        .iter()
        .map(|e| e.article.path.as_path())
        .collect();
    let by_slug: HashMap<&str, &str> = site
        .index
        .entries
        .iter()
        .map(|e| (e.article.slug.as_str(), e.url.as_str()))
        .collect();
    let allowed_tags = lints::allowed_tags(&site.config);
    let links = links::LinkCheck {
        base_url: &site.config.base_url,
        base_path: site.config.base_path(),
        outputs,
        by_slug: &by_slug,
        severity: opts.broken_link,
    };
    let all = site.all();
    let per_article: Vec<Vec<Diagnostic>> = all
        .par_iter()
        .map(|a| {
            if stop() {
                return None;
            }
            let mut out = lints::article_lints(a, &allowed_tags, opts.now);
            out.extend(lints::silent_mistakes(
                a,
                &by_slug,
                outputs,
                &links.base_path,
            ));
            if rendered.contains(a.path.as_path()) {
                out.extend(links.check(a));
            }
            Some(out)
        })
        .collect::<Option<_>>()?;
    let mut diags: Vec<Diagnostic> = per_article.into_iter().flatten().collect();
    diags.extend(duplicates::near_duplicates(&all, &stop)?);
    diagnostics::sort(&mut diags);
    Some(diags)
}

/// `kabar check`: every validation of the build, a render without writing (template
/// errors that only show at render time), and the lints, with broken links as errors.
/// Returns every diagnostic, warnings included; `Err` when the build itself fails.
pub fn check(opts: &BuildOptions) -> Result<Vec<Diagnostic>, Error> {
    let site = site::prepare(opts)?;
    let outputs = site::dry_render(opts, &site)?;
    let lint_opts = LintOptions {
        now: opts.mode.now.unwrap_or_else(jiff::Timestamp::now),
        broken_link: Severity::Error,
    };
    let mut diags = site.warnings.clone();
    diags.extend(lint(&site, &outputs, &lint_opts));
    if let Some(previous) = crate::write::Tree::read(&opts.output_dir()) {
        let now: BTreeSet<&str> = outputs.iter().map(String::as_str).collect();
        let gone = previous.files.keys().map(String::as_str);
        diags.extend(site::gone_without_alias(
            gone.filter(|p| !now.contains(p)),
            &site.index,
        ));
    }
    diagnostics::sort(&mut diags);
    Ok(diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lints_give_way_when_asked_and_otherwise_find_the_same() {
        let opts = BuildOptions {
            drafts: true,
            ..BuildOptions::new(env!("CARGO_MANIFEST_DIR"))
        };
        let loaded = site::prepare(&opts).expect("the bundled site builds");
        let outputs = site::output_paths(&opts, &loaded);
        let lint_opts = LintOptions {
            now: jiff::Timestamp::now(),
            broken_link: Severity::Warning,
        };
        let shown = |d: Vec<Diagnostic>| d.iter().map(ToString::to_string).collect::<Vec<_>>();
        let all = shown(lint(&loaded, &outputs, &lint_opts));
        assert!(!all.is_empty(), "the bundled review items have findings");
        let waiting: crate::GiveWay = std::sync::Arc::new(|| true);
        assert!(lint_unless(&loaded, &outputs, &lint_opts, Some(&waiting)).is_none());
        let idle: crate::GiveWay = std::sync::Arc::new(|| false);
        let again = lint_unless(&loaded, &outputs, &lint_opts, Some(&idle)).map(shown);
        assert_eq!(again, Some(all));
    }
}
