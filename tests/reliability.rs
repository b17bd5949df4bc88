//! Rows of RELIABILITY.md: hostile input must give a clean error, never a panic, hang or leak.

use std::collections::BTreeMap;
use std::path::PathBuf;
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

/// Sets the mode of `rel` and everything below it (`chmod -R`).
#[cfg(unix)]
fn chmod_tree(site: &Site, rel: &str, file_mode: u32, dir_mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    for entry in walkdir::WalkDir::new(site.path().join(rel)) {
        let entry = entry.expect("walk");
        let mode = if entry.file_type().is_dir() {
            dir_mode
        } else {
            file_mode
        };
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    }
}

#[cfg(unix)]
fn chmod(site: &Site, rel: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(site.path().join(rel), std::fs::Permissions::from_mode(mode))
        .expect("chmod");
}

#[cfg(unix)]
#[test]
fn d27_an_unreadable_file_or_folder_is_a_clear_error() {
    let site = Site::new()
        .file("content/a.md", &article("A", "2024-06-25", &[], "x"))
        .file("content/b.md", &article("B", "2024-06-25", &[], "x"))
        .file("content/locked/c.md", &article("C", "2024-06-25", &[], "x"));
    site.build().ok();
    let before = site.tree("public");
    // Readable by anyone (the temporary folder is 0700), except the two under test.
    chmod_tree(&site, ".", 0o644, 0o755);
    chmod(&site, "content/b.md", 0o000);
    chmod(&site, "content/locked", 0o000);
    // chmod 000 stops nobody who may override permissions (root, CAP_DAC_OVERRIDE):
    // then kabar runs as `nobody`.
    let privileged = std::fs::read(site.path().join("content/b.md")).is_ok();
    let args = ["build", "--quiet", "--force"];
    let nobody = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    // Keeps a copy of the binary alive while it runs, if one is needed.
    let mut _bin_dir = None;
    let run = if privileged {
        assert!(
            std::process::Command::new("setpriv")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            "running with privileges and without setpriv (util-linux): cannot test unreadable files"
        );
        let mut bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_kabar"));
        let nobody_can_run = |bin: &std::path::Path| {
            std::process::Command::new("setpriv")
                .args(&nobody[1..])
                .arg(bin)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !nobody_can_run(&bin) {
            // The build folder is out of nobody's reach (a checkout under /root): use a copy.
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::set_permissions(
                dir.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o755),
            )
            .expect("chmod");
            std::fs::copy(&bin, dir.path().join("kabar")).expect("copy kabar");
            bin = dir.path().join("kabar");
            _bin_dir = Some(dir);
            assert!(
                nobody_can_run(&bin),
                "user 65534 cannot run {}",
                bin.display()
            );
        }
        site.run_bin_via(&bin, &nobody, &args)
    } else {
        site.run(&args)
    };
    chmod(&site, "content/b.md", 0o644);
    chmod(&site, "content/locked", 0o755);

    // Unreadable sources are reported with the other content errors, all in one run.
    let run = run.fails(1);
    for needle in [
        "--> content/b.md\n",
        "--> content/locked\n",
        "cannot read: Permission denied",
        "2 problem(s) in 2 file(s); nothing was published",
    ] {
        assert!(run.stderr.contains(needle), "{needle:?}:\n{}", run.stderr);
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(site.tree("public"), before);
    assert!(
        site.build_leftovers().is_empty(),
        "{:?}",
        site.build_leftovers()
    );
    // Readable again: it builds.
    site.run(&args).ok();
    assert!(site.exists("public/2024/06/25/c/index.html"));
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

/// Runs kabar with writes limited to `blocks` × 512 bytes per file (dash's and POSIX
/// `ulimit -f` unit). SIGXFSZ is ignored, so a write past the limit fails with EFBIG
/// ("File too large") instead of killing the process: a disk that fills up, per file,
/// without mounting anything.
#[cfg(unix)]
fn build_with_file_size_limit(site: &Site, blocks: u32) -> crate::harness::Run {
    let script = format!("trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\"");
    site.run_via(&["sh", "-c", &script], &["build", "--quiet"])
}

#[cfg(unix)]
#[track_caller]
fn failed_writing_the_big_article(run: &crate::harness::Run) {
    // Pages render in parallel: whichever big file failed first is the one named,
    // under the output folder it was going to.
    let named = ["2024/06/26/big/index.html", "atom.xml", "feed.json"]
        .iter()
        .any(|f| {
            run.stderr
                .contains(&format!("public/{f}: cannot write: File too large"))
        });
    assert!(named, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn e29_a_full_disk_leaves_the_output_intact() {
    // ~300 KB of text: its page, atom.xml and feed.json each pass the 200 KiB limit,
    // every other file stays far below it.
    let big = article(
        "Big",
        "2024-06-26",
        &["Kota"],
        &"Kalimat panjang tentang banjir di kota. ".repeat(7_500),
    );
    let site = Site::new()
        .file("content/a.md", &article("A", "2024-06-25", &["Kota"], "x"))
        .file("content/big.md", &big);

    // A first build that fails part-way leaves no output and nothing beside it.
    let run = build_with_file_size_limit(&site, 400).fails(2);
    failed_writing_the_big_article(&run);
    assert!(!site.exists("public"));
    assert!(
        site.build_leftovers().is_empty(),
        "{:?}",
        site.build_leftovers()
    );

    // With a previous output: byte-identical after the failed build.
    std::fs::remove_file(site.path().join("content/big.md")).expect("rm");
    build_with_file_size_limit(&site, 400).ok();
    let before = site.tree("public");
    assert!(!before.is_empty());
    let site = site.file("content/big.md", &big);
    let run = build_with_file_size_limit(&site, 400).fails(2);
    failed_writing_the_big_article(&run);
    assert_eq!(site.tree("public"), before);
    assert!(
        site.build_leftovers().is_empty(),
        "{:?}",
        site.build_leftovers()
    );

    // Room again: the build goes through and the big article is published.
    site.build().ok();
    assert!(site.exists("public/2024/06/26/big/index.html"));
}

/// Row 29 with a real full disk (ENOSPC) instead of a file size limit: the output
/// lives on a 512 KiB tmpfs. Mounting needs root (CAP_SYS_ADMIN), so the test is
/// ignored by default (`cargo test -- --ignored e29_a_real`); run that way, it fails
/// where it cannot mount rather than passing without testing anything.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "mounts a tmpfs: needs root; run with --ignored"]
fn e29_a_real_full_disk_on_tmpfs() {
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let site = Site::new().file("content/a.md", &article("A", "2024-06-25", &["Kota"], "x"));
    let disk = site.path().join("disk");
    std::fs::create_dir(&disk).expect("mkdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "kabar-test"])
        .arg(&disk)
        .status()
        .is_ok_and(|s| s.success());
    assert!(mounted, "cannot mount a tmpfs (needs root / CAP_SYS_ADMIN)");
    let _unmount = Unmount(disk.clone());

    let args = ["build", "--quiet", "-o", "disk/public"];
    site.run(&args).ok();
    let before = site.tree("disk/public");
    let site = site.file(
        "content/big.md",
        &article(
            "Big",
            "2024-06-26",
            &["Kota"],
            &"Kalimat panjang tentang banjir di kota. ".repeat(7_500),
        ),
    );
    let run = site.run(&args).fails(2);
    assert!(
        run.stderr.contains("No space left on device"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(site.tree("disk/public"), before);
    let beside: Vec<_> = std::fs::read_dir(&disk)
        .expect("read")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kabar-staging") || n.contains("kabar-old"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

// H. The output folder belongs to the user until kabar wrote it (rows 44–50). Each
// refusal is checked by comparing the whole tree (files, folders, links) before and after.

/// Every entry under `dir` (not following links): folders, files with their bytes,
/// symlinks with their targets.
fn snapshot(dir: &std::path::Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| {
            let e = e.expect("walk");
            let rel = e.path().strip_prefix(dir).expect("prefix").to_path_buf();
            let what = if e.path_is_symlink() {
                format!(
                    "link to {}",
                    std::fs::read_link(e.path()).expect("link").display()
                )
            } else if e.file_type().is_dir() {
                "folder".to_string()
            } else {
                format!("file {:?}", std::fs::read(e.path()).expect("read"))
            };
            (rel, what)
        })
        .collect()
}

fn one_article() -> Site {
    Site::new().file("content/a.md", &article("A", "2024-06-25", &["T"], "Body."))
}

/// A folder of someone else's, shaped like a user's documents or a system folder.
fn users_folder(site: &Site, rel: &str) -> std::path::PathBuf {
    let dir = site.path().join(rel);
    std::fs::create_dir_all(dir.join("nested")).expect("mkdir");
    std::fs::write(dir.join("passwd"), "root:x:0:0::/root:/bin/sh\n").expect("write");
    std::fs::write(dir.join("nested/notes.txt"), "mine").expect("write");
    dir
}

#[test]
fn h44_a_folder_with_files_kabar_did_not_write_is_refused_and_left_whole() {
    let site = one_article();
    let docs = users_folder(&site, "docs");
    let before = snapshot(site.path());
    let run = site.run(&["build", "--quiet", "-o", "docs"]).fails(2);
    assert!(run.stderr.contains("docs"), "{}", run.stderr);
    assert!(
        run.stderr.contains("holds files kabar did not write"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
    assert_eq!(snapshot(site.path()), before);
    // Forcing changes nothing: ownership is not an up-to-date check.
    site.run(&["build", "--quiet", "--force", "-o", "docs"])
        .fails(2);
    assert_eq!(snapshot(site.path()), before);
    assert!(docs.join("passwd").exists());
    // The same folder made by hand where kabar's output was is not kabar's either.
    site.build().ok();
    std::fs::remove_dir_all(site.path().join("public")).expect("rm");
    users_folder(&site, "public");
    let before = snapshot(site.path());
    site.build().fails(2).stderr_has("did not write");
    assert_eq!(snapshot(site.path()), before);
}

#[cfg(unix)]
#[test]
fn h45_links_files_mount_points_and_ancestors_are_refused() {
    let site = one_article();
    users_folder(&site, "elsewhere");
    std::fs::create_dir(site.path().join("empty")).expect("mkdir");
    std::os::unix::fs::symlink(site.path().join("elsewhere"), site.path().join("link"))
        .expect("symlink");
    std::os::unix::fs::symlink(site.path().join("empty"), site.path().join("link-to-empty"))
        .expect("symlink");
    std::fs::write(site.path().join("file"), "a file").expect("write");
    let before = snapshot(site.path());
    for (out, why) in [
        ("link", "symbolic link"),
        ("link-to-empty", "symbolic link"),
        ("file", "is a file"),
        (".", "contains the site itself"),
        ("..", "contains the site itself"),
        ("content", "inside the site's sources"),
    ] {
        site.run(&["build", "--quiet", "-o", out])
            .fails(2)
            .stderr_has(why);
        assert_eq!(snapshot(site.path()), before, "after -o {out}");
    }
    // The current folder, run from somewhere else than the site.
    let elsewhere = site.path().join("elsewhere");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kabar"))
        .args(["-C"])
        .arg(site.path())
        .args(["build", "--quiet", "-o", "."])
        .current_dir(&elsewhere)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("current folder"));
    assert_eq!(snapshot(site.path()), before);
}

/// Row 45's mount point: needs root to mount a tmpfs inside the sandbox (tests run as
/// root here and in CI); elsewhere it says so and checks nothing.
#[cfg(target_os = "linux")]
#[test]
fn h45_a_mount_point_is_refused_even_when_empty() {
    let site = one_article();
    let mnt = site.path().join("mnt");
    std::fs::create_dir(&mnt).expect("mkdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "kabar-test"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("h45 mount point: cannot mount here (not root?); not checked");
        return;
    }
    let run = site.run(&["build", "--quiet", "-o", "mnt"]);
    let still_empty = std::fs::read_dir(&mnt).map(|d| d.count()).unwrap_or(99);
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("mount point"), "{}", run.stderr);
    assert_eq!(still_empty, 0);
}

#[cfg(unix)]
#[test]
fn h46_replacing_an_old_output_removes_links_in_it_never_their_targets() {
    let site = one_article();
    site.build().ok();
    let outside = users_folder(&site, "outside");
    let public = site.path().join("public");
    std::os::unix::fs::symlink(&outside, public.join("linked-folder")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("passwd"), public.join("2024/linked-file"))
        .expect("symlink");
    std::os::unix::fs::symlink(&outside, public.join("2024/06/deep-link")).expect("symlink");
    let before = snapshot(&outside);
    site.run(&["build", "--quiet", "--force"]).ok();
    assert_eq!(snapshot(&outside), before);
    assert!(!public.join("linked-folder").exists());
    assert!(std::fs::symlink_metadata(public.join("2024/linked-file")).is_err());
    assert!(site.exists("public/index.html"));
}

#[test]
fn h47_folders_named_like_kabars_leftovers_but_not_made_by_it_stay() {
    let site = one_article();
    users_folder(&site, ".public.kabar-staging-1");
    users_folder(&site, ".public.kabar-old-2");
    site.build().ok();
    let before = snapshot(site.path().join(".public.kabar-staging-1").as_path());
    site.run(&["build", "--quiet", "--force"]).ok();
    assert_eq!(
        snapshot(site.path().join(".public.kabar-staging-1").as_path()),
        before
    );
    assert!(site.exists(".public.kabar-old-2/nested/notes.txt"));
}

/// The exchange is one step: a reader never finds the output missing, through 50
/// rebuilds of a site whose front page changes each time.
#[cfg(target_os = "linux")]
#[test]
fn h48_a_reader_finds_the_front_page_through_50_rebuilds() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let site = one_article();
    site.build().ok();
    let index = site.path().join("public/index.html");
    let stop = AtomicBool::new(false);
    let (reads, misses) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                match std::fs::read(&index) {
                    Ok(bytes) if !bytes.is_empty() => reads.fetch_add(1, Ordering::Relaxed),
                    _ => misses.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
        for i in 0..50 {
            let body = format!("Body, version {i}.");
            std::fs::write(
                site.path().join("content/a.md"),
                article(&format!("A {i}"), "2024-06-25", &["T"], &body),
            )
            .expect("write");
            // Full builds (swapped in) and incremental ones (updated in place, file by file).
            let how: &[&str] = if i % 2 == 0 { &[] } else { &["--incremental"] };
            site.run(&[&["build", "--quiet"], how].concat()).ok();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(site.read("public/index.html").contains("A 49"));
    assert_eq!(misses.into_inner(), 0);
    assert!(reads.into_inner() > 50);
    assert!(
        site.build_leftovers().is_empty(),
        "{:?}",
        site.build_leftovers()
    );
}

/// A build killed after moving the old output aside and before moving the new one in
/// (where the file system cannot exchange): the next build puts the old output back,
/// even when it then fails on bad content.
#[test]
fn h49_an_output_left_aside_by_a_killed_build_is_put_back() {
    let site = one_article();
    site.build().ok();
    let before = snapshot(&site.path().join("public"));
    std::fs::rename(
        site.path().join("public"),
        site.path().join(".public.kabar-old-4242"),
    )
    .expect("rename");
    let site = site.file("content/bad.md", "---\ntitel: x\n---\n");
    site.build().fails(1);
    assert_eq!(snapshot(&site.path().join("public")), before);
    assert!(
        site.build_leftovers().is_empty(),
        "{:?}",
        site.build_leftovers()
    );
}

#[test]
fn h50_the_preview_folder_follows_the_same_rules() {
    let site = one_article();
    users_folder(&site, "docs");
    let before = snapshot(site.path());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kabar"))
        .args(["serve", "--port", "0", "-o", "docs"])
        .current_dir(site.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert_eq!(status.and_then(|s| s.code()), Some(2), "{stderr}");
    assert!(
        stderr.contains("holds files kabar did not write"),
        "{stderr}"
    );
    assert_eq!(snapshot(site.path()), before);
}

/// Outputs of kabar before the ownership record still build: the manifest beside an
/// unmodified folder says kabar wrote it; a file added since makes it the user's.
#[test]
fn h44_an_output_of_an_earlier_kabar_still_counts_as_kabars() {
    let site = one_article();
    site.build().ok();
    std::fs::remove_file(site.path().join(".public.kabar-owned")).expect("rm");
    site.run(&["build", "--quiet", "--force"]).ok();
    std::fs::remove_file(site.path().join(".public.kabar-owned")).expect("rm");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(site.path().join("public/mine.txt"), "mine").expect("write");
    site.run(&["build", "--quiet", "--force"])
        .fails(2)
        .stderr_has("did not write");
    assert_eq!(site.read("public/mine.txt"), "mine");
}
