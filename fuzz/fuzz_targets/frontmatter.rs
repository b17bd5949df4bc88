//! Arbitrary text as an article file: split off the front matter, then parse it.
//! Errors are fine; panics, hangs and runaway memory are not.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static TZ: LazyLock<jiff::tz::TimeZone> = LazyLock::new(kabar::internals::jakarta);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((yaml, offset, body)) = kabar::internals::split(text) else {
        return;
    };
    assert!(yaml.len() <= kabar::internals::MAX_FRONT_MATTER_BYTES);
    // The body is a suffix of the input and the YAML lies inside it.
    assert!(text.ends_with(body));
    let _ = kabar::internals::front_matter(Path::new("fuzz.md"), yaml, offset, &TZ);
});
