//! Serve: a site folder → a local preview server: drafts and review items built and
//! bannered, live reload after every rebuild, and an error page while the site is broken.
//!
//! The server only reads files below the preview output folder, whose canonical path
//! is fixed at start; every request path is decoded strictly and resolved against it.

pub mod watch;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_livereload::{LiveReloadLayer, Reloader};

use crate::diagnostics::{Diagnostic, Severity};
use crate::parse::escape_html;
use crate::review::{self, LintOptions, PAGE_STYLE};
use crate::site::preview::Preview;
use crate::site::{self, BuildOptions, Error};

/// Longer request paths are refused before touching the file system.
const MAX_PATH_BYTES: usize = 4096;
/// The review dashboard's URL.
pub const REVIEW_PATH: &str = "/_review/";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Defaults to `<root>/.kabar-preview`.
    pub output: Option<PathBuf>,
    /// Open the front page in a browser once serving.
    pub open: bool,
}

/// What the last rebuild left for requests to see.
#[derive(Default)]
struct Snapshot {
    /// The error page, while the site does not build.
    error: Option<String>,
    review: String,
}

struct Shared {
    /// Canonical output folder; every served file must resolve below it.
    root: PathBuf,
    /// `Host` header values this server answers to (lowercase).
    hosts: Vec<String>,
    snapshot: RwLock<Arc<Snapshot>>,
}

impl Shared {
    fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn publish(&self, s: Snapshot) {
        match self.snapshot.write() {
            Ok(mut g) => *g = Arc::new(s),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(s),
        }
    }
}

/// Builds, serves and rebuilds on change until Ctrl+C. Errors only for what stops the
/// server from starting (port taken, unwritable output); a broken site is served as
/// an error page instead.
pub fn run(opts: &ServeOptions) -> Result<(), Error> {
    let root = opts
        .root
        .canonicalize()
        .map_err(|e| Error::Io(format!("cannot open {}: {e}", opts.root.display())))?;
    if !root.join("content").is_dir() {
        return Err(Error::Io(format!(
            "no content/ folder in {}: run kabar in a site folder, or create one with `kabar init`",
            root.display()
        )));
    }
    let output = opts
        .output
        .clone()
        .unwrap_or_else(|| root.join(".kabar-preview"));
    crate::write::check_output(&output, &root).map_err(Error::Io)?;
    std::fs::create_dir_all(&output)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", output.display())))?;
    let out_root = output
        .canonicalize()
        .map_err(|e| Error::Io(format!("cannot open {}: {e}", output.display())))?;

    let listener = std::net::TcpListener::bind(SocketAddr::new(opts.bind, opts.port))
        .map_err(|e| Error::Io(format!("cannot listen on {}:{}: {e}", opts.bind, opts.port)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Io(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Io(e.to_string()))?
        .port();
    let host = match opts.bind {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let base_url = format!("http://{host}:{port}/");
    let mut hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]", host.as_str()]
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect();
    if let IpAddr::V6(ip) = opts.bind {
        hosts.push(format!("[{ip}]:{port}"));
    } else {
        hosts.push(format!("{}:{port}", opts.bind));
    }

    let build = BuildOptions {
        output: Some(out_root.clone()),
        drafts: true,
        future: true,
        preview: true,
        base_url: Some(base_url.clone()),
        ..BuildOptions::new(&root)
    };
    let shared = Arc::new(Shared {
        root: out_root,
        hosts,
        snapshot: RwLock::new(Arc::new(Snapshot::default())),
    });
    let mut preview = Preview::new(build);
    if refresh(&mut preview, &shared, None, None) {
        settle(&mut preview, &shared, None, None);
    }

    let livereload = LiveReloadLayer::new();
    let reloader: Reloader = livereload.reloader();
    {
        let shared = shared.clone();
        let mut due = false;
        watch::spawn(&root, move |event| match event {
            watch::Event::Changed(changes) => {
                due = refresh(&mut preview, &shared, changes.as_ref(), Some(&reloader));
            }
            watch::Event::Idle(give_way) if due => {
                due = !settle(&mut preview, &shared, Some(&reloader), Some(give_way));
            }
            watch::Event::Idle(_) => {}
        })
        .map_err(Error::Io)?;
    }

    let app = Router::new()
        .route(REVIEW_PATH, axum::routing::get(review_page))
        .fallback(serve_path)
        .layer(livereload)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), host_guard))
        .with_state(shared);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::Io(format!("cannot listen: {e}")))?;
        eprintln!("serving on {base_url} (review queue: {base_url}_review/); Ctrl+C stops");
        if opts.open {
            open_browser(&base_url);
        }
        // Pages go out in several writes (the reload script is appended to the
        // file's body); without NODELAY, Nagle + delayed ACK add 40 ms to each.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::Io(format!("server failed: {e}")))
    })
}

