//! `kabar import`: every fixture in tests/fixtures/import must meet its
//! expectations (front matter fields exact, `keep` snippets in the body,
//! `drop` snippets nowhere in the output).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use kabar::internals::decode_input;
use kabar::{ImportOptions, Problem, import_paths, import_str};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
struct Opts {
    date: Option<String>,
    url: Option<String>,
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Expect {
    title: String,
    date: String,
    updated: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    section: Option<String>,
    editor: Option<String>,
    dateline: Option<String>,
    lang: String,
    source: Option<String>,
    summary: Option<String>,
    source_url: Option<String>,
    extra: Option<BTreeMap<String, String>>,
    image: Option<BTreeMap<String, String>>,
    #[serde(default)]
    options: Opts,
    #[serde(default)]
    keep: Vec<String>,
    #[serde(default)]
    drop: Vec<String>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn fixtures() -> Vec<(String, PathBuf, Expect)> {
    let dir = fixtures_dir();
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .expect("fixtures dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let Some(stem) = name.strip_suffix(".expect.yaml") else {
            continue;
        };
        let raw = ["txt", "html"]
            .iter()
            .map(|e| dir.join(format!("{stem}.{e}")))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no raw input for {stem}"));
        let text = fs::read_to_string(&p).expect("read expect");
        let exp: Expect = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((stem.to_string(), raw, exp));
    }
    out
}

fn options(o: &Opts) -> ImportOptions {
    ImportOptions {
        url: o.url.clone(),
        date: o.date.as_deref().map(|d| d.parse().expect("options.date")),
        source: o.source.clone(),
        ..ImportOptions::default()
    }
}

/// Scores one fixture: the list of failed checks.
fn check(stem: &str, raw: &Path, exp: &Expect) -> Vec<String> {
    let bytes = fs::read(raw).expect("read raw");
    let (input, _) = decode_input(stem, &bytes).expect("decode raw");
    let got = match import_str(stem, &input, &options(&exp.options)) {
        Ok(g) => g,
        Err(e) => return vec![format!("import failed: {e}")],
    };
    let f = &got.front;
    let mut bad = Vec::new();
    let mut eq = |what: &str, g: Option<&str>, e: Option<&str>| {
        if g != e {
            bad.push(format!("{what}: got {g:?}, expected {e:?}"));
        }
    };
    eq("title", Some(&f.title), Some(&exp.title));
    eq("date", Some(&f.date), Some(&exp.date));
    eq(
        "authors",
        Some(&f.authors.join(" | ")),
        Some(&exp.authors.join(" | ")),
    );
    eq("editor", f.editor.as_deref(), exp.editor.as_deref());
    eq("updated", f.updated.as_deref(), exp.updated.as_deref());
    eq(
        "tags",
        Some(&f.tags.join(" | ")),
        Some(&exp.tags.join(" | ")),
    );
    eq(
        "section",
        f.extra.get("section").map(String::as_str),
        exp.section.as_deref(),
    );
    eq("dateline", f.dateline.as_deref(), exp.dateline.as_deref());
    eq("lang", f.lang.as_deref(), Some(&exp.lang));
    eq(
        "source",
        f.source.as_ref().and_then(|s| s.name.as_deref()),
        exp.source.as_deref(),
    );
    eq("summary", f.summary.as_deref(), exp.summary.as_deref());
    if let Some(u) = &exp.source_url {
        eq(
            "source.url",
            f.source.as_ref().and_then(|s| s.url.as_deref()),
            Some(u),
        );
    }
    if let Some(x) = &exp.extra {
        eq(
            "extra",
            Some(&format!("{:?}", f.extra)),
            Some(&format!("{x:?}")),
        );
    }
    if let Some(img) = &exp.image {
        let gi = f.image.as_ref();
        for (k, v) in img {
            let g = gi.and_then(|i| match k.as_str() {
                "src" => Some(i.src.as_str()),
                "alt" => i.alt.as_deref(),
                "caption" => i.caption.as_deref(),
                "credit" => i.credit.as_deref(),
                _ => None,
            });
            eq(&format!("image.{k}"), g, Some(v));
        }
    }
    if f.status != "review" {
        bad.push(format!("status: {}", f.status));
    }
    let out = got.to_markdown();
    for k in &exp.keep {
        if !got.body.contains(k.as_str()) {
            bad.push(format!("keep: {k:?} missing from body"));
        }
    }
    for d in &exp.drop {
        if out.contains(d.as_str()) {
            bad.push(format!("drop: {d:?} still in output"));
        }
    }
    bad
}

#[test]
fn fixtures_meet_expectations() {
    let all = fixtures();
    let mut failed = Vec::new();
    for (stem, raw, exp) in &all {
        let bad = check(stem, raw, exp);
        if !bad.is_empty() {
            failed.push(format!("{stem}:\n  {}", bad.join("\n  ")));
        }
    }
    let passed = all.len() - failed.len();
    eprintln!("import fixtures: {passed}/{} pass", all.len());
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(
        all.len() >= 12,
        "need at least 12 fixtures, have {}",
        all.len()
    );
}

#[test]
fn html_and_text_fixtures_both_present() {
    let all = fixtures();
    let html = all
        .iter()
        .filter(|(_, p, _)| p.extension().is_some_and(|e| e == "html"))
        .count();
    assert!(html >= 4, "need at least 4 HTML fixtures, have {html}");
    assert!(all.len() - html >= 4);
}

fn sample_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixtures_dir();
    for name in ["tribun-tanggul-rob.txt", "kompas-harga-cabai.txt"] {
        fs::copy(src.join(name), dir.path().join(name)).expect("copy");
    }
    fs::write(dir.path().join("notes.md"), "not an input").expect("write");
    dir
}

