//! Serve: a site folder → a local preview server: drafts and review items built and
//! bannered, live reload after every rebuild, and an error page while the site is broken.
//!
//! The server only reads files below the preview output folder, whose canonical path
//! is fixed at start; every request path is decoded strictly and resolved against it.
//! Start-up lives here; `rebuild` runs the two passes after each change, `http`
//! answers requests, `pages` renders the server's own pages and `watch` reports
//! changes to the site folder.

mod http;
mod pages;
mod rebuild;
pub mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::serve::ListenerExt;
use tower_livereload::{LiveReloadLayer, Reloader};

use crate::Error;
use crate::site::BuildOptions;
use crate::site::preview::Preview;
pub use http::{Resolved, resolve_in, safe_path};

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

/// What the rebuilds and the request handlers share.
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
    let (root, out_root) = folders(opts)?;
    let listener = std::net::TcpListener::bind(SocketAddr::new(opts.bind, opts.port)).map_err(
        Error::io("listen on", format!("{}:{}", opts.bind, opts.port)),
    )?;
    let port = listener
        .set_nonblocking(true)
        .and_then(|()| listener.local_addr())
        .map_err(Error::io(
            "listen on",
            format!("{}:{}", opts.bind, opts.port),
        ))?
        .port();
    let (base_url, hosts) = addresses(opts.bind, port);

    let build = BuildOptions {
        output: Some(out_root.clone()),
        drafts: true,
        future: true,
        base_url: Some(base_url.clone()),
        mode: crate::site::Mode {
            preview: true,
            ..Default::default()
        },
        ..BuildOptions::new(&root)
    };
    let shared = Arc::new(Shared {
        root: out_root,
        hosts,
        snapshot: RwLock::new(Arc::new(Snapshot::default())),
    });
    let mut preview = Preview::new(build);
    if rebuild::refresh(&mut preview, &shared, None, None) {
        rebuild::settle(&mut preview, &shared, None, None);
    }

    let livereload = LiveReloadLayer::new();
    let reloader: Reloader = livereload.reloader();
    rebuild::on_change(&root, preview, shared.clone(), reloader)?;
    let app = http::router(shared, livereload);
    serve_until_ctrl_c(listener, app, &base_url, opts.open)
}

/// The canonical site folder and the canonical preview output folder (created).
fn folders(opts: &ServeOptions) -> Result<(PathBuf, PathBuf), Error> {
    let root = opts
        .root
        .canonicalize()
        .map_err(Error::io("open", &opts.root))?;
    if !root.join("content").is_dir() {
        return Err(crate::site::no_content(&root));
    }
    let output = opts
        .output
        .clone()
        .unwrap_or_else(|| root.join(".kabar-preview"));
    crate::write::claim(&output, &root)?;
    std::fs::create_dir_all(&output).map_err(Error::io("create", &output))?;
    let out_root = output.canonicalize().map_err(Error::io("open", &output))?;
    Ok((root, out_root))
}

/// The preview's base URL and the `Host` values it answers to, for `bind` and `port`.
fn addresses(bind: IpAddr, port: u16) -> (String, Vec<String>) {
    let host = match bind {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    let base_url = format!("http://{host}:{port}/");
    let mut hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]", host.as_str()]
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect();
    if let IpAddr::V6(ip) = bind {
        hosts.push(format!("[{ip}]:{port}"));
    } else {
        hosts.push(format!("{bind}:{port}"));
    }
    (base_url, hosts)
}

fn serve_until_ctrl_c(
    listener: std::net::TcpListener,
    app: axum::Router,
    base_url: &str,
    open: bool,
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::io("start the server for", base_url))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(Error::io("listen on", base_url))?;
        eprintln!("serving on {base_url} (review queue: {base_url}_review/); Ctrl+C stops");
        if open {
            open_browser(base_url);
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
            .map_err(Error::io("serve", base_url))
    })
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
