//! The importer on arbitrary input, once as plain text and once wrapped as an
//! HTML page. Errors are fine; panics and hangs are not. What it imports must be
//! Markdown that kabar itself can read back.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use kabar::{ImportOptions, import_str};
use libfuzzer_sys::fuzz_target;

// A fallback date, so that inputs without one still reach the finishing steps.
static OPTS: LazyLock<ImportOptions> = LazyLock::new(|| ImportOptions {
    date: Some(jiff::civil::date(2026, 1, 15)),
    ..ImportOptions::default()
});

fn check(name: &str, input: &str) {
    let Ok(imported) = import_str(name, input, &OPTS) else {
        return;
    };
    let md = imported.to_markdown();
    let front_len = md.find("\n---\n").unwrap_or(md.len());
    if front_len > kabar::internals::MAX_FRONT_MATTER_BYTES {
        return; // An over-long title or summary: `kabar build` refuses it by its size cap.
    }
    let (yaml, _, _) = kabar::internals::split(&md)
        .unwrap_or_else(|d| panic!("import wrote a file without front matter: {d:?}\n{md}"));
    let _ = kabar::internals::front_matter(Path::new("x.md"), yaml, 1, &OPTS.timezone);
    let rel = imported.relative_path();
    assert!(
        rel.components()
            .all(|c| matches!(c, std::path::Component::Normal(_))),
        "import chose the path {rel:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check("fuzz.txt", text);
    let page = format!(
        "<!doctype html><html><head><title>t</title></head><body><article>{text}</article></body></html>"
    );
    check("fuzz.html", &page);
});
