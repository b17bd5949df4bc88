//! The HTML importer on arbitrary bytes: decoded the way `kabar import` decodes
//! a file (BOM, UTF-8, declared charset, windows-1252 fallback), then imported
//! as a page whose every byte after the doctype is the fuzzer's, JSON-LD, meta
//! tags and `<time>` included. Errors are fine; panics and hangs are not, and
//! what it imports must be a non-empty article kabar can read back.
#![no_main]

use std::sync::LazyLock;

use kabar::internals::decode_input;
use kabar::{ImportOptions, import_str};
use libfuzzer_sys::fuzz_target;

// A fallback date, so that pages without one still reach the finishing steps.
static OPTS: LazyLock<ImportOptions> = LazyLock::new(|| ImportOptions {
    date: Some(jiff::civil::date(2026, 1, 15)),
    ..ImportOptions::default()
});

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"<!DOCTYPE html>".to_vec();
    bytes.extend_from_slice(data);
    let Ok((page, _warning)) = decode_input("fuzz.html", &bytes) else {
        return;
    };
    let Ok(imported) = import_str("fuzz.html", &page, &OPTS) else {
        return;
    };
    assert!(!imported.body.trim().is_empty(), "an empty article was imported");
    let md = imported.to_markdown();
    let front_len = md.find("\n---\n").unwrap_or(md.len());
    if front_len > kabar::internals::MAX_FRONT_MATTER_BYTES {
        return; // An over-long title or summary: `kabar build` refuses it by its size cap.
    }
    kabar::internals::split(&md)
        .unwrap_or_else(|d| panic!("import wrote a file without front matter: {d:?}\n{md}"));
    let rel = imported.relative_path();
    assert!(
        rel.components()
            .all(|c| matches!(c, std::path::Component::Normal(_))),
        "import chose the path {rel:?}"
    );
});
