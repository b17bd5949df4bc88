//! Serve, HTTP: a request → a file below the preview output folder, the server's
//! own page (dashboard, error page, 404), or a refusal.
//!
//! Path safety lives here: a request path is decoded strictly and never climbs,
//! the file it names must resolve below the canonical root, and a foreign `Host`
//! gets 403 (DNS rebinding).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_livereload::LiveReloadLayer;

use super::{REVIEW_PATH, Shared};
use crate::review;

/// Longer request paths are refused before touching the file system.
const MAX_PATH_BYTES: usize = 4096;

/// Every route, with live reload, no caching, no sniffing, and the `Host` check first.
pub(super) fn router(shared: Arc<Shared>, livereload: LiveReloadLayer) -> Router {
    Router::new()
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
        .with_state(shared)
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
fn content_type(path: &Path) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
