//! `kabar serve` over HTTP: a real server process on a free port (see
//! `harness::Server`), its path safety, hosts, content types, pages and watcher.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{Server, Site, command, raw, write};

const ARTICLE: &str = "/2024/06/25/harga-cabai/";
const LIVERELOAD: &str = "data-event-stream=";

#[test]
fn refuses_traversal_and_malformed_paths_and_stays_up() {
    let server = Server::start(Site::fixture("clean"));
    let secret = "root:x:0:0";
    for path in [
        "/../../etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/static/..%5c..%5cetc/passwd",
        "/index.html%00.css",
        "/%00",
        "/%zz",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    ] {
        let r = server.get(path);
        assert!(
            [400, 403, 404].contains(&r.status),
            "{path}: status {}",
            r.status
        );
        assert!(!r.body.contains(secret), "{path} leaked a file");
    }
    assert_eq!(server.get("/%zz").status, 400);
    let long = format!("/{}", "a".repeat(64 * 1024));
    let r = server.get(&long);
    assert!([400, 414].contains(&r.status), "64 KiB URL: {}", r.status);
    assert_eq!(server.get("/").status, 200, "the server survived");
}

#[test]
fn symlinks_out_of_the_output_are_not_followed() {
    let server = Server::start(Site::fixture("clean"));
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.txt"), "top secret").expect("write");
    let out = server.site.path().join(".kabar-preview");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), out.join("leak.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(outside.path(), out.join("leakdir")).expect("symlink");
    }
    std::fs::write(out.join("inside.txt"), "fine").expect("write");
    assert_eq!(server.get("/inside.txt").body, "fine");
    for path in ["/leak.txt", "/leakdir/secret.txt", "/leakdir/"] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("top secret"), "{path}");
    }
}

/// The file-system half of row 36 without a server, exhaustively: every request path
/// of up to three segments over the names of a tree with symlinks out, loops and links
/// inside (the same tree as the `serve_resolve` fuzz target) resolves to a canonical
/// plain file below the root, or to nothing; never to the outside folder.
#[cfg(unix)]
#[test]
fn resolve_in_stays_below_the_root_for_every_short_path() {
    use kabar::internals::{Resolved, resolve_in, safe_path};
    use std::os::unix::fs::symlink;

    let base = tempfile::tempdir().expect("tempdir");
    let (root, outside) = (base.path().join("root"), base.path().join("outside"));
    for dir in [
        "root/2024/06/25/a",
        "root/tags/t",
        "root/empty",
        "outside/sub",
    ] {
        std::fs::create_dir_all(base.path().join(dir)).expect("mkdir");
    }
    for file in [
        "root/index.html",
        "root/style.css",
        "root/2024/06/25/a/index.html",
        "root/tags/t/index.html",
        "outside/secret.html",
        "outside/sub/x.html",
    ] {
        std::fs::write(base.path().join(file), "x").expect("write");
    }
    for (target, link) in [
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
    ] {
        symlink(target, root.join(link)).expect("symlink");
    }
    let root = root.canonicalize().expect("canonical");
    let outside = outside.canonicalize().expect("canonical");
    let names = [
        "index.html",
        "style.css",
        "2024",
        "06",
        "25",
        "a",
        "tags",
        "t",
        "empty",
        "out-file",
        "out-abs",
        "out-dir",
        "up",
        "loop-a",
        "dangling",
        "self",
        "in-dir",
        "in-file",
        "back",
        "secret.html",
        "sub",
        "x.html",
        "..",
        "%2e%2e",
        "",
    ];
    let mut paths = vec![String::new()];
    for depth in 1..=3 {
        let shorter: Vec<String> = paths
            .iter()
            .filter(|p| p.matches('/').count() == depth - 1)
            .cloned()
            .collect();
        for p in shorter {
            for n in names {
                paths.push(format!("{p}/{n}"));
            }
        }
    }
    let mut files = std::collections::BTreeSet::new();
    for raw in &paths {
        let Some(rel) = safe_path(raw) else { continue };
        if let Resolved::File(p) = resolve_in(&root, &rel) {
            assert!(
                p.starts_with(&root) && !p.starts_with(&outside),
                "{raw} → {p:?}"
            );
            assert_eq!(p.canonicalize().ok().as_ref(), Some(&p), "{raw} → {p:?}");
            assert!(
                std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()),
                "{raw}"
            );
            files.insert(p.strip_prefix(&root).expect("below").to_path_buf());
        }
    }
    // Not vacuous: links inside the root are followed, to the real files.
    let want: std::collections::BTreeSet<_> = [
        "index.html",
        "style.css",
        "tags/t/index.html",
        "2024/06/25/a/index.html",
    ]
    .map(std::path::PathBuf::from)
    .into_iter()
    .collect();
    assert_eq!(files, want);
    assert_eq!(
        resolve_in(&root, Path::new("self/in-file")),
        Resolved::File(root.join("style.css"))
    );
    assert_eq!(
        resolve_in(&root, Path::new("tags/back")),
        Resolved::File(root.join("2024/06/25/a/index.html"))
    );
    assert_eq!(resolve_in(&root, Path::new("out-dir")), Resolved::Missing);
}

