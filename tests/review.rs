//! `kabar check`, `kabar review` and the lints, on fixture sites.

use std::path::Path;

use kabar::{BuildOptions, Diagnostic, Severity};

use crate::harness::{Site, fixture_dir, kabar};

fn lints_fixture() -> Vec<Diagnostic> {
    let opts = BuildOptions {
        drafts: true,
        ..BuildOptions::new(fixture_dir("lints"))
    };
    kabar::check(&opts).expect("the lints fixture builds")
}

fn findings_for<'a>(diags: &'a [Diagnostic], file: &str) -> Vec<&'a Diagnostic> {
    diags
        .iter()
        .filter(|d| d.file == Path::new("content").join(file))
        .collect()
}

#[test]
fn each_lint_fires_on_its_fixture_with_a_position() {
    let diags = lints_fixture();
    let cases: &[(&str, &str, usize)] = &[
        ("no-summary.md", "no summary", 2),
        ("no-tags.md", "no tags", 2),
        (
            "unknown-tag.md",
            "tag `Ekonomy` is not in site.yaml's tag list",
            5,
        ),
        ("long-title.md", "title is 114 characters long", 2),
        ("boilerplate.md", "leftover boilerplate \"Baca juga\"", 9),
        ("empty-body.md", "empty body", 8),
        ("no-alt.md", "image without alt text", 6),
        ("no-alt.md", "image without alt text", 10),
        ("future.md", "dated in the future", 3),
        (
            "broken-link.md",
            "broken internal link `/2020/01/01/tidak-ada/`",
            8,
        ),
        ("dup-a.md", "near-duplicate of content/dup-b.md", 1),
        ("dup-b.md", "near-duplicate of content/dup-a.md", 1),
    ];
    for (file, message, line) in cases {
        let found = findings_for(&diags, file);
        assert!(
            found
                .iter()
                .any(|d| d.message.contains(message) && d.line == Some(*line)),
            "{file}: expected `{message}` at line {line}, got {found:#?}"
        );
    }
    // The boilerplate phrase is found whatever its case ("BACA JUGA"), at its column.
    let boiler = findings_for(&diags, "boilerplate.md");
    assert_eq!(boiler.len(), 1, "{boiler:#?}");
    assert_eq!(boiler[0].col, Some(1));
}

#[test]
fn clean_articles_get_no_lints() {
    let diags = lints_fixture();
    for file in ["harga-cabai.md", "hujan-datang-awal.md"] {
        let found = findings_for(&diags, file);
        assert!(found.is_empty(), "{file}: {found:#?}");
    }
    // Only what is wrong is reported: one kind of finding per lint fixture.
    for file in ["no-summary.md", "no-tags.md", "long-title.md", "future.md"] {
        assert_eq!(findings_for(&diags, file).len(), 1, "{file}: {diags:#?}");
    }
}

#[test]
fn broken_links_are_errors_in_check_and_warnings_elsewhere() {
    let diags = lints_fixture();
    let link = diags
        .iter()
        .find(|d| d.message.starts_with("broken internal link"))
        .expect("broken link reported");
    assert_eq!(link.severity, Severity::Error);
    assert!(
        diags.iter().filter(|d| d.is_error()).count() == 1,
        "{diags:#?}"
    );
}

#[test]
fn check_exit_codes() {
    let clean = Site::fixture("clean");
    let out = kabar(clean.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = kabar(clean.path(), &["check", "--strict"]);
    assert_eq!(out.status.code(), Some(0), "clean passes --strict: {out:?}");

    // A warning (no summary) passes, unless --strict.
    std::fs::write(
        clean.path().join("content/nelayan.md"),
        "---\ntitle: \"Nelayan kembali melaut\"\ndate: 2024-06-20\ntags: [Cuaca]\n---\nGelombang tinggi mereda.\n",
    )
    .expect("write");
    let out = kabar(clean.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: no summary"), "{stderr}");
    assert!(stderr.contains("content/nelayan.md:2:1"), "{stderr}");
    let out = kabar(clean.path(), &["check", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // A broken internal link fails even without --strict.
    std::fs::write(
        clean.path().join("content/nelayan.md"),
        "---\ntitle: \"Nelayan kembali melaut\"\ndate: 2024-06-20\nsummary: \"Laut tenang.\"\ntags: [Cuaca]\n---\nLihat [arsip](/2023/13/).\n",
    )
    .expect("write");
    let out = kabar(clean.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("broken internal link `/2023/13/`")
            && stderr.contains("content/nelayan.md:7:7"),
        "{stderr}"
    );

    // Broken front matter is an error too, and `check` writes nothing.
    std::fs::write(
        clean.path().join("content/nelayan.md"),
        "---\ntitle: \"Nelayan\"\ndate: 2024-06-20\ntagz: [Cuaca]\n---\nx\n",
    )
    .expect("write");
    let out = kabar(clean.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!clean.path().join("public").exists());
}

#[test]
fn check_reports_render_time_template_errors() {
    let clean = Site::fixture("clean");
    std::fs::create_dir_all(clean.path().join("templates")).expect("mkdir");
    std::fs::write(
        clean.path().join("templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}{{ no_such_variable }}{% endblock content %}",
    )
    .expect("write");
    let out = kabar(clean.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("templates/404.html"), "{stderr}");
}

#[test]
fn review_groups_the_queue_by_status_newest_first() {
    let out = kabar(&fixture_dir("lints"), &["review"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let review_at = text.find("REVIEW (2)").expect("review group");
    let draft_at = text.find("DRAFT (2)").expect("draft group");
    assert!(review_at < draft_at, "{text}");
    let pos = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing in {text}"))
    };
    // Review items: 2024-06-20 before 2024-06-16; drafts: 06-21 before 06-19.
    assert!(
        pos("Nelayan pesisir utara") < pos("Sekolah uji coba"),
        "{text}"
    );
    assert!(draft_at < pos("Jembatan gantung") && pos("Jembatan gantung") < pos("Catatan redaksi"));
    // Each item carries its lints; published articles are not in the queue.
    assert!(text.contains("line 2: no tags"), "{text}");
    assert!(text.contains("line 8: empty body"), "{text}");
    assert!(!text.contains("Harga cabai turun"), "{text}");
}
