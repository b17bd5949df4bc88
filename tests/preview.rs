//! The preview is a full build: after any edits, the files `kabar serve` keeps up
//! to date incrementally are those a fresh build writes, and an edit rewrites only
//! the pages that show it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kabar::{BuildOptions, Preview};

use crate::harness::{Server, Site, set_field, write};

/// What `kabar serve` builds with, writing into `out`.
fn preview_options(root: &Path, out: PathBuf) -> BuildOptions {
    BuildOptions {
        output: Some(out),
        drafts: true,
        future: true,
        mode: kabar::Mode {
            preview: true,
            ..Default::default()
        },
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

const STORY_PAGE: &str = "/2026/11/18/rob-meluas-pengungsi-bertambah/";

#[test]
fn an_edit_rewrites_only_the_pages_that_show_it() {
    let server = Server::start(Site::bundled());
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
                || p.ends_with("rss.xml")
                || p.ends_with("feed.json")
                // The search index: the record block holds the body's opening (excerpts).
                || p.starts_with("search/")),
        "{touched:?}"
    );
    assert_eq!(server.full_builds(), 1, "{:?}", server.log.lock());
}

#[test]
fn a_new_article_reaches_every_page_that_lists_it_and_leaves_with_it() {
    let server = Server::start(Site::bundled());
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
    // One pass writes the pages in parallel: its own page may be served before the
    // lists of the same pass are written.
    for page in [
        "/",
        "/2026/11/25/",
        "/2026/11/",
        "/tags/banjir/",
        "/tags/pesisir/",
    ] {
        server.wait_for(page, &format!("{page} to list it"), |r| {
            r.body.contains(title)
        });
    }
    // Its story's other articles now link to it.
    server.wait_for(STORY_PAGE, "its story to link it", |r| r.body.contains(url));

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
    let site = Site::bundled();
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
    let site = Site::bundled();
    let root = site.path();
    let out = tempfile::tempdir().expect("tempdir");
    let mut preview = Preview::new(preview_options(root, out.path().join("preview")));
    let bad = root.join("content/2026/11/bad.md");
    let fails = |result: Result<_, kabar::Error>| match result {
        Err(kabar::Error::Content(d)) => {
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

#[test]
fn any_sequence_of_edits_settles_on_the_files_of_a_full_build() {
    let site = Site::bundled();
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