/// The first pass of a rebuild: the changed pages, written and reloaded at once.
/// Returns whether the site built, so that a second pass is due.
fn refresh(
    preview: &mut Preview,
    shared: &Shared,
    changes: Option<&BTreeSet<PathBuf>>,
    reloader: Option<&Reloader>,
) -> bool {
    let started = Instant::now();
    match preview.update(changes) {
        Ok(update) => {
            shared.publish(Snapshot {
                error: None,
                review: shared.snapshot().review.clone(),
            });
            reload(reloader);
            eprintln!(
                "{} {} articles in {} ms ({} files written, {} removed)",
                if update.full { "built" } else { "updated" },
                update.articles,
                started.elapsed().as_millis(),
                update.written,
                update.removed,
            );
            true
        }
        Err(e) => {
            shared.publish(failed(e, started));
            reload(reloader);
            false
        }
    }
}

/// The second pass, once the saves pause: the lints (banners and dashboard) and the
/// related lists recomputed over the whole site. Returns `false` when it gave way
/// to a new change and is still due.
fn settle(
    preview: &mut Preview,
    shared: &Shared,
    reloader: Option<&Reloader>,
    give_way: Option<crate::GiveWay>,
) -> bool {
    let started = Instant::now();
    let Some(site) = preview.site() else {
        return true;
    };
    let gave_way = || {
        eprintln!(
            "second pass gave way to a new change after {} ms",
            started.elapsed().as_millis()
        );
        false
    };
    let outputs = site::output_paths(preview.options(), site);
    let lint_opts = LintOptions {
        now: jiff::Timestamp::now(),
        broken_link: Severity::Warning,
    };
    let Some(lints) = review::lint_unless(site, &outputs, &lint_opts, give_way.as_ref()) else {
        return gave_way();
    };
    let review = review::dashboard(site, &lints);
    match preview.settle_unless(review::findings(&lints), give_way) {
        Ok(None) => gave_way(),
        Ok(Some(rewritten)) => {
            shared.publish(Snapshot {
                error: None,
                review,
            });
            if rewritten > 0 {
                reload(reloader);
            }
            eprintln!(
                "settled in {} ms: {} lint warning(s) (see {REVIEW_PATH}), {rewritten} files rewritten",
                started.elapsed().as_millis(),
                lints.len(),
            );
            true
        }
        Err(e) => {
            shared.publish(failed(e, started));
            reload(reloader);
            true
        }
    }
}

fn reload(reloader: Option<&Reloader>) {
    if let Some(r) = reloader {
        r.reload();
    }
}

fn failed(e: Error, started: Instant) -> Snapshot {
    let diags = match e {
        Error::Content(d) => d,
        Error::Io(m) => vec![Diagnostic::error("(build)", m)],
    };
    for d in &diags {
        eprintln!("{}\n", d.render(false));
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "build failed after {} ms: {errors} error(s); the browser shows them until they are fixed",
        started.elapsed().as_millis()
    );
    Snapshot {
        error: Some(error_page(&diags)),
        review: String::new(),
    }
}

/// Answers only requests addressed to this server by name: a page on another site
/// cannot reach it through DNS rebinding.
async fn host_guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .map(str::to_ascii_lowercase);
    match host {
        Some(h) if shared.hosts.contains(&h) => next.run(req).await,
        _ => plain(
            StatusCode::FORBIDDEN,
            "403 Forbidden: unknown Host header\n",
        ),
    }
}

async fn review_page(State(shared): State<Arc<Shared>>) -> Response {
    let snap = shared.snapshot();
    match &snap.error {
        Some(page) => html(StatusCode::INTERNAL_SERVER_ERROR, page.clone()),
        None => html(StatusCode::OK, snap.review.clone()),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    File(PathBuf),
    Dir,
    Missing,
}

/// Resolves `rel` (from [`safe_path`]) below the canonical `root`; anything that
/// leaves it (a symlink pointing out) counts as missing. Blocking; public for the
/// `serve_resolve` fuzz target.
pub fn resolve_in(root: &Path, rel: &Path) -> Resolved {
    let Ok(real) = std::fs::canonicalize(root.join(rel)) else {
        return Resolved::Missing;
    };
    if !real.starts_with(root) {
        return Resolved::Missing;
    }
    match std::fs::metadata(&real) {
        Ok(m) if m.is_dir() => Resolved::Dir,
        Ok(m) if m.is_file() => Resolved::File(real),
        _ => Resolved::Missing,
    }
}

async fn resolve(root: &Path, rel: &Path) -> Resolved {
    let (root, rel) = (root.to_path_buf(), rel.to_path_buf());
    tokio::task::spawn_blocking(move || resolve_in(&root, &rel))
        .await
        .unwrap_or(Resolved::Missing)
}

async fn serve_path(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let raw = req.uri().path().to_string();
    if raw.len() > MAX_PATH_BYTES {
        return plain(StatusCode::URI_TOO_LONG, "414 URI Too Long\n");
    }
    let Some(rel) = safe_path(&raw) else {
        return plain(StatusCode::BAD_REQUEST, "400 Bad Request: malformed path\n");
    };
    let snap = shared.snapshot();
    let mut found = resolve(&shared.root, &rel).await;
    if let Resolved::Dir = found {
        if !raw.ends_with('/') {
            // Relative links in the page only work from the folder's own URL.
            let mut location = format!("/{}/", raw.trim_start_matches('/'));
            if let Some(q) = req.uri().query() {
                location = format!("{location}?{q}");
            }
            return match HeaderValue::from_str(&location) {
                Ok(v) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, v)]).into_response(),
                Err(_) => plain(StatusCode::BAD_REQUEST, "400 Bad Request\n"),
            };
        }
        found = resolve(&shared.root, &rel.join("index.html")).await;
    }
    let is_html = |p: &Path| p.extension().is_some_and(|e| e == "html" || e == "htm");
    if let Some(page) = &snap.error {
        let shows_page = match &found {
            Resolved::File(p) => is_html(p),
            _ => true,
        };
        if shows_page {
            return html(StatusCode::INTERNAL_SERVER_ERROR, page.clone());
        }
    }
    let Resolved::File(path) = found else {
        return not_found(&shared).await;
    };
    let content_type = content_type(&path);
    match ServeFile::new(&path).try_call(req).await {
        Ok(resp) => {
            let mut resp = resp.map(Body::new);
            if resp.status().is_success() {
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            resp
        }
        Err(_) => not_found(&shared).await,
    }
}

