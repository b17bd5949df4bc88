//! The preview server's request path → relative file path mapping: whatever it
//! accepts must stay below the root, lexically, before any file system access.
#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Some(rel) = kabar::internals::safe_path(raw) else {
        return;
    };
    // Accepted paths are well-formed: every `%` starts an escape of two hex digits.
    let b = raw.as_bytes();
    for (i, _) in raw.match_indices('%') {
        assert!(
            b.get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
            "{raw:?} has a malformed escape at byte {i} but was accepted as {rel:?}"
        );
    }
    assert!(rel.is_relative(), "{raw:?} → absolute {rel:?}");
    for c in rel.components() {
        let Component::Normal(seg) = c else {
            panic!("{raw:?} → {rel:?} has a {c:?} component");
        };
        let seg = seg.to_str().expect("segments are UTF-8");
        assert!(
            !seg.is_empty() && seg != "." && seg != "..",
            "{raw:?} → {rel:?}"
        );
        assert!(!seg.contains(['\0', '\\', '/']), "{raw:?} → {rel:?}");
    }
    let root = Path::new("/srv/kabar-root");
    let joined = root.join(&rel);
    assert!(
        joined.starts_with(root),
        "{raw:?} → {joined:?} leaves the root"
    );
});