#[test]
fn import_paths_writes_dated_files_and_never_overwrites() {
    let inputs = sample_dir();
    let content = tempfile::tempdir().expect("tempdir");
    let opts = ImportOptions {
        date: Some("2024-06-21".parse().expect("date")),
        ..ImportOptions::default()
    };
    let report = import_paths(&[inputs.path().to_path_buf()], content.path(), &opts);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let rel: Vec<String> = report
        .written
        .iter()
        .map(|p| {
            p.strip_prefix(content.path())
                .expect("under content")
                .display()
                .to_string()
        })
        .collect();
    // Walked in sorted order: kompas before tribun.
    assert_eq!(
        rel,
        vec![
            "2024/06/20/harga-cabai-rawit-di-jakarta-melonjak-dua-kali-lipat-dalam-sepekan.md".to_string(),
            "2024/06/21/tanggul-darurat-dibangun-siang-malam-warga-tambaklorok-bertahan-di-tengah-rob.md".to_string(),
        ]
    );
    let first = fs::read_to_string(&report.written[0]).expect("read");
    assert!(first.starts_with("---\ntitle: "));
    assert!(first.contains("\nstatus: review\n"));

    // Second run: every target exists, each input reports an error naming it.
    fs::write(&report.written[0], "edited by hand").expect("write");
    let again = import_paths(&[inputs.path().to_path_buf()], content.path(), &opts);
    assert!(again.written.is_empty());
    assert_eq!(again.errors.len(), 2);
    for e in &again.errors {
        assert!(matches!(e.problem, Problem::Exists(_)), "{e}");
        assert!(e.to_string().contains(".txt"), "{e}");
    }
    assert_eq!(
        fs::read_to_string(&report.written[0]).expect("read"),
        "edited by hand"
    );
}

#[test]
fn missing_date_fails_that_file_only() {
    let inputs = sample_dir();
    let content = tempfile::tempdir().expect("tempdir");
    let report = import_paths(
        &[inputs.path().to_path_buf()],
        content.path(),
        &ImportOptions::default(),
    );
    assert_eq!(
        report.written.len(),
        1,
        "the Kompas fixture has a date line"
    );
    assert_eq!(report.errors.len(), 1);
    let msg = report.errors[0].to_string();
    assert!(
        msg.contains("tribun-tanggul-rob.txt") && msg.contains("--date"),
        "{msg}"
    );
}

#[test]
fn unreadable_input_is_reported() {
    let content = tempfile::tempdir().expect("tempdir");
    let report = import_paths(
        &[PathBuf::from("/nonexistent/x.txt")],
        content.path(),
        &ImportOptions::default(),
    );
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].to_string().contains("/nonexistent/x.txt"));
}

/// Imports a real page given by path (not part of the suite):
/// `KABAR_IMPORT_SAMPLE=path KABAR_IMPORT_DATE=2024-06-21 cargo test --test main -- --ignored sample --nocapture`
#[test]
#[ignore]
fn sample_from_env() {
    let Ok(path) = std::env::var("KABAR_IMPORT_SAMPLE") else {
        return;
    };
    let input = fs::read_to_string(&path).expect("read sample");
    let opts = ImportOptions {
        date: std::env::var("KABAR_IMPORT_DATE")
            .ok()
            .map(|d| d.parse().expect("date")),
        ..ImportOptions::default()
    };
    match import_str(&path, &input, &opts) {
        Ok(i) => println!("{}\n{}", i.relative_path().display(), i.to_markdown()),
        Err(e) => panic!("{e}"),
    }
}