#[test]
fn foreign_host_is_forbidden_and_no_cors() {
    let server = Server::start(Site::fixture("clean"));
    let port = server.port;
    for host in [
        "evil.example",
        "evil.example:80",
        &format!("127.0.0.2:{port}"),
    ] {
        assert_eq!(server.request("/", host).status, 403, "{host}");
    }
    let no_host = raw(port, "GET / HTTP/1.0\r\n\r\n");
    assert!([400, 403].contains(&no_host.status), "{}", no_host.status);
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        let r = server.request("/", &host);
        assert_eq!(r.status, 200, "{host}");
        assert!(r.header("access-control-allow-origin").is_none());
    }
}

#[test]
fn unknown_paths_get_the_sites_404_page() {
    let server = Server::start(Site::fixture("clean"));
    let r = server.get("/2024/06/25/no-such-story/");
    assert_eq!(r.status, 404);
    assert!(
        r.body.contains("<h1 class=\"page-title\">404"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Kabar Uji"), "the site's own page");
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
}

#[test]
fn content_types_match_the_files() {
    let server = Server::start(Site::fixture("clean"));
    for (path, want) in [
        ("/", "text/html; charset=utf-8"),
        (ARTICLE, "text/html; charset=utf-8"),
        ("/404.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css"),
        ("/atom.xml", "application/atom+xml"),
        ("/tags/ekonomi/atom.xml", "application/atom+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/feed.json", "application/feed+json"),
        ("/search/meta.json", "application/json"),
        ("/pic.svg", "image/svg+xml"),
        ("/robots.txt", "text/plain"),
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        let ct = r.header("content-type").unwrap_or("");
        assert!(ct.starts_with(want), "{path}: {ct}");
        if want == "application/json" {
            assert_eq!(ct, want, "{path}");
        }
    }
    let r = server.get("/2024");
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some("/2024/"));
}

#[test]
fn live_reload_script_is_served_but_never_built() {
    let server = Server::start(Site::fixture("clean"));
    for path in ["/", ARTICLE, "/_review/"] {
        let r = server.get(path);
        assert!(r.body.contains(LIVERELOAD), "{path}: no live-reload script");
    }
    assert!(!server.get("/feed.json").body.contains(LIVERELOAD));

    let out = tempfile::tempdir().expect("tempdir");
    let public = out.path().join("public");
    let status = command(server.site.path(), &["build", "--drafts", "-o"])
        .arg(&public)
        .output()
        .expect("build");
    assert!(status.status.success(), "{status:?}");
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(!text.contains(LIVERELOAD), "{}", entry.path().display());
            assert!(
                !text.contains("tower-livereload"),
                "{}",
                entry.path().display()
            );
            pages += usize::from(text.contains("<html"));
        }
    }
    assert!(pages > 5, "the build wrote pages");
}

