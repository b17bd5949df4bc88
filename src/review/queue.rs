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

/// The review queue as an HTML page linking to each preview page: in the site's style
/// (its stylesheet and favicon, which the preview serves) and language, each item with
/// its file, authors, status, dates and embargo, and every lint finding at file:line:col.
pub(crate) fn dashboard(site: &Prepared, lints: &[Diagnostic]) -> String {
    // The build's own warnings (an unknown section, …) belong beside the lints.
    let mut all: Vec<Diagnostic> = site.warnings.iter().chain(lints).cloned().collect();
    all.sort_by(|a, b| {
        (&a.file, a.line, a.col, &a.message).cmp(&(&b.file, b.line, b.col, &b.message))
    });
    all.dedup_by(|a, b| {
        (&a.file, a.line, a.col, &a.message) == (&b.file, b.line, b.col, &b.message)
    });
    let lints = &all[..];
    let groups = queue(site, lints);
    let lang = &site.config.lang;
    let t = crate::render::filters::Strings::new(&site.config);
    let t = t.get(lang);
    let title = escape_html(&site.config.title);
    let mut s = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>{review} — {title}</title>\n<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body class=\"review-page\">\n<header class=\"masthead\"><div class=\"wrap masthead-row\"><a class=\"brand\" href=\"/\">{title}</a><nav aria-label=\"Site\"><a href=\"/\">{home}</a></nav></div></header>\n<main id=\"main\" class=\"wrap\">\n<h1 class=\"page-title\">{review}</h1>\n<p class=\"review-intro\">{intro}</p>\n",
        lang = escape_html(lang),
        review = escape_html(&t.review),
        home = escape_html(&t.home),
        intro = escape_html(&t.review_text),
    );
    let now = jiff::Timestamp::now();
    for g in &groups {
        let _ = write!(
            s,
            "<section class=\"review-group\">\n<h2 class=\"section-label\">{} ({})</h2>\n<ul class=\"review-items\">\n",
            escape_html(g.status.as_str()),
            g.items.len()
        );
        if g.items.is_empty() {
            let _ = writeln!(s, "<li>{}</li>", escape_html(&t.no_findings));
        }
        for item in &g.items {
            let a = item.article;
            item_html(&mut s, a, &item.url, t, now);
            findings_html(&mut s, &item.lints, t);
            s.push_str("</li>\n");
        }
        s.push_str("</ul>\n</section>\n");
    }
    // Findings on published stories (and site files) too: the count alone helps no one.
    let queued: std::collections::HashSet<&Path> = groups
        .iter()
        .flat_map(|g| g.items.iter().map(|i| i.article.path.as_path()))
        .collect();
    let rest: Vec<&Diagnostic> = lints
        .iter()
        .filter(|d| !queued.contains(d.file.as_path()))
        .collect();
    let _ = write!(
        s,
        "<section class=\"review-group\">\n<h2 class=\"section-label\">{} ({})</h2>\n",
        escape_html(&t.findings),
        rest.len()
    );
    if rest.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", escape_html(&t.no_findings));
    } else {
        findings_html(&mut s, &rest, t);
    }
    s.push_str("</section>\n</main>\n</body>\n</html>\n");
    s
}

/// One queue item's heading: title, file, authors, status, dates, embargo.
fn item_html(
    s: &mut String,
    a: &Article,
    url: &str,
    t: &crate::render::filters::Words,
    now: jiff::Timestamp,
) {
    use crate::render::filters::date_time;
    let lang = &a.lang;
    let _ = write!(
        s,
        "<li lang=\"{}\"><a class=\"review-title\" href=\"/{}\" dir=\"auto\">{}</a>\n<dl class=\"review-meta\">",
        escape_html(lang),
        escape_html(url),
        escape_html(&a.title),
    );
    let mut row = |k: &str, v: String| {
        let _ = write!(s, "<div><dt>{}</dt><dd>{v}</dd></div>", escape_html(k));
    };
    row(
        &t.file,
        format!(
            "<code>{}</code>",
            escape_html(&a.path.display().to_string())
        ),
    );
    if !a.authors.is_empty() {
        row(&t.by, escape_html(&a.authors.join(", ")));
    }
    row(&t.status, escape_html(a.status.as_str()));
    row(
        &t.date,
        format!(
            "<time datetime=\"{}\">{}</time>",
            crate::render::filters::rfc3339(&a.date),
            escape_html(&date_time(&a.date, lang))
        ),
    );
    if let Some(u) = &a.updated {
        row(&t.updated, escape_html(&date_time(u, lang)));
    }
    if a.date.timestamp() > now {
        row(&t.embargo, escape_html(&date_time(&a.date, lang)));
    }
    s.push_str("</dl>\n");
}

/// Findings as a list, each at file:line:col.
fn findings_html(s: &mut String, lints: &[&Diagnostic], t: &crate::render::filters::Words) {
    if lints.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<ul class=\"findings\" aria-label=\"{}\">",
        escape_html(&t.findings)
    );
    for d in lints {
        let at = match (d.line, d.col) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", d.file.display()),
            (Some(l), None) => format!("{}:{l}", d.file.display()),
            _ => d.file.display().to_string(),
        };
        let level = match d.severity {
            crate::diagnostics::Severity::Error => "error",
            _ => "warning",
        };
        let _ = write!(
            s,
            "<li class=\"{level}\"><code class=\"loc\">{}</code> {}",
            escape_html(&at),
            escape_html(&d.message)
        );
        if let Some(h) = &d.hint {
            let _ = write!(s, " <span class=\"hint\">{}</span>", escape_html(h));
        }
        s.push_str("</li>\n");
    }
    s.push_str("</ul>\n");
}