/// The command end to end: every fixture imports, the result builds, and a second
/// import of the same page is refused without touching the first file.
#[test]
fn cli_imports_fixtures_into_a_site_that_builds() {
    let site = crate::harness::Site::new();
    let dir = fixtures_dir();
    let run = site
        .run(&["import", &dir.display().to_string(), "--date", "2024-06-21"])
        .ok();
    let written: Vec<&str> = run.stdout.lines().collect();
    assert!(written.len() >= 12, "{}", run.stdout);
    let first = written[0].to_string();
    let before = site.read(&first);
    assert!(before.contains("status: review"), "{before}");
    site.run(&["build", "--quiet", "--drafts"]).ok();
    site.run(&["import", &dir.display().to_string(), "--date", "2024-06-21"])
        .fails(1)
        .stderr_has("already exists");
    assert_eq!(site.read(&first), before);
    // Review items are not published by a plain build.
    site.build().ok();
    assert_eq!(
        site.tree("public")
            .keys()
            .filter(|p| p.to_string_lossy().ends_with(".md"))
            .count(),
        0
    );
    // Only the pages every site has: no article, edition or tag page of the review items.
    let pages: Vec<String> = site
        .tree("public")
        .keys()
        .filter(|p| p.ends_with("index.html"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        pages,
        [
            "authors/index.html",
            "corrections/index.html",
            "index.html",
            "search/index.html",
            "sections/index.html",
            "sources/index.html",
            "tags/index.html"
        ],
        "review items leaked into the public build"
    );
}

fn find_in<'a>(msgs: &'a [String], name: &str) -> &'a str {
    msgs.iter()
        .find(|m| m.contains(name))
        .unwrap_or_else(|| panic!("no error for {name}: {msgs:?}"))
}

/// Bad input never writes a file, and the error names the file and says why.
#[test]
fn bad_inputs_fail_by_name_and_write_nothing() {
    let inputs = tempfile::tempdir().expect("tempdir");
    let content = tempfile::tempdir().expect("tempdir");
    let dir = inputs.path();
    // A page of navigation only: nothing the extractor can call an article.
    fs::write(
        dir.join("menu-only.html"),
        "<!DOCTYPE html><html><head><title>Index</title></head><body><nav><a href='/'>Home</a> \
         <a href='/news'>News</a></nav><footer>© 2024 Example</footer></body></html>",
    )
    .expect("write");
    // Binary data under an importable name.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(0u8, 64));
    fs::write(dir.join("photo.html"), &png).expect("write");
    // Over the size cap (sparse, so the test stays cheap).
    let big = fs::File::create(dir.join("huge.txt")).expect("create");
    big.set_len(kabar::internals::MAX_INPUT_BYTES + 1)
        .expect("set_len");
    // Nesting whose parse alone would take minutes.
    let deep = format!(
        "<!DOCTYPE html><html><body>{}<p>Deep.</p>{}</body></html>",
        "<div>".repeat(50_000),
        "</div>".repeat(50_000)
    );
    fs::write(dir.join("deep.html"), deep).expect("write");
    let opts = ImportOptions {
        date: Some("2024-06-21".parse().expect("date")),
        ..ImportOptions::default()
    };
    let started = std::time::Instant::now();
    let report = import_paths(&[dir.to_path_buf()], content.path(), &opts);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "bad input took {:?}",
        started.elapsed()
    );
    assert!(report.written.is_empty(), "{:?}", report.written);
    let msgs: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(find_in(&msgs, "deep.html").contains("nested"), "{msgs:?}");
    let find = |name: &str| {
        msgs.iter()
            .find(|m| m.contains(name))
            .unwrap_or_else(|| panic!("no error for {name}: {msgs:?}"))
    };
    assert!(find("huge.txt").contains("limit"), "{msgs:?}");
    assert!(find("menu-only.html").contains("no article text found"));
    assert!(find("menu-only.html").contains("main-content extractor"));
    assert!(find("photo.html").contains("binary"));
    assert!(
        walkdir::WalkDir::new(content.path())
            .into_iter()
            .flatten()
            .all(|e| !e.file_type().is_file()),
        "a bad input left a file behind"
    );
}

/// An encoding a page does not declare is guessed, and the guess is reported.
#[test]
fn undeclared_encoding_is_read_with_a_warning() {
    let inputs = tempfile::tempdir().expect("tempdir");
    let content = tempfile::tempdir().expect("tempdir");
    let mut text = b"Kafe Tepi Pantai Ramai Dikunjungi Turis\n\nPenulis: Rina Sari\n\n\
        JAKARTA, PORTAL.com - Pemilik kaf\xe9 di tepi pantai mengatakan jumlah pengunjung naik \
        tajam sejak awal bulan ini menurut catatan mereka.\n\n"
        .to_vec();
    text.extend(
        b"Para pedagang berharap keramaian itu bertahan sampai akhir musim liburan sekolah.\n",
    );
    fs::write(inputs.path().join("latin1.txt"), &text).expect("write");
    let opts = ImportOptions {
        date: Some("2024-06-21".parse().expect("date")),
        ..ImportOptions::default()
    };
    let report = import_paths(&[inputs.path().to_path_buf()], content.path(), &opts);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("latin1.txt"));
    assert!(report.warnings[0].contains("windows-1252"));
    let md = fs::read_to_string(&report.written[0]).expect("read");
    assert!(md.contains("Pemilik kafé di tepi pantai"), "{md}");
}
