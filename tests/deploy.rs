//! `kabar build`'s published-tree manifest and `kabar deploy`, to a real S3 server (moto,
//! started here on a free port) and to local folders. What is in the bucket is read back
//! over plain HTTP, not through the client under test.
//!
//! The S3 tests need moto's server: `moto_server` on PATH, or else they install it once
//! into `target/moto-venv` (`python3 -m venv` + `pip install 'moto[server]'`), so that
//! `cargo test` alone sets up what it needs. If that fails they fail, unless
//! `KABAR_SKIP_S3=1` says to skip them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::harness::{Run, Site, article, command, raw};

struct Moto {
    port: u16,
    /// moto's request log: one line per request, which tests count by bucket.
    log: std::path::PathBuf,
    _child: std::sync::Mutex<Child>,
}

/// One moto server for the whole test binary, each test with buckets of its own. It is
/// started through a shell that kills it when its stdin closes, which happens when the
/// test process exits however it exits.
fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| {
        if std::env::var("KABAR_SKIP_S3").is_ok_and(|v| v == "1") {
            return None;
        }
        let server = moto_server().unwrap_or_else(|why| {
            panic!("no moto_server ({why}): install it with `pip install 'moto[server]'`, or set KABAR_SKIP_S3=1 to skip the S3 tests")
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::env::temp_dir().join(format!("kabar-test-moto-{}.log", std::process::id()));
        let script = format!(
            "'{}' -H 127.0.0.1 -p {port} >'{}' 2>&1 & pid=$!; read _; kill $pid; rm -f '{}'",
            server.display(),
            log.display(),
            log.display()
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .spawn()
            .expect("start moto_server");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Moto {
            port,
            log,
            _child: std::sync::Mutex::new(child),
        })
    })
    .as_ref()
}

/// `moto_server` from PATH, or from a virtual environment under `target/` that is made
/// (once per checkout) when PATH has none.
fn moto_server() -> Result<std::path::PathBuf, String> {
    let works = |program: &Path| {
        Command::new(program)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let on_path = Path::new("moto_server");
    if works(on_path) {
        return Ok(on_path.to_path_buf());
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/moto-venv");
    let server = venv.join("bin/moto_server");
    if works(&server) {
        return Ok(server);
    }
    let run = |program: &Path, args: &[&str]| {
        Command::new(program)
            .args(args)
            .status()
            .map_err(|e| format!("{}: {e}", program.display()))
            .and_then(|s| {
                s.success()
                    .then_some(())
                    .ok_or(format!("{} {args:?} failed", program.display()))
            })
    };
    let venv_arg = venv.to_string_lossy().into_owned();
    run(Path::new("python3"), &["-m", "venv", &venv_arg])?;
    run(
        &venv.join("bin/pip"),
        &["install", "--quiet", "moto[server]"],
    )?;
    if works(&server) {
        Ok(server)
    } else {
        Err(format!(
            "{} does not run after installing",
            server.display()
        ))
    }
}

macro_rules! need_moto {
    () => {
        match moto() {
            Some(m) => m,
            None => {
                eprintln!("skipped: KABAR_SKIP_S3=1");
                return;
            }
        }
    };
}

/// One object as the server has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Object {
    etag: String,
    size: u64,
    modified: String,
}

impl Moto {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Requests the server has answered for `bucket` so far.
    fn requests(&self, bucket: &str) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let at = format!(" /{bucket}");
        log.lines()
            .filter(|l| {
                l.split_once(&at)
                    .is_some_and(|(_, rest)| rest.starts_with(['/', '?', ' ']))
            })
            .count()
    }

    /// A plain request; moto wants some Authorization header on a DELETE, not a valid one.
    fn request(&self, method: &str, path: &str, body: &str) -> crate::harness::Response {
        raw(
            self.port,
            &format!(
                "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                self.port,
                body.len()
            ),
        )
    }

    /// A new, empty bucket with a name no other test uses.
    fn bucket(&self, name: &str) -> String {
        let r = self.request("PUT", &format!("/{name}"), "");
        assert_eq!(r.status, 200, "create bucket {name}: {}", r.body);
        name.to_string()
    }

    /// Every object in the bucket by key.
    fn list(&self, bucket: &str) -> BTreeMap<String, Object> {
        let mut all = BTreeMap::new();
        let mut token = String::new();
        loop {
            let r = self.request(
                "GET",
                &format!("/{bucket}?list-type=2&max-keys=1000{token}"),
                "",
            );
            assert_eq!(r.status, 200, "list {bucket}: {}", r.body);
            for item in r.body.split("<Contents>").skip(1) {
                let field = |name: &str| {
                    item.split(&format!("<{name}>"))
                        .nth(1)
                        .and_then(|s| s.split(&format!("</{name}>")).next())
                        .unwrap_or_default()
                        .replace("&quot;", "")
                        .replace('"', "")
                };
                all.insert(
                    field("Key"),
                    Object {
                        etag: field("ETag"),
                        size: field("Size").parse().unwrap_or(u64::MAX),
                        modified: field("LastModified"),
                    },
                );
            }
            match r.body.split("<NextContinuationToken>").nth(1) {
                Some(rest) => {
                    let t = rest.split('<').next().unwrap_or_default();
                    token = format!("&continuation-token={t}");
                }
                None => return all,
            }
        }
    }

    fn get(&self, bucket: &str, key: &str) -> crate::harness::Response {
        self.request("GET", &format!("/{bucket}/{key}"), "")
    }
}

