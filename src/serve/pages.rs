//! Serve, pages: build diagnostics → the HTML page the preview shows in place of
//! every page while the site does not build.
//!
//! Everything from the site is escaped: the messages quote the very files that
//! failed, which are untrusted text.

use std::fmt::Write as _;

use crate::diagnostics::Diagnostic;
use crate::parse::escape_html;
use crate::review::PAGE_STYLE;

/// The page every request gets while the site does not build.
pub(crate) fn error_page(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let mut s = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Build failed — kabar</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<h1 class=\"error\">The site does not build: {errors} error(s)</h1>\n<p>Fix the files below and save; this page reloads by itself.</p>\n<ul class=\"items\">\n"
    );
    for d in diags {
        let (class, word) = if d.is_error() {
            ("error", "error")
        } else {
            ("warning", "warning")
        };
        let _ = write!(
            s,
            "<li><p><span class=\"{class}\">{word}:</span> <span class=\"loc\">{}</span></p>\n<p>{}</p>\n",
            escape_html(&d.location()),
            escape_html(&d.message)
        );
        if d.source.is_some() {
            let _ = writeln!(s, "<pre>{}</pre>", escape_html(&d.render(false)));
        }
        if let Some(h) = &d.hint {
            let _ = writeln!(s, "<p>help: {}</p>", escape_html(h));
        }
        s.push_str("</li>\n");
    }
    s.push_str("</ul>\n</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_page_escapes_everything() {
        let d = Diagnostic::error("content/<x>.md", "bad <script>alert(1)</script>")
            .at(2, 3)
            .hint("use \"quotes\" & <b>");
        let page = error_page(&[d]);
        assert!(!page.contains("<script>"));
        assert!(page.contains("content/&lt;x&gt;.md:2:3"));
        assert!(page.contains("&amp; &lt;b&gt;"));
    }
}
