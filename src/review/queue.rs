//! Review, the queue: a prepared site + its lints → the drafts and review items
//! awaiting an editor, rendered as terminal text (`kabar review`) and as the HTML
//! dashboard the preview serves at `/_review/`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::parse::{Article, Status, escape_html};
use crate::site::Prepared;

#[derive(Debug)]
pub struct QueueItem<'a> {
    pub article: &'a Article,
    /// Path of the article's page below the site root (`2024/06/25/slug/`).
    pub url: String,
    pub lints: Vec<&'a Diagnostic>,
}

#[derive(Debug)]
pub struct QueueGroup<'a> {
    pub status: Status,
    pub items: Vec<QueueItem<'a>>,
}

/// Review items, then drafts; newest first within each; each with its lints.
pub fn queue<'a>(site: &'a Prepared, lints: &'a [Diagnostic]) -> Vec<QueueGroup<'a>> {
    let mut by_file: HashMap<&Path, Vec<&Diagnostic>> = HashMap::new();
    for d in lints {
        by_file.entry(d.file.as_path()).or_default().push(d);
    }
    [Status::Review, Status::Draft]
        .into_iter()
        .map(|status| {
            let mut items: Vec<QueueItem> = site
                .all()
                .into_iter()
                .filter(|a| a.status == status)
                .map(|a| QueueItem {
                    article: a,
                    url: crate::index::article_url(a),
                    lints: by_file.get(a.path.as_path()).cloned().unwrap_or_default(),
                })
                .collect();
            items.sort_by(|x, y| {
                y.article
                    .date
                    .timestamp()
                    .cmp(&x.article.date.timestamp())
                    .then_with(|| x.article.path.cmp(&y.article.path))
            });
            QueueGroup { status, items }
        })
        .collect()
}

/// The queue as plain text for the terminal.
pub fn queue_text(groups: &[QueueGroup]) -> String {
    let mut s = String::new();
    for g in groups {
        let _ = writeln!(
            s,
            "{} ({})",
            g.status.as_str().to_uppercase(),
            g.items.len()
        );
        if g.items.is_empty() {
            s.push_str("  (none)\n");
        }
        for item in &g.items {
            let a = item.article;
            let _ = writeln!(s, "  {}  {}", a.date.date(), a.title);
            let _ = writeln!(s, "      {}  → /{}", a.path.display(), item.url);
            for d in &item.lints {
                let at = d.line.map(|l| format!("line {l}: ")).unwrap_or_default();
                let _ = writeln!(s, "      {at}{}", d.message);
            }
        }
        s.push('\n');
    }
    s
}

/// The style of the dashboard, and of the preview's error page, which sits above
/// review and so borrows it from here.
pub(crate) const PAGE_STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}\
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}pre{background:#f5f5f5;padding:.75rem;overflow:auto;font-size:.85rem}\
.error{color:#b00020}.warning{color:#8a5a00}.loc{font-family:ui-monospace,monospace}ul.items{padding:0;list-style:none}\
ul.items>li{border-top:1px solid #ddd;padding:.6rem 0}.meta{color:#666;font-size:.9rem}\
@media (prefers-color-scheme:dark){body{background:#111;color:#ddd}pre{background:#222}.error{color:#ff6b81}.warning{color:#f5c26b}}";

/// The review queue as an HTML page linking to each preview page.
pub(crate) fn dashboard(site: &Prepared, lints: &[Diagnostic]) -> String {
    let groups = queue(site, lints);
    let mut s = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Review queue — {}</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<h1>Review queue</h1>\n<p><a href=\"/\">← preview front page</a> · {} lint warning(s) across the site</p>\n",
        escape_html(&site.config.title),
        lints.len()
    );
    for g in &groups {
        let _ = write!(
            s,
            "<section>\n<h2>{} ({})</h2>\n<ul class=\"items\">\n",
            escape_html(g.status.as_str()),
            g.items.len()
        );
        if g.items.is_empty() {
            s.push_str("<li>Nothing here.</li>\n");
        }
        for item in &g.items {
            let a = item.article;
            let _ = write!(
                s,
                "<li><a href=\"/{}\" dir=\"auto\">{}</a>\n<div class=\"meta\">{} · <span class=\"loc\">{}</span></div>\n",
                escape_html(&item.url),
                escape_html(&a.title),
                a.date.date(),
                escape_html(&a.path.display().to_string())
            );
            if !item.lints.is_empty() {
                s.push_str("<ul>\n");
                for d in &item.lints {
                    let at = d.line.map(|l| format!("line {l}: ")).unwrap_or_default();
                    let _ = writeln!(
                        s,
                        "<li class=\"warning\">{}{}</li>",
                        escape_html(&at),
                        escape_html(&d.message)
                    );
                }
                s.push_str("</ul>\n");
            }
            s.push_str("</li>\n");
        }
        s.push_str("</ul>\n</section>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}