/// `kabar -C site deploy …` with credentials for moto.
fn deploy(site: &Path, moto: &Moto, args: &[&str]) -> Run {
    run(deploy_command(site, moto, args))
}

fn deploy_command(site: &Path, moto: &Moto, args: &[&str]) -> Command {
    let mut cmd = command(site, &["deploy"]);
    cmd.args(args);
    if !args.contains(&"--endpoint") {
        cmd.args(["--endpoint", &moto.endpoint()]);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    cmd
}

/// Starts `cmd`, waits until `ready` says it is halfway, and kills it with SIGKILL: no
/// handler, no flush, as when a machine goes down. Fails if it finished first.
fn kill_when(mut cmd: Command, mut ready: impl FnMut() -> bool) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kabar");
    let started = Instant::now();
    while !ready() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "it finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "it never got halfway"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.env("NO_COLOR", "1").output().expect("run kabar");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn build(site: &Site) -> Run {
    run(command(site.path(), &["build"]))
}

/// The number after `label` in a summary line: `sent 12 files` → 12.
fn number(text: &str, label: &str) -> usize {
    text.split(label)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in:\n{text}"))
}

/// path → MD5 of every file under `dir`.
fn files(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("under")
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(e.path()).expect("read");
            (rel, kabar::internals::Entry::of(&bytes).md5_hex())
        })
        .collect()
}

fn bucket_files(moto: &Moto, bucket: &str, prefix: &str) -> BTreeMap<String, String> {
    moto.list(bucket)
        .into_iter()
        .filter_map(|(k, o)| Some((k.strip_prefix(prefix)?.to_string(), o.etag)))
        .filter(|(k, _)| !k.starts_with(".kabar-deploy"))
        .collect()
}

fn new_article(site: &Site, slug: &str) {
    crate::harness::write(
        site.path(),
        &format!("content/2024/06/30/{slug}.md"),
        &article(
            "Banjir susulan di pesisir",
            "2024-06-30T08:00:00+07:00",
            &["banjir"],
            "Air naik lagi pagi ini.",
        ),
    );
}

/// A build's summary: (files written, added, changed, removed).
fn changes(stderr: &str) -> (usize, usize, usize, usize) {
    (
        number(stderr, "("),
        number(stderr, "files: "),
        number(stderr, "added, "),
        number(stderr, "changed, "),
    )
}

#[test]
fn build_records_the_published_tree_beside_the_output_and_counts_changes() {
    let site = Site::bundled();
    let first = build(&site).ok();
    let (n, added, changed, removed) = changes(&first.stderr);
    assert_eq!((added, changed, removed), (n, 0, 0), "{}", first.stderr);
    let manifest = site.read(".public.kabar-tree");
    let public = files(&site.path().join("public"));
    assert!(
        !public.keys().any(|k| k.contains("kabar")),
        "nothing of kabar's inside the output"
    );
    let recorded: BTreeMap<String, String> = manifest
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            (f[3].to_string(), f[0].to_string())
        })
        .collect();
    assert_eq!(recorded, public);
    assert!(manifest.contains("\ttext/html; charset=utf-8\tindex.html\n"));
    new_article(&site, "banjir-susulan");
    let second = build(&site).ok();
    let (_, added, changed, removed) = changes(&second.stderr);
    assert!(
        added >= 1 && changed >= 1 && removed == 0,
        "{}",
        second.stderr
    );
    let listing = site.read(".public.kabar-tree");
    assert_eq!(listing.lines().count() - 2, n + added, "{}", second.stderr);
    std::fs::remove_file(site.path().join("content/2024/06/30/banjir-susulan.md"))
        .expect("retract");
    let third = build(&site).ok();
    assert_eq!(changes(&third.stderr).3, added, "{}", third.stderr);
}

