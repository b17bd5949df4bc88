//! The one test harness: make a site in a temporary folder, run kabar on it (once,
//! or as a preview server spoken to over raw TCP), read what it wrote.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Site {
    dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success; stderr:\n{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn fails(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stderr:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

pub const SITE_YAML: &str = "title: \"Test Digest\"\nbase_url: \"https://news.example.org/\"\nlang: id\ntimezone: Asia/Jakarta\npaginate: 2\n";

/// Front matter + body for a published article.
pub fn article(title: &str, date: &str, tags: &[&str], body: &str) -> String {
    let tags = tags
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "---\ntitle: {title:?}\ndate: {date}\ntags: [{tags}]\nauthors: [Tester]\n---\n\n{body}\n"
    )
}

impl Site {
    pub fn new() -> Site {
        Site::empty().file("site.yaml", SITE_YAML)
    }

    pub fn empty() -> Site {
        Site {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A copy of a fixture folder under tests/fixtures.
    pub fn fixture(name: &str) -> Site {
        let site = Site::empty();
        copy_tree(&fixture_dir(name), site.path());
        site
    }

    /// A writable copy of the bundled digest (the repository's own site).
    pub fn bundled() -> Site {
        let site = Site::empty();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for part in ["site.yaml", "content", "static"] {
            copy_tree(&root.join(part), &site.path().join(part));
        }
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, text: &str) -> Site {
        write(self.path(), rel, text);
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_kabar"))
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run kabar");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs kabar through a wrapper command: `wrapper`, then kabar's path, then
    /// `args` (`setpriv --reuid=… kabar build`, `sh -c '…; exec "$0" "$@"' kabar build`).
    pub fn run_via(&self, wrapper: &[&str], args: &[&str]) -> Run {
        self.run_bin_via(Path::new(env!("CARGO_BIN_EXE_kabar")), wrapper, args)
    }

    /// [`Site::run_via`] with another copy of the kabar binary.
    /// A binary the test has just written may be refused for a moment ("Text file
    /// busy"): a child another test thread forked meanwhile holds the writer's descriptor
    /// until it runs its own program. The run is then tried again.
    pub fn run_bin_via(&self, kabar: &Path, wrapper: &[&str], args: &[&str]) -> Run {
        let (program, rest) = wrapper.split_first().expect("a wrapper command");
        for _ in 0..50 {
            let out = Command::new(program)
                .args(rest)
                .arg(kabar)
                .args(args)
                .current_dir(self.path())
                .env("NO_COLOR", "1")
                .output()
                .unwrap_or_else(|e| panic!("run {program}: {e}"));
            let run = Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            };
            if !(run.code == 126 && run.stderr.contains("Text file busy")) {
                return run;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("{} stayed busy", kabar.display());
    }

    pub fn build(&self) -> Run {
        self.run(&["build", "--quiet"])
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    /// Staging or old-output folders a build left beside the output.
    pub fn build_leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.path())
            .expect("read")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("kabar-staging") || n.contains("kabar-old"))
            .collect()
    }

    /// Every file under `rel` with its bytes, keyed by relative path.
    pub fn tree(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let root = self.path().join(rel);
        walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&root).expect("prefix").to_path_buf();
                (rel, std::fs::read(e.path()).expect("read"))
            })
            .collect()
    }
}

/// A fixture folder under tests/fixtures, to read (copy it with [`Site::fixture`] to write).
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Writes `text` to `rel` below `root`, creating folders.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `kabar -C <root> args…`, ready to run: for a site that is not the working folder.
pub fn command(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kabar"));
    command.arg("-C").arg(root).args(args);
    command
}

/// Runs `kabar -C <root> args…` to the end.
pub fn kabar(root: &Path, args: &[&str]) -> Output {
    command(root, args).output().expect("run kabar")
}

/// Copies a file, or a folder with everything in it.
pub fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(src).expect("prefix");
        // `join("")` would add a trailing slash, which a file path cannot take.
        let target = if rel.as_os_str().is_empty() {
            dst.to_path_buf()
        } else {
            dst.join(rel)
        };
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Parses HTML with a real parser.
pub fn html(text: &str) -> scraper::Html {
    scraper::Html::parse_document(text)
}

pub fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel).collect()
}

pub fn text_of(doc: &scraper::Html, css: &str) -> String {
    select(doc, css)
        .first()
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default()
}

/// A running `kabar serve`, killed when dropped. Its stderr is collected line by line.
pub struct Server {
    child: Child,
    pub port: u16,
    pub log: Arc<Mutex<Vec<String>>>,
    // Keeps the site alive as long as the server.
    pub site: Site,
}

impl Server {
    pub fn start(site: Site) -> Server {
        let mut child = command(site.path(), &["serve", "--port", "0"])
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

    pub fn get(&self, path: &str) -> Response {
        self.request(path, &format!("127.0.0.1:{}", self.port))
    }

    pub fn request(&self, path: &str, host: &str) -> Response {
        raw(
            self.port,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    }

    pub fn rebuilds(&self) -> usize {
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
    pub fn wait_for(&self, path: &str, what: &str, done: impl Fn(&Response) -> bool) -> Response {
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

    /// Waits until the second pass (lints, related lists) has run `n` times: at start,
    /// and once the saves of each edit have paused.
    pub fn wait_settled(&self, n: usize) {
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

    pub fn full_builds(&self) -> usize {
        let log = self.log.lock().expect("log");
        log.iter().filter(|l| l.starts_with("built ")).count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as is and reads the whole answer (`Connection: close`).
pub fn raw(port: u16, request: &str) -> Response {
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

/// Replaces the front matter line that starts with `key:` (or adds one after the fence).
pub fn set_field(text: &str, key: &str, value: &str) -> String {
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

/// An archive of `n` filler stories, one an hour from 2020-01-01 (oldest first), each
/// with the words `arsip` and `catatan` and a word of its own (`letters(i)`): enough
/// articles to fill the search index's base layer.
pub fn archive(n: usize) -> Site {
    let mut site = Site::new();
    for i in 0..n {
        site = site.file(&format!("content/arsip/{i:05}.md"), &filler(i));
    }
    site
}

/// Filler story `i` of `archive`: words of its own in the body, so that no two are
/// near-identical coverage of one story (which search groups into one result).
pub fn filler(i: usize) -> String {
    article(
        &format!("Catatan arsip {}", letters(i)),
        &filler_date(i),
        &[],
        &unique_words(i),
    )
}

/// Six words no other filler has, then `catatan`.
pub fn unique_words(i: usize) -> String {
    let words: Vec<String> = (0..6).map(|k| letters(10_000 + i * 6 + k)).collect();
    format!("{} catatan.", words.join(" "))
}

/// The date of filler story `i`: `i` hours after 2020-01-01 00:00 (months of 28 days).
pub fn filler_date(i: usize) -> String {
    let (d, h) = (i / 24, i % 24);
    format!(
        "{}-{:02}-{:02}T{h:02}:00:00+07:00",
        2020 + d / (28 * 12),
        d / 28 % 12 + 1,
        d % 28 + 1
    )
}

/// `i` as a word of consonants after `kata` (one per decimal digit), which neither
/// stemmer cuts.
pub fn letters(i: usize) -> String {
    let digits: String = format!("{i:04}")
        .bytes()
        .map(|b| char::from(b"bcdfghjlmp"[usize::from(b - b'0')]))
        .collect();
    format!("kata{digits}")
}