#[test]
fn drafts_are_bannered_with_their_findings_and_listed_in_review() {
    let site = Site::fixture("clean");
    write(
        site.path(),
        "content/draft.md",
        "---\ntitle: \"Rencana <b>jalur</b> sepeda\"\ndate: 2024-06-24\ntags: [Cuaca]\nstatus: draft\n---\nBaca juga: berita lain.\n",
    );
    let server = Server::start(site);
    let page = server.get("/2024/06/24/rencana-b-jalur-b-sepeda/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("banner-draft"), "banner");
    assert!(page.body.contains("no summary"), "findings in the banner");
    assert!(
        page.body.contains("leftover boilerplate"),
        "findings in the banner"
    );
    // Published pages carry no banner.
    assert!(!server.get(ARTICLE).body.contains("class=\"banner"));

    let review = server.get("/_review/");
    assert_eq!(review.status, 200);
    assert!(
        review
            .body
            .contains("href=\"/2024/06/24/rencana-b-jalur-b-sepeda/\"")
    );
    assert!(
        review
            .body
            .contains("Rencana &lt;b&gt;jalur&lt;/b&gt; sepeda")
    );
    assert!(!review.body.contains("<b>jalur"));
    assert!(review.body.contains("no summary"));
    // Styled like the site, in its language, each finding at file:line:col with the
    // item's status and date.
    assert!(
        review.body.contains("href=\"/style.css\""),
        "{}",
        review.body
    );
    assert!(review.body.contains("<html lang=\"id\">"));
    assert!(review.body.contains("Antrean redaksi"));
    assert!(
        review.body.contains("content/draft.md:7:1"),
        "{}",
        review.body
    );
    assert!(review.body.contains("<dt>Status</dt><dd>draft</dd>"));
    assert!(review.body.contains("Senin, 24 Juni 2024"));
    assert_eq!(server.get("/favicon.svg").status, 200);
}

#[test]
fn the_review_page_lists_the_builds_own_warnings_too() {
    let site = Site::fixture("clean");
    let yaml = std::fs::read_to_string(site.path().join("site.yaml")).expect("site.yaml");
    write(
        site.path(),
        "site.yaml",
        &format!("{yaml}\nsections: [Ekonomi]\n"),
    );
    write(
        site.path(),
        "content/typo.md",
        "---\ntitle: \"Salah rubrik\"\ndate: 2024-06-24\ntags: [Cuaca]\nsection: Ekonomy\nsummary: \"Ringkas.\"\n---\nIsi.\n",
    );
    let server = Server::start(site);
    let review = server.get("/_review/");
    assert!(
        review.body.contains("content/typo.md:5:10"),
        "{}",
        review.body
    );
    assert!(
        review.body.contains("did you mean `Ekonomi`?"),
        "{}",
        review.body
    );
}

#[test]
fn a_broken_build_shows_the_error_page_until_fixed() {
    let server = Server::start(Site::fixture("clean"));
    let file = server.site.path().join("content/harga-cabai.md");
    let good = std::fs::read_to_string(&file).expect("read");
    let bad = good.replacen(
        "tags: [Ekonomi]",
        "tags: [Ekonomi]\ntitel: \"<script>alert(1)</script>\"",
        1,
    );
    std::fs::write(&file, &bad).expect("break");

    let page = server.wait_for("/", "the error page", |r| r.status == 500);
    for needle in [
        "content/harga-cabai.md:7:1",
        "unknown key `titel`",
        "did you mean `title`?",
        LIVERELOAD,
    ] {
        assert!(
            page.body.contains(needle),
            "{needle} missing: {}",
            page.body
        );
    }
    assert!(!page.body.contains("<script>alert"), "escaped");
    assert!(
        page.body.contains("&lt;script&gt;alert(1)"),
        "{}",
        page.body
    );
    // Every page shows it, existing or not; assets still load.
    assert_eq!(server.get(ARTICLE).status, 500);
    assert_eq!(server.get("/nope/").status, 500);
    assert_eq!(server.get("/style.css").status, 200);

    std::fs::write(&file, &good).expect("fix");
    let page = server.wait_for(ARTICLE, "recovery", |r| r.status == 200);
    assert!(page.body.contains("Harga cabai turun"));
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_burst_of_saves_gives_one_or_two_rebuilds() {
    let server = Server::start(Site::fixture("clean"));
    let before = server.rebuilds();
    assert_eq!(before, 1, "the initial build");
    let file = server.site.path().join("content/harga-cabai.md");
    let good = std::fs::read_to_string(&file).expect("read");
    // On a loaded machine a sleep can outlast the quiet period (40 ms) and split the
    // burst: each such pause may cost one more rebuild, and no more.
    let mut pauses = 0;
    let mut last = Instant::now();
    for i in 0..100 {
        std::fs::write(&file, format!("{good}\nSimpan ke-{i}.\n")).expect("save");
        std::thread::sleep(Duration::from_millis(8));
        pauses += usize::from(last.elapsed() >= Duration::from_millis(35));
        last = Instant::now();
    }
    server.wait_for(ARTICLE, "the last save", |r| {
        r.body.contains("Simpan ke-99.")
    });
    // Anything still queued would have started by now (quiet period: 40 ms).
    std::thread::sleep(Duration::from_millis(600));
    let rebuilds = server.rebuilds() - before;
    assert!(
        (1..=2 + pauses).contains(&rebuilds),
        "{rebuilds} rebuilds for a burst of 100 saves with {pauses} long pauses"
    );
}

#[test]
fn site_yaml_and_a_new_templates_folder_are_watched() {
    let server = Server::start(Site::fixture("clean"));
    let config = server.site.path().join("site.yaml");
    let good = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, format!("{good}paginate: 0\n")).expect("break");
    let page = server.wait_for("/", "the error page", |r| r.status == 500);
    assert!(
        page.body.contains("`paginate` must be at least 1"),
        "{}",
        page.body
    );
    std::fs::write(&config, &good).expect("fix");
    server.wait_for("/", "recovery", |r| r.status == 200);

    // templates/ did not exist when the server started.
    write(
        server.site.path(),
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Tidak ditemukan di sini</h1>{% endblock content %}",
    );
    let r = server.wait_for("/missing/", "the new 404 template", |r| {
        r.body.contains("Tidak ditemukan di sini")
    });
    assert_eq!(r.status, 404);
}