#[test]
fn s3_first_deploy_sends_everything_the_second_nothing_and_a_new_article_only_what_changed() {
    let moto = need_moto!();
    let bucket = moto.bucket("kabar-cycle");
    let site = Site::bundled();
    build(&site).ok();
    let target = format!("s3://{bucket}/news");
    let first = deploy(site.path(), moto, &[&target]).ok();
    let public = files(&site.path().join("public"));
    assert_eq!(
        number(&first.stderr, "sent "),
        public.len(),
        "{}",
        first.stderr
    );
    assert_eq!(
        bucket_files(moto, &bucket, "news/"),
        public,
        "the bucket holds the build, byte for byte"
    );
    let listed = moto.list(&bucket);
    assert!(
        listed.contains_key("news/.kabar-deploy")
            && !listed.contains_key("news/.kabar-deploy-pending")
    );
    let page = moto.get(&bucket, "news/index.html");
    assert_eq!(page.body, site.read("public/index.html"));
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.header("cache-control"),
        Some("public, max-age=60, must-revalidate")
    );
    let css = moto.get(&bucket, "news/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("cache-control"), Some("public, max-age=600"));
    let feed = moto.get(&bucket, "news/atom.xml");
    assert_eq!(
        feed.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );

    // LastModified has one-second resolution: wait so a re-upload would show.
    std::thread::sleep(Duration::from_millis(1100));
    let before = moto.requests(&bucket);
    let second = deploy(site.path(), moto, &[&target]).ok();
    assert_eq!(number(&second.stderr, "sent "), 0, "{}", second.stderr);
    let asked = moto.requests(&bucket) - before;
    assert_eq!(
        asked,
        number(&second.stderr, "; "),
        "the server saw what kabar counted"
    );
    assert!(
        asked <= 5,
        "two manifest reads and three checks, no listing: {}",
        second.stderr
    );
    assert_eq!(
        moto.list(&bucket),
        listed,
        "nothing in the bucket was touched"
    );

    new_article(&site, "banjir-susulan");
    let built = build(&site).ok();
    let (_, added, changed, _) = changes(&built.stderr);
    let before = moto.requests(&bucket);
    let third = deploy(site.path(), moto, &[&target]).ok();
    assert_eq!(
        number(&third.stderr, "sent "),
        added + changed,
        "{}\n{}",
        built.stderr,
        third.stderr
    );
    // Reads and checks (5), the record of the deploy under way, the files, the
    // manifest, the record removed.
    assert_eq!(moto.requests(&bucket) - before, 5 + 1 + added + changed + 2);
    let now = moto.list(&bucket);
    let touched: Vec<&String> = now
        .iter()
        .filter(|(k, o)| {
            listed.get(*k).is_none_or(|old| old != *o) && !k.ends_with(".kabar-deploy")
        })
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        touched.len(),
        added + changed,
        "only the changed files were written: {touched:?}"
    );
    assert!(touched.iter().any(|k| k.contains("banjir-susulan")));
    assert_eq!(
        bucket_files(moto, &bucket, "news/"),
        files(&site.path().join("public"))
    );
}

