//! The file-system half of the preview server's path resolution: a request path →
//! `serve::safe_path` → `serve::resolve_in` against a fixed tree with symlinks that
//! point out of the root, loop, or stay inside. A resolved file must be a real file
//! below the canonical root, never a file outside it.
#![no_main]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use kabar::internals::{Resolved, resolve_in, safe_path};
use libfuzzer_sys::fuzz_target;

struct Tree {
    /// The canonical served root.
    root: PathBuf,
    /// A canonical folder beside it that nothing may reach.
    outside: PathBuf,
}

/// Built once per process in a fresh temporary folder:
///
/// ```text
/// outside/secret.html, outside/sub/x.html
/// root/index.html, 404.html, style.css, 2024/06/25/a/index.html, tags/t/index.html, empty/
/// root/out-file   -> ../outside/secret.html    (relative, out)
/// root/out-abs    -> <abs>/outside/secret.html (absolute, out)
/// root/out-dir    -> ../outside                (folder, out)
/// root/2024/up    -> ../../outside/sub         (nested, out)
/// root/loop-a     -> loop-b, root/loop-b -> loop-a (loop)
/// root/dangling   -> nowhere
/// root/self       -> .                         (folder, in, cyclic)
/// root/in-dir     -> 2024/06                   (folder, in)
/// root/in-file    -> style.css                 (file, in)
/// root/tags/back  -> ../2024/06/25/a/index.html (file, in, climbs)
/// ```
static TREE: LazyLock<Tree> = LazyLock::new(|| {
    let base = std::env::temp_dir().join(format!("kabar-fuzz-resolve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("root");
    let outside = base.join("outside");
    for dir in [
        root.join("2024/06/25/a"),
        root.join("tags/t"),
        root.join("empty"),
        outside.join("sub"),
    ] {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    for file in [
        root.join("index.html"),
        root.join("404.html"),
        root.join("style.css"),
        root.join("2024/06/25/a/index.html"),
        root.join("tags/t/index.html"),
        outside.join("secret.html"),
        outside.join("sub/x.html"),
    ] {
        std::fs::write(file, "x").expect("write");
    }
    let links: [(&Path, &str); 12] = [
        (Path::new("../outside/secret.html"), "out-file"),
        (&outside.join("secret.html"), "out-abs"),
        (Path::new("../outside"), "out-dir"),
        (Path::new("../../outside/sub"), "2024/up"),
        (Path::new("loop-b"), "loop-a"),
        (Path::new("loop-a"), "loop-b"),
        (Path::new("nowhere"), "dangling"),
        (Path::new("."), "self"),
        (Path::new("2024/06"), "in-dir"),
        (Path::new("style.css"), "in-file"),
        (Path::new("../2024/06/25/a/index.html"), "tags/back"),
        (Path::new("/"), "fs-root"),
    ];
    for (target, link) in links {
        symlink(target, root.join(link)).expect("symlink");
    }
    let tree = Tree {
        root: root.canonicalize().expect("canonical root"),
        outside: outside.canonicalize().expect("canonical outside"),
    };
    // The fixture resolves as the server must resolve it; otherwise the target tests nothing.
    let r = &tree.root;
    for (raw, want) in [
        ("/style.css", Resolved::File(r.join("style.css"))),
        ("/in-file", Resolved::File(r.join("style.css"))),
        ("/self/self/style.css", Resolved::File(r.join("style.css"))),
        (
            "/in-dir/25/a/index.html",
            Resolved::File(r.join("2024/06/25/a/index.html")),
        ),
        (
            "/tags/back",
            Resolved::File(r.join("2024/06/25/a/index.html")),
        ),
        ("/in-dir/", Resolved::Dir),
        ("/empty", Resolved::Dir),
        ("/", Resolved::Dir),
        ("/out-file", Resolved::Missing),
        ("/out-abs", Resolved::Missing),
        ("/out-dir/secret.html", Resolved::Missing),
        ("/out-dir", Resolved::Missing),
        ("/2024/up/x.html", Resolved::Missing),
        ("/loop-a", Resolved::Missing),
        ("/dangling", Resolved::Missing),
        ("/fs-root/etc/passwd", Resolved::Missing),
        ("/%2e%2e/outside/secret.html", Resolved::Missing),
    ] {
        let got = safe_path(raw).map_or(Resolved::Missing, |rel| resolve_in(r, &rel));
        assert_eq!(got, want, "fixture: {raw}");
    }
    tree
});

fn check(raw: &str, rel: &Path, got: &Resolved) {
    let Resolved::File(p) = got else {
        return;
    };
    let t = &*TREE;
    assert!(
        p.starts_with(&t.root),
        "{raw:?} → {rel:?} → {p:?} is outside the root"
    );
    assert!(
        !p.starts_with(&t.outside),
        "{raw:?} → {rel:?} → {p:?} is the outside folder"
    );
    assert!(p.is_absolute(), "{raw:?} → {p:?}");
    let meta = std::fs::symlink_metadata(p).expect("resolved file exists");
    assert!(meta.is_file(), "{raw:?} → {p:?} is not a plain file");
    assert_eq!(
        p.canonicalize().ok().as_deref(),
        Some(p.as_path()),
        "{raw:?} → {p:?} is not canonical"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let root = &TREE.root;
    let Some(rel) = safe_path(raw) else {
        return;
    };
    let got = resolve_in(root, &rel);
    check(raw, &rel, &got);
    // The handler's second step for a folder URL.
    if got == Resolved::Dir {
        let index = rel.join("index.html");
        check(raw, &index, &resolve_in(root, &index));
    }
});