/// The site's own 404 page, with status 404.
async fn not_found(shared: &Shared) -> Response {
    if let Resolved::File(p) = resolve(&shared.root, Path::new("404.html")).await {
        if let Ok(body) = tokio::fs::read_to_string(&p).await {
            return html(StatusCode::NOT_FOUND, body);
        }
    }
    plain(StatusCode::NOT_FOUND, "404 Not Found\n")
}

/// A request path → a relative file system path, or `None` when it is malformed
/// (bad or overlong escapes, bytes that are not UTF-8, NUL, backslashes) or tries
/// to climb (`.`/`..` segments, however encoded).
pub fn safe_path(raw: &str) -> Option<PathBuf> {
    let decoded = review::percent_decode(raw)?;
    let mut rel = PathBuf::new();
    for seg in decoded.split('/').filter(|s| !s.is_empty()) {
        if seg == "." || seg == ".." || seg.contains(['\0', '\\']) {
            return None;
        }
        rel.push(seg);
    }
    Some(rel)
}

/// Content types by extension; browsers need the charset for non-ASCII titles.
pub fn content_type(path: &Path) -> &'static str {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = name.rsplit('.').next().unwrap_or("");
    match ext {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "xml" if name.starts_with("sitemap") => "application/xml",
        "xml" => "application/atom+xml",
        "json" if name == "feed.json" => "application/feed+json",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// The page every request gets while the site does not build.
pub fn error_page(diags: &[Diagnostic]) -> String {
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

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(cmd)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("warning: cannot open a browser ({cmd}: {e}); visit {url}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_comes_first_and_its_lints_once_the_saves_pause() {
        let site = tempfile::tempdir().expect("tempdir");
        let write = |rel: &str, text: &str| {
            let path = site.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(
            "site.yaml",
            "title: \"T\"\nbase_url: \"https://x.example/\"\n",
        );
        write(
            "content/a.md",
            "---\ntitle: \"A\"\ndate: 2024-06-25\ntags: [X]\nsummary: \"S.\"\n---\nBody.\n",
        );
        let mut preview = Preview::new(BuildOptions {
            drafts: true,
            future: true,
            preview: true,
            output: Some(site.path().join(".kabar-preview")),
            ..BuildOptions::new(site.path())
        });
        let shared = Shared {
            root: site.path().join(".kabar-preview"),
            hosts: Vec::new(),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
        };
        assert!(refresh(&mut preview, &shared, None, None));
        settle(&mut preview, &shared, None, None);
        let draft = "---\ntitle: \"B\"\ndate: 2024-06-26\nstatus: draft\n---\nBody.\n";
        write("content/b.md", draft);
        let page = site.path().join(".kabar-preview/2024/06/26/b/index.html");
        let read = || std::fs::read_to_string(&page).expect("the draft's page");

        // The first pass writes the page, not its lints.
        assert!(refresh(&mut preview, &shared, None, None));
        assert!(read().contains("banner-draft") && !read().contains("no summary"));
        assert!(!shared.snapshot().review.contains("/2024/06/26/b/"));

        // The second pass, once the saves pause, adds them.
        settle(&mut preview, &shared, None, None);
        assert!(read().contains("no summary"), "{}", read());
        assert!(shared.snapshot().review.contains("/2024/06/26/b/"));
    }

    #[test]
    fn climbing_and_malformed_paths_are_refused() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/..%2fetc",
            "/a/%00",
            "/%zz",
            "/%c0%ae%c0%ae/",
            "/a\\b",
            "/./x",
            "/a%+1b", // `%+1` is not an escape (see review::percent_decode)
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
        assert_eq!(
            safe_path("/2024/06/25/caf%C3%A9/"),
            Some(PathBuf::from("2024/06/25/café"))
        );
        assert_eq!(safe_path("/"), Some(PathBuf::new()));
    }

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
