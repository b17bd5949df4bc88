//! Rows of RELIABILITY.md: hostile input must give a clean error, never a panic, hang or leak.

use std::time::{Duration, Instant};

use crate::harness::{Site, article};

#[track_caller]
fn fails_quickly(text: &str, needle: &str) {
    let site = Site::new().file("content/x.md", text);
    let started = Instant::now();
    let run = site.build().fails(1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(run.stderr.contains("content/x.md"), "{}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "missing {needle:?} in:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a01_fences_bom_crlf_trailing_spaces() {
    fails_quickly(
        "---\ntitle: \"A\"\ndate: 2024-06-25\nbody without a closing fence\n",
        "not closed",
    );
    let site = Site::new()
        .file(
            "content/bom.md",
            "\u{feff}---\ntitle: \"Bom\"\ndate: 2024-06-25\n---\nbody\n",
        )
        .file(
            "content/crlf.md",
            "---  \r\ntitle: \"Crlf\"\r\ndate: 2024-06-25\r\n---   \r\nbody\r\n",
        );
    site.build().ok();
    assert!(site.exists("public/2024/06/25/bom/index.html"));
    assert!(site.exists("public/2024/06/25/crlf/index.html"));
}

#[test]
fn a03_alias_bomb_is_rejected_fast() {
    let mut yaml = String::from("a0: &a0 [x,x,x,x,x,x,x,x,x]\n");
    for i in 1..9 {
        let prev = format!("*a{}", i - 1);
        yaml.push_str(&format!("a{i}: &a{i} [{}]\n", [prev.as_str(); 9].join(",")));
    }
    fails_quickly(
        &format!(
            "---\ntitle: \"A\"\ndate: 2024-06-25\nextra:\n  {}\n---\n",
            yaml.replace('\n', "\n  ")
        ),
        "content/x.md:",
    );
}

#[test]
fn a04_deep_nesting_never_overflows() {
    let deep = format!("---\ntitle: {}\n---\n", "[".repeat(100_000));
    fails_quickly(&deep, "front matter is over 16 KiB");
    let deep = format!("---\ntitle: {}\n---\n", "[".repeat(5_000));
    fails_quickly(&deep, "content/x.md:");
}

#[test]
fn a05_huge_files_are_refused_before_parsing() {
    let big = format!(
        "---\ntitle: \"A\"\ndate: 2024-06-25\n---\n{}",
        "word ".repeat(11_000_000)
    );
    fails_quickly(&big, "byte limit");
}

#[test]
fn a10_custom_tags_and_several_documents() {
    fails_quickly(
        "---\ntitle: !!binary aGVsbG8=\ndate: 2024-06-25\n---\n",
        "content/x.md:2:8",
    );
    fails_quickly(
        "---\ntitle: \"A\"\ndate: 2024-06-25\nextra: {x: !include secrets.yaml}\n---\n",
        "YAML tags",
    );
    // A second document inside the fences (a `---` line with a comment does not close them).
    fails_quickly(
        "---\ntitle: \"A\"\ndate: 2024-06-25\n--- # second\ntitle: \"B\"\n---\n",
        "more than one document",
    );
    // A `!` inside quotes is text.
    let site = Site::new().file(
        "content/ok.md",
        "---\ntitle: \"Wow !important\"\ndate: 2024-06-25\n---\nx\n",
    );
    site.build().ok();
}

#[test]
fn a11_invalid_utf8_nul_and_empty_files() {
    let site = Site::new();
    std::fs::create_dir_all(site.path().join("content")).expect("mkdir");
    std::fs::write(
        site.path().join("content/latin1.md"),
        b"---\ntitle: \"caf\xe9\"\n---\n",
    )
    .expect("write");
    std::fs::write(
        site.path().join("content/nul.md"),
        b"---\ntitle: \"a\0\"\n---\n",
    )
    .expect("write");
    std::fs::write(site.path().join("content/empty.md"), b"").expect("write");
    let run = site.build().fails(1);
    for needle in [
        "content/latin1.md:2:",
        "not valid UTF-8",
        "content/nul.md:2:",
        "NUL byte",
        "content/empty.md",
        "empty file",
    ] {
        assert!(run.stderr.contains(needle), "{needle}:\n{}", run.stderr);
    }
}

#[test]
fn b19_pathological_markdown_is_bounded() {
    for body in [
        ">".repeat(100_000),
        "*".repeat(50_000),
        "<div>".repeat(200_000),
    ] {
        let site = Site::new().file("content/x.md", &article("A", "2024-06-25", &[], &body));
        let started = Instant::now();
        let run = site.build();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
    }
}

#[test]
fn b18_control_characters_never_reach_feeds() {
    // YAML's \a and \e escapes put BEL and ESC into the title; the body holds VT raw.
    let site = Site::new().file(
        "content/x.md",
        "---\ntitle: \"Bell\\a and \\eescape\"\ndate: 2024-06-25\ntags: [T]\n---\nText \u{b} here.\n",
    );
    site.build().ok();
    let atom = site.read("public/atom.xml");
    assert!(!atom.contains('\u{7}') && !atom.contains('\u{1b}') && !atom.contains('\u{b}'));
    feed_rs::parser::parse(atom.as_bytes()).expect("feed still parses");
    feed_rs::parser::parse(site.read("public/tags/t/atom.xml").as_bytes())
        .expect("tag feed still parses");
}

#[test]
fn b20_scripts_of_the_world_get_pages() {
    let site = Site::new()
        .file(
            "content/rtl.md",
            &article("مرحبا بالعالم", "2024-06-25", &[], "نص."),
        )
        .file(
            "content/cjk.md",
            &article("東京の洪水", "2024-06-25", &[], "本文。"),
        )
        .file("content/emoji.md", &article("🌊🌊", "2024-06-25", &[], "x"));
    site.build().ok();
    let count = site.tree("public/2024/06/25").len();
    assert_eq!(count, 4, "three articles and the day page");
}

#[test]
fn c21_unsafe_slugs_are_rejected() {
    for slug in ["../../x", "/abs", "a/b", ".", "..", "\"\"", "%2e%2e"] {
        let text = format!("---\ntitle: \"A\"\ndate: 2024-06-25\nslug: {slug}\n---\n");
        let site = Site::new().file("content/x.md", &text);
        let run = site.build().fails(1);
        assert!(
            run.stderr.contains("content/x.md:4:"),
            "{slug}: {}",
            run.stderr
        );
    }
}

#[test]
fn c23_colliding_tags_merge_deterministically() {
    let site = Site::new()
        .file("content/a.md", &article("A", "2024-06-25", &["AI"], "x"))
        .file("content/b.md", &article("B", "2024-06-26", &["ai"], "x"))
        .file(
            "content/c.md",
            &article("C", "2024-06-27", &["AI", "page", "atom.xml", ".."], "x"),
        );
    site.build().ok();
    let tags = site.read("public/tags/index.html");
    assert!(
        tags.contains(">AI</a> <span class=\"count\">3</span>"),
        "{tags}"
    );
    assert!(site.exists("public/tags/page/index.html"));
    assert!(site.exists("public/tags/atom-xml/index.html"));
    assert!(site.exists("public/tags/ai/atom.xml"));
}

#[cfg(unix)]
#[test]
fn d24_d25_symlinks_out_and_loops_are_skipped() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("secret.md"),
        article("SECRET-CANARY", "2024-06-25", &[], "x"),
    )
    .expect("write");
    let site = Site::new().file("content/ok.md", &article("Ok", "2024-06-25", &[], "x"));
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        site.path().join("content/link.md"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(
        site.path().join("content"),
        site.path().join("content/loop"),
    )
    .expect("symlink");
    let run = site.build().ok();
    assert!(
        run.stderr.contains("symlink points outside"),
        "{}",
        run.stderr
    );
    for (_, bytes) in site.tree("public") {
        assert!(!String::from_utf8_lossy(&bytes).contains("SECRET-CANARY"));
    }
}

#[test]
fn d26_editor_leftovers_and_dotfiles_are_ignored() {
    let site = Site::new()
        .file("content/ok.md", &article("Ok", "2024-06-25", &[], "x"))
        .file("content/.git/x.md", "junk")
        .file("content/x.md~", "junk")
        .file("content/#x.md#", "junk")
        .file("content/.x.md.swp", "junk")
        .file("content/.env", "SECRET=1")
        .file("static/.env", "SECRET=1")
        .file("static/.DS_Store", "junk");
    site.build().ok();
    let files = site.tree("public");
    assert!(
        files
            .keys()
            .all(|p| !p.to_string_lossy().contains("/.") && !p.to_string_lossy().starts_with('.')),
        "{:?}",
        files.keys()
    );
}

#[test]
fn e34_no_live_reload_script_in_build_output() {
    let site = Site::fixture("digest");
    site.build().ok();
    for (path, bytes) in site.tree("public") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("livereload") && !text.contains("EventSource"),
            "{}",
            path.display()
        );
    }
}

