//! `kabar build` with the build cache beside the output: after any sequence of edits the
//! incremental build writes the tree a full build writes, byte for byte; a damaged,
//! foreign or someone else's cache is never trusted; the cache stays beside the output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::harness::{Site, command, set_field};

/// A fixed clock for every build of a test, so the news sitemap's window is the same.
const EPOCH: &str = "1795000000";

struct Built {
    code: i32,
    stderr: String,
}

fn build(root: &Path, extra: &[&str]) -> Built {
    let mut args = vec!["build", "--incremental"];
    args.extend_from_slice(extra);
    let out = command(root, &args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kabar");
    let built = Built {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(built.code, 0, "kabar build {extra:?}:\n{}", built.stderr);
    built
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("inside");
            let bytes = std::fs::read(e.path()).expect("read");
            (rel.to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

#[track_caller]
fn assert_same_tree(incremental: &Path, full: &Path, context: &str) {
    let (a, b) = (files(incremental), files(full));
    let only = |x: &BTreeMap<String, Vec<u8>>, y: &BTreeMap<String, Vec<u8>>| {
        x.keys()
            .filter(|k| !y.contains_key(*k))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        a.len() == b.len() && only(&a, &b).is_empty(),
        "{context}: only in the incremental build {:?}, only in the full one {:?}",
        only(&a, &b),
        only(&b, &a)
    );
    for (path, bytes) in &a {
        assert!(
            *bytes == b[path],
            "{context}: {path} differs from the full build's:\n{}\n---- full:\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&b[path])
        );
    }
}

/// From "build cache used: R files rendered, K left as they were".
fn rendered_and_kept(stderr: &str) -> Option<(usize, usize)> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("build cache used: "))?;
    let mut numbers = line
        .split_whitespace()
        .filter_map(|w| w.trim_end_matches(',').parse::<usize>().ok());
    Some((numbers.next()?, numbers.next()?))
}

/// `public/` is what a `--force` build of the same site writes elsewhere, byte for byte.
#[track_caller]
fn assert_as_full_build(root: &Path, context: &str) {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let full = elsewhere.path().join("full");
    build(root, &["--force", "-o", &full.to_string_lossy()]);
    assert_same_tree(&root.join("public"), &full, context);
}

/// Where `needle` first is in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn cache_file(root: &Path) -> PathBuf {
    root.join(".public.kabar-cache")
}

#[test]
fn any_sequence_of_edits_builds_incrementally_to_the_bytes_of_a_full_build() {
    let site = Site::bundled();
    let root = site.path();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let full = elsewhere.path().join("full");
    let full_arg = full.to_string_lossy().into_owned();
    let first = build(root, &[]);
    assert!(
        first.stderr.contains("full build: no build cache yet"),
        "{}",
        first.stderr
    );
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk").into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    let tags = ["Banjir", "Ekonomi", "Teknologi", "Pesisir", "Transportasi"];
    let stories = ["banjir-rob-2026", "tarif-komuter", "cerita-baru"];
    // A fixed pseudo-random walk (64-bit LCG): the same edits on every run.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    let mut used = 0;
    for step in 0..30 {
        let pick = next(files.len());
        let path = files[pick].clone();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // Whether this edit must make the next build a full one.
        let mut frame = false;
        let what = match next(10) {
            0 => {
                let new = root.join(format!("content/2026/11/baru-{step}.md"));
                let body = "---\ntitle: \"x\"\ndate: 2026-11-20T10:00:00+07:00\n---\n\
                    Rob di pesisir utara surut; komuter kembali normal.\n";
                let body = set_field(body, "title", &format!("\"Kabar baru {step}\""));
                let body = set_field(&body, "story", stories[next(stories.len())]);
                let body = set_field(&body, "tags", &format!("[{}]", tags[next(tags.len())]));
                std::fs::write(&new, body).expect("add");
                files.push(new);
                "added"
            }
            1 => {
                let body = format!("{text}\nWarga pesisir dan petugas pompa bekerja {step}.\n");
                std::fs::write(&path, body).expect("edit");
                "body edited"
            }
            2 if files.len() > 12 => {
                std::fs::remove_file(&path).expect("delete");
                files.remove(pick);
                "deleted"
            }
            3 => {
                let value = format!("[{}, {}]", tags[next(tags.len())], tags[next(tags.len())]);
                std::fs::write(&path, set_field(&text, "tags", &value)).expect("retag");
                "retagged"
            }
            4 => {
                let date = format!(
                    "2026-11-{:02}T{:02}:00:00+07:00",
                    1 + next(28),
                    6 + next(12)
                );
                // An `updated:` earlier than the new date would be an error.
                let text: String = text
                    .lines()
                    .filter(|l| !l.starts_with("updated:"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                std::fs::write(&path, set_field(&text, "date", &date)).expect("redate");
                "redated"
            }
            5 => {
                let title = format!("\"Judul baru nomor {step}\"");
                std::fs::write(&path, set_field(&text, "title", &title)).expect("retitle");
                "retitled (new URL)"
            }
            6 => {
                let status = ["draft", "review", "published", "published"][next(4)];
                std::fs::write(&path, set_field(&text, "status", status)).expect("status");
                "status changed"
            }
            7 => {
                frame = true;
                let card = format!(
                    "<article class=\"card v{step}\"><a href=\"{{{{ a.url }}}}\">{{{{ a.title }}}}</a></article>\n"
                );
                crate::harness::write(root, "templates/partials/card.html", &card);
                "template changed"
            }
            8 => {
                frame = true;
                let yaml = std::fs::read_to_string(root.join("site.yaml")).expect("site.yaml");
                let yaml = yaml
                    .lines()
                    .map(|l| {
                        if l.starts_with("title:") {
                            format!("title: \"Kabar Pagi {step}\"")
                        } else {
                            l.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                std::fs::write(root.join("site.yaml"), yaml + "\n").expect("site.yaml");
                "site.yaml changed"
            }
            _ => {
                // A touch that changes no byte: the article is read again, not parsed.
                std::fs::write(&path, &text).expect("touch");
                "touched"
            }
        };
        let incremental = build(root, &[]);
        let context = format!("step {step}, after {what}");
        if frame {
            assert!(
                incremental
                    .stderr
                    .contains("full build: the build cache is out of date"),
                "{context}: {}",
                incremental.stderr
            );
        } else if !incremental
            .stderr
            .contains("unchanged since the last build")
        {
            let (rendered, kept) = rendered_and_kept(&incremental.stderr)
                .unwrap_or_else(|| panic!("{context}: {}", incremental.stderr));
            // One article's change reaches a few pages, never all of them.
            assert!(kept > rendered, "{context}: {}", incremental.stderr);
            used += 1;
        }
        build(root, &["--force", "-o", &full_arg]);
        assert_same_tree(&root.join("public"), &full, &context);
    }
    assert!(used >= 15, "only {used} builds used the cache");
}

#[test]
fn a_damaged_truncated_or_foreign_cache_is_rebuilt_never_trusted() {
    let site = Site::bundled();
    let root = site.path();
    build(root, &[]);
    let cache = cache_file(root);
    let edit = |n: usize| {
        crate::harness::write(
            root,
            "content/2026/11/extra.md",
            &format!(
                "---\ntitle: \"Tambahan {n}\"\ndate: 2026-11-19T08:00:00+07:00\n---\nIsi {n}.\n"
            ),
        );
    };
    let check = |context: &str| assert_as_full_build(root, context);
    // The file kabar wrote, changed in place (the record still names it): one byte off.
    let rewrite = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = std::fs::read(&cache).expect("the cache");
        f(&mut bytes);
        std::fs::write(&cache, bytes).expect("rewrite in place");
    };
    // The head, which lists every article, just before the trailer.
    rewrite(&|b| {
        let at = b.len() - 30;
        b[at] ^= 0x20;
    });
    edit(1);
    let run = build(root, &[]);
    assert!(
        run.stderr.contains("its checksum does not match"),
        "{}",
        run.stderr
    );
    check("after a damaged cache");

    // A body read only when a page shows it: the newest story's, which the feeds carry
    // once a newer story is published.
    rewrite(&|b| {
        let at = find(b, b"<p>The fastest is astronomical.").expect("the body is in the cache");
        b[at + 5] ^= 0x20;
    });
    // A story published after the damage: the build notices and starts over in full.
    let publish_after_damage = |rel: &str, text: &str, context: &str| {
        crate::harness::write(root, rel, text);
        let run = build(root, &[]);
        let full = "full build: the build cache is damaged: a record's checksum does not match";
        assert!(run.stderr.contains(full), "{}", run.stderr);
        check(context);
    };
    publish_after_damage(
        "content/2026/11/newest.md",
        "---\ntitle: \"Terbaru\"\ndate: 2026-11-18T13:00:00+07:00\n---\nIsi terbaru.\n",
        "after a damaged body",
    );

    // Term frequencies, read only when every related list is computed again (after
    // another story, on a site this small): the newest story's, whose record lies just
    // before its body's (an array of two, the HTML's string).
    rewrite(&|b| {
        let html = find(b, b"<p>Isi terbaru.</p>").expect("the body is in the cache");
        let (array, string) = (b[html - 2], b[html - 1]);
        assert!(
            array == 0x92 && string & 0xe0 == 0xa0,
            "the body's record starts here"
        );
        b[html - 4] ^= 0x20;
    });
    publish_after_damage(
        "content/2026/11/another.md",
        "---\ntitle: \"Satu lagi\"\ndate: 2026-11-18T12:00:00+07:00\n---\nIsi lain.\n",
        "after damaged term frequencies",
    );

    rewrite(&|b| b.truncate(b.len() / 3));
    edit(2);
    let run = build(root, &[]);
    assert!(run.stderr.contains("truncated"), "{}", run.stderr);
    check("after a truncated cache");

    rewrite(&|b| b[..16].copy_from_slice(b"not a cache file"));
    edit(3);
    let run = build(root, &[]);
    assert!(
        run.stderr.contains("not a kabar build cache"),
        "{}",
        run.stderr
    );

    // A whole, valid cache of another site, put in this one's file.
    let other = Site::bundled();
    build(other.path(), &[]);
    let foreign = std::fs::read(cache_file(other.path())).expect("the other cache");
    rewrite(&|b| *b = foreign.clone());
    edit(4);
    let run = build(root, &[]);
    assert!(
        run.stderr
            .contains("full build: the build cache is out of date"),
        "{}",
        run.stderr
    );
    check("after another site's cache");

    // And the next build uses the cache the last one wrote.
    edit(5);
    let run = build(root, &[]);
    assert!(run.stderr.contains("build cache used"), "{}", run.stderr);
    check("after the cache was written again");

    // --force ignores it.
    edit(6);
    let run = build(root, &["--force"]);
    assert!(run.stderr.contains("full build: --force"), "{}", run.stderr);
}

/// The news sitemap lists every story of the last two days, more than a feed's 20: a
/// story dated back into them, below the feed's first 20, is in it too.
#[test]
fn a_story_dated_back_into_the_news_window_reaches_the_news_sitemap() {
    let site = Site::bundled();
    let root = site.path();
    // The fixed clock is 2026-11-18 11:06 UTC: 22 stories from 10:00 back, an hour apart.
    for h in 0..22 {
        crate::harness::write(
            root,
            &format!("content/2026/11/window-{h}.md"),
            &format!(
                "---\ntitle: \"Jendela {h}\"\ndate: {}+00:00\n---\nIsi jendela {h}.\n",
                jiff::civil::datetime(2026, 11, 18, 10, 0, 0, 0)
                    .checked_sub(jiff::SignedDuration::from_hours(h))
                    .expect("a date")
            ),
        );
    }
    build(root, &[]);
    crate::harness::write(
        root,
        "content/2026/11/late.md",
        "---\ntitle: \"Kabar susulan\"\ndate: 2026-11-17T00:00:00+00:00\n---\nIsi susulan.\n",
    );
    let run = build(root, &[]);
    assert!(run.stderr.contains("build cache used"), "{}", run.stderr);
    let sitemap = std::fs::read_to_string(root.join("public/news-sitemap.xml")).expect("sitemap");
    assert!(sitemap.contains("Kabar susulan"), "{sitemap}");
    assert_as_full_build(root, "after a story dated back into the window");
}

/// The output is updated in place, so it keeps its identity: a cache from before the
/// last update (a build killed after updating the output and before saving the cache)
/// must not be taken for the files now there, even when the sources are back as they
/// were then.
#[test]
fn a_cache_older_than_the_files_in_place_is_not_trusted() {
    let site = Site::bundled();
    let root = site.path();
    let page = "content/2026/11/18/why-king-tides-flood-coastal-neighbourhoods.md";
    let original = std::fs::read_to_string(root.join(page)).expect("the article");
    build(root, &[]);
    let before = std::fs::read(cache_file(root)).expect("the cache");
    let edited = original.replace(
        "The fastest is astronomical.",
        "The quickest is astronomical.",
    );
    crate::harness::write(root, page, &edited);
    let run = build(root, &[]);
    assert!(run.stderr.contains("build cache used"), "{}", run.stderr);
    // Put the older cache back in place of the file (the record names the file, not its bytes).
    std::fs::write(cache_file(root), &before).expect("rewrite in place");
    crate::harness::write(root, page, &original);
    let run = build(root, &[]);
    assert!(
        run.stderr
            .contains("full build: the build cache describes another output folder"),
        "{}",
        run.stderr
    );
    assert_as_full_build(root, "after the edit was undone");
}

#[test]
fn a_file_of_someone_elses_at_the_caches_name_is_neither_read_nor_replaced() {
    let site = Site::bundled();
    let root = site.path();
    build(root, &[]);
    let cache = cache_file(root);
    std::fs::remove_file(&cache).expect("rm");
    std::fs::write(&cache, "my notes").expect("write");
    crate::harness::write(
        root,
        "content/2026/11/extra.md",
        "---\ntitle: \"Tambahan\"\ndate: 2026-11-19T08:00:00+07:00\n---\nIsi.\n",
    );
    let run = build(root, &[]);
    assert!(
        run.stderr.contains("is not one kabar wrote"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the build cache was not written"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&cache).expect("read"), "my notes");
}

#[test]
fn the_cache_is_beside_the_output_never_in_it_nor_deployed() {
    let site = Site::bundled();
    let root = site.path();
    build(root, &[]);
    assert!(cache_file(root).is_file());
    crate::harness::write(
        root,
        "content/2026/11/extra.md",
        "---\ntitle: \"Tambahan\"\ndate: 2026-11-19T08:00:00+07:00\n---\nIsi.\n",
    );
    assert!(build(root, &[]).stderr.contains("build cache used"));
    let published = files(&root.join("public"));
    assert!(
        published.keys().all(|p| !p.contains("kabar")),
        "{:?}",
        published.keys()
    );
    let manifest = std::fs::read_to_string(root.join(".public.kabar-tree")).expect("manifest");
    assert!(!manifest.contains("kabar-cache"));
    let target = tempfile::tempdir().expect("tempdir");
    let dest = target.path().join("site");
    let out = command(root, &["deploy", &dest.to_string_lossy()])
        .output()
        .expect("deploy");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deployed = files(&dest);
    assert_eq!(
        deployed.keys().collect::<Vec<_>>(),
        published.keys().collect::<Vec<_>>()
    );
    let beside: Vec<String> = walkdir::WalkDir::new(target.path())
        .into_iter()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kabar-cache"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

/// The search index's base layer is reused by an incremental build only while the
/// articles it is made of are unchanged: after a new story, an edit of an old one and
/// deletions that empty the base, the incremental tree is still the full build's.
#[test]
fn the_search_base_is_reused_only_while_its_articles_are_unchanged() {
    let site = crate::harness::archive(514);
    let root = site.path();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let full = elsewhere.path().join("full");
    let full_arg = full.to_string_lossy().into_owned();
    build(root, &[]);
    let base = |root: &Path| {
        let dir = root.join("public/search/t");
        if dir.is_dir() {
            files(&dir)
        } else {
            BTreeMap::new()
        }
    };
    let before = base(root);
    assert!(!before.is_empty());
    let steps: [(&str, &dyn Fn()); 3] = [
        ("a new newest story", &|| {
            let text =
                crate::harness::article("Zyxwv", "2021-06-01T08:00:00+07:00", &[], "Berita baru.");
            crate::harness::write(root, "content/new.md", &text);
        }),
        ("an old story edited", &|| {
            let text = crate::harness::filler(7).replace("catatan.", "qwerty catatan.");
            crate::harness::write(root, "content/arsip/00007.md", &text);
        }),
        ("four stories deleted, the base emptied", &|| {
            for i in [1, 2, 3, 4] {
                std::fs::remove_file(root.join(format!("content/arsip/{i:05}.md")))
                    .expect("delete");
            }
        }),
    ];
    for (i, (what, edit)) in steps.iter().enumerate() {
        edit();
        let incremental = build(root, &[]);
        assert!(
            rendered_and_kept(&incremental.stderr).is_some(),
            "{what}: {}",
            incremental.stderr
        );
        build(root, &["--force", "-o", &full_arg]);
        assert_same_tree(&root.join("public"), &full, what);
        let now = base(root);
        match i {
            0 => assert_eq!(now, before, "{what}: the base changed"),
            1 => {
                assert!(now != before && now.values().any(|t| t.windows(6).any(|w| w == b"qwerty")))
            }
            _ => assert!(now.is_empty(), "{what}: {:?}", now.keys()),
        }
    }
}

/// A build that will not lint keeps only the start of each body, and the cache keeps
/// no search terms: an article reused from the cache must still be found by a word deep
/// in its body, as after a full build.
#[test]
fn a_long_article_reused_from_the_cache_is_found_by_its_last_words() {
    let site = Site::bundled();
    let root = site.path();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let full = elsewhere.path().join("full");
    let full_arg = full.to_string_lossy().into_owned();
    let filler = "Warga pesisir menunggu air surut sambil menjaga barang di rumah. ".repeat(80);
    let body = format!("{filler}\n\nKata terakhir: zamrudkatulistiwa.");
    let long = crate::harness::article("Laporan panjang", "2026-11-01T09:00:00+07:00", &[], &body);
    crate::harness::write(root, "content/2026/11/01/panjang.md", &long);
    build(root, &[]);
    let short =
        crate::harness::article("Kabar pendek", "2026-11-02T09:00:00+07:00", &[], "Singkat.");
    crate::harness::write(root, "content/2026/11/02/pendek.md", &short);
    let incremental = build(root, &[]);
    assert!(
        rendered_and_kept(&incremental.stderr).is_some(),
        "{}",
        incremental.stderr
    );
    build(root, &["--force", "-o", &full_arg]);
    assert_same_tree(&root.join("public"), &full, "one article after a long one");
    let shards = files(&root.join("public/search/r"));
    assert!(
        shards
            .values()
            .any(|s| String::from_utf8_lossy(s).contains("zamrudkatulistiwa\t")),
        "the long article's last word is not in the index"
    );
}