#[test]
fn s3_a_retraction_deletes_its_pages_but_never_files_kabar_did_not_put_there() {
    let moto = need_moto!();
    let bucket = moto.bucket("kabar-retract");
    let site = Site::bundled();
    new_article(&site, "banjir-susulan");
    build(&site).ok();
    let target = format!("s3://{bucket}");
    deploy(site.path(), moto, &[&target]).ok();
    assert_eq!(
        moto.request("PUT", &format!("/{bucket}/theirs.txt"), "keep")
            .status,
        200
    );
    std::fs::remove_file(site.path().join("content/2024/06/30/banjir-susulan.md"))
        .expect("retract");
    build(&site).ok();

    let guarded = deploy(site.path(), moto, &[&target, "--max-deletes", "0"]).fails(2);
    assert!(
        guarded.stderr.contains("refusing to delete") && guarded.stderr.contains("--max-deletes"),
        "{}",
        guarded.stderr
    );
    assert!(
        moto.list(&bucket)
            .keys()
            .any(|k| k.contains("banjir-susulan")),
        "nothing was deleted"
    );

    let dry = deploy(
        site.path(),
        moto,
        &[&target, "--dry-run", "--max-deletes", "0"],
    )
    .ok();
    assert!(dry.stderr.contains("would refuse"), "{}", dry.stderr);
    assert!(
        dry.stdout
            .lines()
            .any(|l| l.starts_with("delete ") && l.contains("banjir-susulan")),
        "{}",
        dry.stdout
    );
    assert!(
        moto.list(&bucket)
            .keys()
            .any(|k| k.contains("banjir-susulan")),
        "a dry run changes nothing"
    );

    let done = deploy(site.path(), moto, &[&target]).ok();
    assert!(number(&done.stderr, "bytes), ") >= 1, "{}", done.stderr);
    let after = moto.list(&bucket);
    assert!(
        !after.keys().any(|k| k.contains("banjir-susulan")),
        "{after:?}"
    );
    assert!(
        after.contains_key("theirs.txt"),
        "a file kabar did not put there stays"
    );
    let mut expected = files(&site.path().join("public"));
    expected.insert(
        "theirs.txt".into(),
        kabar::internals::Entry::of(b"keep").md5_hex(),
    );
    assert_eq!(bucket_files(moto, &bucket, ""), expected);
}

#[test]
fn s3_an_interrupted_deploy_resumes_without_sending_again_what_arrived() {
    let moto = need_moto!();
    let bucket = moto.bucket("kabar-resume");
    let site = Site::bundled();
    build(&site).ok();
    let target = format!("s3://{bucket}/site");
    // Slowed down by a proxy so that it can be killed with a few files in the bucket.
    let slow = format!(
        "http://127.0.0.1:{}",
        proxy(moto.port, Fault::Slow(Duration::from_millis(40)))
    );
    kill_when(
        deploy_command(site.path(), moto, &[&target, "--endpoint", &slow]),
        || moto.list(&bucket).len() > 6,
    );
    // Uploads in flight when the process died may still land; let them.
    std::thread::sleep(Duration::from_millis(500));
    let half = moto.list(&bucket);
    assert!(
        half.contains_key("site/.kabar-deploy-pending") && !half.contains_key("site/.kabar-deploy")
    );
    let arrived = half.len() - 1;
    let total = files(&site.path().join("public")).len();
    assert!(arrived >= 6 && arrived < total, "{half:?}");
    std::thread::sleep(Duration::from_millis(1100));
    let resumed = deploy(site.path(), moto, &[&target]).ok();
    assert_eq!(
        number(&resumed.stderr, "sent "),
        total - arrived,
        "{}",
        resumed.stderr
    );
    assert_eq!(
        number(&resumed.stderr, "unchanged, "),
        arrived,
        "{}",
        resumed.stderr
    );
    let done = moto.list(&bucket);
    for (k, o) in &half {
        if !k.ends_with("pending") {
            assert_eq!(done.get(k), Some(o), "{k} was not sent again");
        }
    }
    assert!(!done.contains_key("site/.kabar-deploy-pending"));
    assert_eq!(
        bucket_files(moto, &bucket, "site/"),
        files(&site.path().join("public"))
    );
    let again = deploy(site.path(), moto, &[&target]).ok();
    assert_eq!(number(&again.stderr, "sent "), 0);
}