fn thousand_articles() -> Site {
    let mut site = Site::new();
    for i in 0..1000 {
        let body = format!("Artikel nomor {i} tentang banjir, pasar, dan kereta komuter di kota.");
        site = site.file(
            &format!("content/a{i:04}.md"),
            &article(&format!("Berita {i}"), "2024-06-25", &["Kota"], &body),
        );
    }
    site
}

#[test]
fn e28_one_bad_article_among_a_thousand() {
    let site = thousand_articles();
    site.build().ok();
    let before = site.tree("public");
    let site = site.file(
        "content/a0500.md",
        "---\ntitle: \"Bad\"\ndate: 2024-06-25\ntags: [\n---\n",
    );
    let run = site.build().fails(1);
    assert!(run.stderr.contains("content/a0500.md:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 problem(s) in 1 file(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(site.tree("public"), before);
}

#[cfg(unix)]
#[test]
fn e29_a_killed_build_leaves_the_output_intact() {
    let site = thousand_articles();
    site.build().ok();
    let before = site.tree("public");
    for delay in [50, 150, 400] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kabar"))
            .args(["build", "--quiet", "--force"])
            .current_dir(site.path())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL on unix
        let _ = child.wait();
        assert_eq!(
            site.tree("public"),
            before,
            "output changed after a kill at {delay} ms"
        );
    }
    // The next build clears what the killed ones left beside the output.
    site.run(&["build", "--quiet", "--force"]).ok();
    let leftovers = site.build_leftovers();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
