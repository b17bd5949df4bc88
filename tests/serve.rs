//! `kabar serve`: a real server process on a free port, spoken to over raw TCP so
//! that nothing between the test and the server normalises the request.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use kabar::site::BuildOptions;
use kabar::site::preview::Preview;

use crate::harness::copy_tree;
use crate::review::copy_fixture;

/// A running `kabar serve`, killed when dropped. Its stderr is collected line by line.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    // Keeps the site alive as long as the server.
    site: tempfile::TempDir,
}

impl Server {
    fn start(site: tempfile::TempDir) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kabar"))
            .arg("-C")
            .arg(site.path())
            .args(["serve", "--port", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kabar serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(rest) = line.strip_prefix("serving on http://127.0.0.1:") {
                        let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                        let _ = tx.send(port.parse::<u16>().ok());
                    }
                    log.lock().expect("log").push(line);
                }
            });
        }
        let port = rx
            .recv_timeout(Duration::from_secs(60))
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no address printed; stderr: {:?}", log.lock()));
        Server {
            child,
            port,
            log,
            site,
        }
    }

    fn get(&self, path: &str) -> Response {
        self.request(path, &format!("127.0.0.1:{}", self.port))
    }

    fn request(&self, path: &str, host: &str) -> Response {
        raw(
            self.port,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    }

    fn rebuilds(&self) -> usize {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|l| {
                l.starts_with("built ")
                    || l.starts_with("updated ")
                    || l.starts_with("build failed")
            })
            .count()
    }

    /// Polls `path` until `done` holds, or fails after a deadline.
    fn wait_for(&self, path: &str, what: &str, done: impl Fn(&Response) -> bool) -> Response {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.get(path);
            if done(&r) {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last: {} {}; log: {:?}",
                r.status,
                r.body.chars().take(300).collect::<String>(),
                self.log.lock()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as is and reads the whole answer (`Connection: close`).
fn raw(port: u16, request: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("send");
    let mut bytes = Vec::new();
    let _ = s.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: dechunk(body, &text),
    }
}

/// Bodies of HTML pages come chunked (the live-reload script is injected on the fly).
fn dechunk(body: &str, whole: &str) -> String {
    if !whole
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

fn write(site: &Path, rel: &str, text: &str) {
    let path = site.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

const ARTICLE: &str = "/2024/06/25/harga-cabai/";
const LIVERELOAD: &str = "data-event-stream=";

#[test]
fn refuses_traversal_and_malformed_paths_and_stays_up() {
    let server = Server::start(copy_fixture("clean"));
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
    let server = Server::start(copy_fixture("clean"));
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
    use kabar::serve::{Resolved, resolve_in, safe_path};
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
    let server = Server::start(copy_fixture("clean"));
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
    let server = Server::start(copy_fixture("clean"));
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
    let server = Server::start(copy_fixture("clean"));
    for (path, want) in [
        ("/", "text/html; charset=utf-8"),
        (ARTICLE, "text/html; charset=utf-8"),
        ("/404.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css"),
        ("/atom.xml", "application/atom+xml"),
        ("/tags/ekonomi/atom.xml", "application/atom+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/feed.json", "application/feed+json"),
        ("/search-index.json", "application/json"),
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
    let server = Server::start(copy_fixture("clean"));
    for path in ["/", ARTICLE, "/_review/"] {
        let r = server.get(path);
        assert!(r.body.contains(LIVERELOAD), "{path}: no live-reload script");
    }
    assert!(!server.get("/feed.json").body.contains(LIVERELOAD));

    let out = tempfile::tempdir().expect("tempdir");
    let public = out.path().join("public");
    let status = Command::new(env!("CARGO_BIN_EXE_kabar"))
        .arg("-C")
        .arg(server.site.path())
        .args(["build", "--drafts", "-o"])
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
    let site = copy_fixture("clean");
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
}

#[test]
fn a_broken_build_shows_the_error_page_until_fixed() {
    let server = Server::start(copy_fixture("clean"));
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
    let server = Server::start(copy_fixture("clean"));
    let before = server.rebuilds();
    assert_eq!(before, 1, "the initial build");
    let file = server.site.path().join("content/harga-cabai.md");
    let good = std::fs::read_to_string(&file).expect("read");
    let started = Instant::now();
    for i in 0..100 {
        std::fs::write(&file, format!("{good}\nSimpan ke-{i}.\n")).expect("save");
        std::thread::sleep(Duration::from_millis(8));
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    server.wait_for(ARTICLE, "the last save", |r| {
        r.body.contains("Simpan ke-99.")
    });
    // Anything still queued would have started by now (quiet period: 40 ms).
    std::thread::sleep(Duration::from_millis(600));
    let rebuilds = server.rebuilds() - before;
    assert!((1..=2).contains(&rebuilds), "{rebuilds} rebuilds");
}

#[test]
fn site_yaml_and_a_new_templates_folder_are_watched() {
    let server = Server::start(copy_fixture("clean"));
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

/// A writable copy of the bundled digest (the repository's own site).
fn bundled() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for part in ["site.yaml", "content", "static"] {
        copy_tree(&root.join(part), &dir.path().join(part));
    }
    dir
}

/// What `kabar serve` builds with, writing into `out`.
fn preview_options(root: &Path, out: PathBuf) -> BuildOptions {
    BuildOptions {
        output: Some(out),
        drafts: true,
        future: true,
        preview: true,
        base_url: Some("http://127.0.0.1:1111/".into()),
        ..BuildOptions::new(root)
    }
}

/// Asserts that two output folders hold the same files with the same bytes, each
/// file seen through `view`.
#[track_caller]
fn assert_same_files(a: &Path, b: &Path, view: impl Fn(Vec<u8>) -> Vec<u8>, context: &str) {
    let read = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        files_of(dir)
            .into_iter()
            .map(|(p, (_, bytes))| (p, view(bytes)))
            .collect()
    };
    let (a, b) = (read(a), read(b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{context}: the same files"
    );
    for (path, bytes) in &a {
        assert!(
            *bytes == b[path],
            "{context}: {path} differs:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Every file of an output folder with its modification time and bytes.
fn files_of(dir: &Path) -> BTreeMap<String, (SystemTime, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("inside");
            let modified = e.metadata().expect("stat").modified().expect("mtime");
            let bytes = std::fs::read(e.path()).expect("read");
            (rel.to_string_lossy().into_owned(), (modified, bytes))
        })
        .collect()
}

impl Server {
    /// Waits until the second pass (lints, related lists) has run `n` times: at start,
    /// and once the saves of each edit have paused.
    fn wait_settled(&self, n: usize) {
        let settled = || {
            let log = self.log.lock().expect("log");
            log.iter().filter(|l| l.starts_with("settled ")).count()
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while settled() < n {
            assert!(Instant::now() < deadline, "log: {:?}", self.log.lock());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn full_builds(&self) -> usize {
        let log = self.log.lock().expect("log");
        log.iter().filter(|l| l.starts_with("built ")).count()
    }
}

const STORY_PAGE: &str = "/2026/11/18/rob-meluas-pengungsi-bertambah/";

#[test]
fn an_edit_rewrites_only_the_pages_that_show_it() {
    let server = Server::start(bundled());
    server.wait_settled(1);
    let out = server.site.path().join(".kabar-preview");
    let before = files_of(&out);
    let file = server
        .site
        .path()
        .join("content/2026/11/18/rob-meluas-pengungsi-bertambah.md");
    let text = std::fs::read_to_string(&file).expect("read");
    // One word for another: the body changes, its length (and reading time) does not.
    std::fs::write(&file, text.replace("2.300 orang", "2.400 orang")).expect("save");
    server.wait_for(STORY_PAGE, "the edit", |r| r.body.contains("2.400 orang"));
    server.wait_settled(2);
    let after = files_of(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let touched: Vec<&String> = after
        .iter()
        .filter(|(path, (modified, _))| before[*path].0 != *modified)
        .map(|(path, _)| path)
        .collect();
    // The body shows on its own page and in feeds (full text); the article's card,
    // and so every list page, is unchanged.
    assert!(
        touched.contains(&&"2026/11/18/rob-meluas-pengungsi-bertambah/index.html".to_string()),
        "{touched:?}"
    );
    assert!(
        touched
            .iter()
            .all(|p| p.ends_with("rob-meluas-pengungsi-bertambah/index.html")
                || p.ends_with("atom.xml")
                || p.ends_with("feed.json")),
        "{touched:?}"
    );
    assert_eq!(server.full_builds(), 1, "{:?}", server.log.lock());
}

#[test]
fn a_new_article_reaches_every_page_that_lists_it_and_leaves_with_it() {
    let server = Server::start(bundled());
    server.wait_settled(1);
    let title = "Tanggul darurat rampung, warga pesisir kembali ke rumah";
    write(
        server.site.path(),
        "content/2026/11/25/tanggul-rampung.md",
        &format!(
            "---\ntitle: \"{title}\"\ndate: 2026-11-25T08:00:00+07:00\ntags: [Banjir, Pesisir]\n\
             story: banjir-rob-2026\nsummary: \"Air surut dan pengungsi pulang.\"\n---\n\n\
             Tanggul darurat di pesisir utara rampung. Rob surut dan pengungsi pulang ke rumah.\n"
        ),
    );
    let url = "/2026/11/25/tanggul-darurat-rampung-warga-pesisir-kembali-ke-rumah/";
    server.wait_for(url, "its page", |r| r.status == 200);
    for page in [
        "/",
        "/2026/11/25/",
        "/2026/11/",
        "/tags/banjir/",
        "/tags/pesisir/",
    ] {
        let r = server.get(page);
        assert!(r.body.contains(title), "{page} does not list it");
    }
    // Its story's other articles now link to it.
    assert!(server.get(STORY_PAGE).body.contains(url));

    std::fs::remove_file(
        server
            .site
            .path()
            .join("content/2026/11/25/tanggul-rampung.md"),
    )
    .expect("delete");
    server.wait_for(url, "its page to go", |r| r.status == 404);
    for page in ["/", "/tags/banjir/", STORY_PAGE] {
        server.wait_for(page, "the lists to drop it", |r| !r.body.contains(title));
    }
    assert_eq!(server.get("/2026/11/25/").status, 404);
    assert_eq!(server.full_builds(), 1, "{:?}", server.log.lock());
}

#[test]
fn incremental_updates_give_the_files_of_a_full_build() {
    let site = bundled();
    let root = site.path();
    let out = tempfile::tempdir().expect("tempdir");
    let (live_dir, fresh_dir) = (out.path().join("live"), out.path().join("fresh"));
    let mut live = Preview::new(preview_options(root, live_dir.clone()));
    assert!(live.update(None).expect("first build").full);
    let edits: [(&str, Option<&str>); 4] = [
        // A body edit, a title edit, a new article, a deletion.
        (
            "content/2026/11/18/rob-meluas-pengungsi-bertambah.md",
            Some("\nPompa ditambah.\n"),
        ),
        (
            "content/2026/11/12/tarif-kereta-komuter-baru-diumumkan.md",
            None,
        ),
        ("content/2026/11/25/baru.md", Some("")),
        (
            "content/2026/11/19/rob-surut-warga-mulai-bersih-bersih.md",
            None,
        ),
    ];
    for (i, (rel, append)) in edits.iter().enumerate() {
        let path = root.join(rel);
        match (i, append) {
            (2, _) => write(
                root,
                rel,
                "---\ntitle: \"Komuter tambah gerbong pagi\"\ndate: 2026-11-25T06:00:00+07:00\n\
                 tags: [Transportasi]\n---\n\nOperator komuter menambah gerbong pada jam sibuk pagi.\n",
            ),
            (_, Some(more)) => {
                let text = std::fs::read_to_string(&path).expect("read");
                std::fs::write(&path, format!("{text}{more}")).expect("write");
            }
            (1, None) => {
                let text = std::fs::read_to_string(&path).expect("read");
                let text = text.replacen("title: \"", "title: \"Resmi: ", 1);
                std::fs::write(&path, text).expect("write");
            }
            _ => std::fs::remove_file(&path).expect("delete"),
        }
        let changed = BTreeSet::from([path]);
        let update = live.update(Some(&changed)).expect("update");
        assert!(!update.full, "edit {i} rebuilt everything");
    }
    let mut fresh = Preview::new(preview_options(root, fresh_dir.clone()));
    fresh.update(None).expect("full build");
    // Related lists of untouched articles may lag until the second pass.
    let strip = |b: Vec<u8>| without_related(&String::from_utf8_lossy(&b)).into_bytes();
    assert_same_files(&live_dir, &fresh_dir, strip, "first pass");
    // A second pass told that a save is waiting gives way and touches nothing,
    // not even the banners of its new findings.
    let before = files_of(&live_dir);
    let findings = BTreeMap::from([(
        PathBuf::from("content/2026/11/12/tarif-kereta-komuter-baru-diumumkan.md"),
        vec!["no summary".to_string()],
    )]);
    let gave_way = live
        .settle_unless(findings, Some(std::sync::Arc::new(|| true)))
        .expect("second pass, giving way");
    assert_eq!(gave_way, None);
    assert!(files_of(&live_dir) == before, "giving way rewrote files");
    live.settle(BTreeMap::new()).expect("second pass");
    assert_same_files(&live_dir, &fresh_dir, |b| b, "second pass");
}

/// A page without its related-stories section.
fn without_related(html: &str) -> String {
    match (
        html.find("<section class=\"related\""),
        html.find("</section>"),
    ) {
        (Some(start), Some(_)) => {
            let end = html[start..]
                .find("</section>")
                .map_or(html.len(), |e| start + e + "</section>".len());
            format!("{}{}", &html[..start], &html[end..])
        }
        _ => html.to_string(),
    }
}

#[test]
fn an_update_keeps_reporting_a_bad_file_it_did_not_reread() {
    let site = bundled();
    let root = site.path();
    let out = tempfile::tempdir().expect("tempdir");
    let mut preview = Preview::new(preview_options(root, out.path().join("preview")));
    let bad = root.join("content/2026/11/bad.md");
    let fails = |result: Result<_, kabar::site::Error>| match result {
        Err(kabar::site::Error::Content(d)) => {
            assert!(
                d.iter().any(|d| d.file.ends_with("content/2026/11/bad.md")),
                "{d:?}"
            );
        }
        other => panic!("expected the bad file to fail the build: {other:?}"),
    };
    preview.update(None).expect("the first build");
    std::fs::write(
        &bad,
        b"---\ntitle: \"Rusak\"\ndate: 2026-11-20\n---\n\xff\xfe\n",
    )
    .expect("write");
    let bad_event = BTreeSet::from([bad.clone()]);
    fails(preview.update(Some(&bad_event)));
    // An edit elsewhere, read from the watcher's list, does not forget it.
    let other = root.join("content/2026/11/18/rob-meluas-pengungsi-bertambah.md");
    let text = std::fs::read_to_string(&other).expect("read");
    std::fs::write(&other, text.replace("2.300 orang", "2.400 orang")).expect("write");
    fails(preview.update(Some(&BTreeSet::from([other]))));
    std::fs::remove_file(&bad).expect("delete");
    preview
        .update(Some(&bad_event))
        .expect("builds once the bad file is gone");
}

/// Replaces the front matter line that starts with `key:` (or adds one after the
/// opening fence).
fn set_field(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}:");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let end = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "---")
        .map_or(1, |p| p + 1);
    match lines[..end].iter().position(|l| l.starts_with(&prefix)) {
        Some(i) => lines[i] = format!("{key}: {value}"),
        None => lines.insert(1, format!("{key}: {value}")),
    }
    lines.join("\n") + "\n"
}

#[test]
fn any_sequence_of_edits_settles_on_the_files_of_a_full_build() {
    let site = bundled();
    let root = site.path();
    let out = tempfile::tempdir().expect("tempdir");
    let live_dir = out.path().join("live");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk").into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    let tags = ["Banjir", "Ekonomi", "Teknologi", "Pesisir", "Transportasi"];
    let stories = ["banjir-rob-2026", "tarif-komuter", "cerita-baru"];
    let mut live = Preview::new(preview_options(root, live_dir.clone()));
    live.update(None).expect("first build");
    // A fixed pseudo-random walk (64-bit LCG): the same edits on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    for step in 0..24 {
        let pick = next(files.len());
        let path = files[pick].clone();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (what, changed) = match next(7) {
            0 => (
                "retitled (new URL)",
                set_field(&text, "title", &format!("\"Judul baru nomor {step}\"")),
            ),
            1 => (
                "body edited",
                format!("{text}\nWarga pesisir dan petugas pompa bekerja sampai malam {step}.\n"),
            ),
            2 => (
                "retagged",
                set_field(
                    &text,
                    "tags",
                    &format!("[{}, {}]", tags[next(tags.len())], tags[next(tags.len())]),
                ),
            ),
            3 => (
                "redated",
                set_field(
                    &text,
                    "date",
                    &format!(
                        "2026-11-{:02}T{:02}:00:00+07:00",
                        1 + next(28),
                        6 + next(12)
                    ),
                ),
            ),
            4 => (
                "status changed",
                set_field(&text, "status", ["draft", "review", "published"][next(3)]),
            ),
            5 => {
                let new = root.join(format!("content/2026/11/baru-{step}.md"));
                let story = stories[next(stories.len())];
                let body = "---\ntitle: \"x\"\ndate: 2026-11-20T10:00:00+07:00\n---\n\
                    Rob di pesisir utara surut; komuter kembali normal.\n";
                let body = set_field(body, "title", &format!("\"Kabar baru {step}\""));
                let body = set_field(&body, "story", story);
                let body = set_field(&body, "tags", &format!("[{}]", tags[next(tags.len())]));
                std::fs::write(&new, body).expect("add");
                files.push(new.clone());
                live.update(Some(&BTreeSet::from([new]))).expect("added");
                live.settle(BTreeMap::new()).expect("settled");
                continue;
            }
            _ if files.len() > 12 => {
                std::fs::remove_file(&path).expect("delete");
                files.remove(pick);
                live.update(Some(&BTreeSet::from([path]))).expect("deleted");
                live.settle(BTreeMap::new()).expect("settled");
                continue;
            }
            _ => (
                "body edited",
                format!("{text}\nSatu kalimat lagi {step}.\n"),
            ),
        };
        std::fs::write(&path, changed).expect("write");
        live.update(Some(&BTreeSet::from([path.clone()])))
            .unwrap_or_else(|e| panic!("step {step}: {what} {}: {e:?}", path.display()));
        live.settle(BTreeMap::new()).expect("settled");
        if step % 4 == 3 {
            let fresh_dir = out.path().join(format!("fresh-{step}"));
            let mut fresh = Preview::new(preview_options(root, fresh_dir.clone()));
            fresh.update(None).expect("full build");
            let context = format!("step {step}, after {what}");
            assert_same_files(&live_dir, &fresh_dir, |b| b, &context);
        }
    }
}