#[test]
fn s3_bad_input_gives_a_clear_error_and_changes_nothing() {
    let moto = need_moto!();
    let site = Site::bundled();
    build(&site).ok();

    let mut cmd = command(
        site.path(),
        &[
            "deploy",
            "s3://kabar-nocreds",
            "--endpoint",
            &moto.endpoint(),
        ],
    );
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    run(cmd).fails(2).stderr_has("no S3 credentials");

    deploy(site.path(), moto, &["s3://kabar-no-such-bucket"])
        .fails(2)
        .stderr_has("no such bucket");

    let foreign = moto.bucket("kabar-foreign");
    assert_eq!(
        moto.request("PUT", &format!("/{foreign}/index.html"), "mine")
            .status,
        200
    );
    let before = moto.list(&foreign);
    deploy(site.path(), moto, &[&format!("s3://{foreign}")])
        .fails(2)
        .stderr_has("no kabar deploy manifest");
    assert_eq!(moto.list(&foreign), before);
    assert_eq!(moto.get(&foreign, "index.html").body, "mine");

    let garbled = moto.bucket("kabar-garbled");
    assert_eq!(
        moto.request(
            "PUT",
            &format!("/{garbled}/.kabar-deploy"),
            "not a manifest"
        )
        .status,
        200
    );
    deploy(site.path(), moto, &[&format!("s3://{garbled}")])
        .fails(2)
        .stderr_has("not a manifest");

    // A bucket emptied by hand after a deploy: its manifest no longer says what is there.
    let emptied = moto.bucket("kabar-emptied");
    let target = format!("s3://{emptied}");
    deploy(site.path(), moto, &[&target]).ok();
    for key in moto
        .list(&emptied)
        .keys()
        .filter(|k| !k.starts_with(".kabar"))
    {
        assert_eq!(
            moto.request("DELETE", &format!("/{emptied}/{key}"), "")
                .status,
            204
        );
    }
    let before = moto.list(&emptied);
    deploy(site.path(), moto, &[&target])
        .fails(2)
        .stderr_has("does not match the bucket")
        .stderr_has("--verify");
    assert_eq!(moto.list(&emptied), before);
    let fixed = deploy(site.path(), moto, &[&target, "--verify"]).ok();
    assert_eq!(
        number(&fixed.stderr, "sent "),
        files(&site.path().join("public")).len()
    );
    assert_eq!(
        bucket_files(moto, &emptied, ""),
        files(&site.path().join("public"))
    );

    // No build to deploy, or a build whose manifest names another folder.
    let unbuilt = Site::bundled();
    deploy(unbuilt.path(), moto, &[&target])
        .fails(2)
        .stderr_has("kabar build");
    deploy(site.path(), moto, &["ftp://example/x"])
        .fails(2)
        .stderr_has("unsupported target");
}

#[test]
fn s3_a_dry_run_lists_the_plan_and_sends_nothing() {
    let moto = need_moto!();
    let bucket = moto.bucket("kabar-dry");
    let site = Site::bundled();
    build(&site).ok();
    let dry = deploy(site.path(), moto, &[&format!("s3://{bucket}"), "--dry-run"]).ok();
    let uploads: Vec<&str> = dry
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("upload "))
        .collect();
    assert_eq!(uploads.len(), files(&site.path().join("public")).len());
    let first_page = uploads
        .iter()
        .position(|p| p.ends_with(".html") || p.ends_with(".xml") || p.ends_with(".json"));
    let last_asset = uploads
        .iter()
        .rposition(|p| p.ends_with(".css") || p.ends_with(".svg") || p.ends_with(".js"));
    assert!(last_asset < first_page, "assets before pages: {uploads:?}");
    assert!(moto.list(&bucket).is_empty());
}

fn deploy_to_folder(site: &Site, target: &Path, args: &[&str]) -> Run {
    run(folder_command(site, target, args))
}

fn folder_command(site: &Site, target: &Path, args: &[&str]) -> Command {
    let mut cmd = command(site.path(), &["deploy"]);
    cmd.arg(target).args(args);
    cmd
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).expect("stat").ino()
}

#[cfg(unix)]
#[test]
fn a_folder_deploy_copies_what_changed_links_the_rest_and_switches_in_one_step() {
    let site = Site::bundled();
    build(&site).ok();
    let www = tempfile::tempdir().expect("tempdir");
    let target = www.path().join("www");
    let first = deploy_to_folder(&site, &target, &[]).ok();
    let public = files(&site.path().join("public"));
    assert_eq!(number(&first.stderr, "sent "), public.len());
    assert_eq!(files(&target), public);
    let css = inode(&target.join("style.css"));
    let second = deploy_to_folder(&site, &target, &[]).ok();
    assert_eq!(number(&second.stderr, "sent "), 0);

    new_article(&site, "banjir-susulan");
    build(&site).ok();
    let third = deploy_to_folder(&site, &target, &[]).ok();
    let sent = number(&third.stderr, "sent ");
    assert!(sent > 0 && sent < public.len() / 2, "{}", third.stderr);
    assert_eq!(files(&target), files(&site.path().join("public")));
    assert_eq!(
        inode(&target.join("style.css")),
        css,
        "an unchanged file is carried over, not copied"
    );
    let beside: Vec<String> = std::fs::read_dir(www.path())
        .expect("read")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging") || n.contains("old"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");

    // A deploy killed halfway leaves the deployed tree whole; the next one finishes.
    std::fs::remove_file(site.path().join("content/2024/06/30/banjir-susulan.md"))
        .expect("retract");
    build(&site).ok();
    let before = files(&target);
    let staging = || {
        std::fs::read_dir(www.path())
            .expect("read")
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains("staging"))
    };
    kill_when(folder_command(&site, &target, &[]), staging);
    assert_eq!(
        files(&target),
        before,
        "a killed deploy changed the served tree"
    );
    deploy_to_folder(&site, &target, &["--max-deletes", "0"])
        .fails(2)
        .stderr_has("--max-deletes");
    assert_eq!(files(&target), before);
    deploy_to_folder(&site, &target, &[]).ok();
    assert_eq!(files(&target), files(&site.path().join("public")));
    assert!(
        !staging(),
        "the killed deploy's staging folder is cleared away"
    );
}

#[test]
fn a_folder_that_is_not_a_kabar_deploy_is_refused_and_left_alone() {
    let site = Site::bundled();
    build(&site).ok();
    let www = tempfile::tempdir().expect("tempdir");
    let theirs = www.path().join("www");
    std::fs::create_dir(&theirs).expect("mkdir");
    std::fs::File::create(theirs.join("index.html"))
        .and_then(|mut f| f.write_all(b"their site"))
        .expect("write");
    deploy_to_folder(&site, &theirs, &[])
        .fails(2)
        .stderr_has("refusing to deploy into");
    assert_eq!(
        std::fs::read_to_string(theirs.join("index.html"))
            .ok()
            .as_deref(),
        Some("their site")
    );
    deploy_to_folder(&site, &site.path().join("public/sub"), &[])
        .fails(2)
        .stderr_has("outside the build");
    let empty = www.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    deploy_to_folder(&site, &empty, &[]).ok();
    assert_eq!(files(&empty), files(&site.path().join("public")));
}

/// What the proxy in front of moto does to the connections it accepts.
#[derive(Clone, Copy)]
enum Fault {
    /// Closes the first N as soon as they are accepted (a network failure), then passes
    /// every connection through.
    Drop(usize),
    /// Answers every request 403 AccessDenied, as S3 does for a bad key.
    Refuse,
    /// Passes everything through, each request held back this long.
    Slow(Duration),
}

fn proxy(to: u16, fault: Fault) -> u16 {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut client) = conn else { continue };
            if matches!(fault, Fault::Drop(first) if n < first) {
                drop(client);
                continue;
            }
            if matches!(fault, Fault::Refuse) {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    let _ = client.read(&mut buf);
                    let body =
                        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
                    let _ = write!(
                        client,
                        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
                continue;
            }
            let Ok(mut server) = std::net::TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            let (Ok(mut c2), Ok(mut s2)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            let delay = match fault {
                Fault::Slow(d) => d,
                _ => Duration::ZERO,
            };
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n @ 1..) = client.read(&mut buf) {
                    std::thread::sleep(delay);
                    if server.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = server.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn s3_network_errors_are_retried_and_a_refused_request_is_reported() {
    let moto = need_moto!();
    let bucket = moto.bucket("kabar-flaky");
    let site = Site::bundled();
    build(&site).ok();
    let flaky = format!("http://127.0.0.1:{}", proxy(moto.port, Fault::Drop(3)));
    let target = format!("s3://{bucket}");
    let done = deploy(site.path(), moto, &[&target, "--endpoint", &flaky]).ok();
    assert_eq!(
        number(&done.stderr, "sent "),
        files(&site.path().join("public")).len()
    );
    assert_eq!(
        bucket_files(moto, &bucket, ""),
        files(&site.path().join("public"))
    );

    let refused = moto.bucket("kabar-refused");
    let denied = format!("http://127.0.0.1:{}", proxy(moto.port, Fault::Refuse));
    deploy(
        site.path(),
        moto,
        &[&format!("s3://{refused}"), "--endpoint", &denied],
    )
    .fails(2)
    .stderr_has("access denied");
    assert!(moto.list(&refused).is_empty());
}
