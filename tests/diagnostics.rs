//! Errors a user sees: positions, hints, every bad file in one run, exit codes.

use crate::harness::{Site, article};

fn build_error(file_text: &str) -> String {
    let site = Site::new().file("content/x.md", file_text);
    site.build().fails(1).stderr
}

#[test]
fn unknown_key_points_at_it_and_suggests() {
    let err = build_error("---\ntitle: \"A\"\ndate: 2024-06-25\ntitel: \"B\"\n---\nbody\n");
    insta::assert_snapshot!(err);
}

#[test]
fn impossible_date_is_located() {
    let err = build_error("---\ntitle: \"A\"\ndate: 2026-02-30\n---\nbody\n");
    assert!(err.contains("content/x.md:3:1"), "{err}");
    assert!(err.contains("invalid date `2026-02-30`"), "{err}");
}

#[test]
fn yaml_syntax_error_is_file_absolute() {
    // The error is on the third line of the YAML block: the fourth of the file.
    let err = build_error("---\ntitle: \"A\"\ndate: 2024-06-25\ntags: a: b\n---\nbody\n");
    assert!(err.contains("content/x.md:4:8"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn duplicate_key_is_an_error() {
    let err = build_error("---\ntitle: \"A\"\ntitle: \"B\"\ndate: 2024-06-25\n---\nbody\n");
    assert!(err.contains("content/x.md:3:"), "{err}");
    assert!(err.to_lowercase().contains("duplicate"), "{err}");
}

#[test]
fn wrong_types_are_errors() {
    for (fm, needle) in [
        ("title: 2026", "`title` must be text, found a number"),
        ("title: null", "`title` must be text, found null"),
        ("title: \"A\"\ndate: tomorrow", "invalid date `tomorrow`"),
        (
            "title: \"A\"\nstatus: publishd",
            "did you mean `published`?",
        ),
        ("title: \"A\"\ndraft: yes", "unknown key `draft`"),
    ] {
        let date = if fm.contains("date:") {
            ""
        } else {
            "\ndate: 2024-06-25"
        };
        let err = build_error(&format!("---\n{fm}{date}\n---\nbody\n"));
        assert!(err.contains(needle), "{fm}: {err}");
    }
}

#[test]
fn a_scalar_tag_is_one_tag() {
    let site = Site::new().file(
        "content/x.md",
        "---\ntitle: \"A\"\ndate: 2024-06-25\ntags: politik\n---\nbody\n",
    );
    site.build().ok();
    assert!(site.exists("public/tags/politik/index.html"));
}

#[test]
fn every_bad_file_is_reported_in_one_run() {
    let site = Site::new()
        .file("content/a.md", "---\ntitle: \"A\"\n")
        .file("content/b.md", "no front matter\n")
        .file(
            "content/c.md",
            &article("Good", "2024-06-25", &["X"], "Fine."),
        )
        .file("content/d.md", "---\ntitle: \"D\"\ndate: 2024-13-01\n---\n");
    let run = site.build().fails(1);
    for f in ["content/a.md:1:1", "content/b.md:1:1", "content/d.md:3:1"] {
        assert!(run.stderr.contains(f), "{f} not reported:\n{}", run.stderr);
    }
    assert!(
        run.stderr.contains("3 problem(s) in 3 file(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_articles_on_one_url_name_both_files() {
    let site = Site::new()
        .file(
            "content/one.md",
            &article("Same Title", "2024-06-25T08:00:00+07:00", &[], "One."),
        )
        .file(
            "content/two.md",
            &article("same title", "2024-06-25T20:00:00+07:00", &[], "Two."),
        );
    let run = site.build().fails(1);
    assert!(
        run.stderr.contains("content/one.md and content/two.md"),
        "{}",
        run.stderr
    );
}

#[test]
fn output_folder_that_holds_the_site_is_refused() {
    let site = Site::new().file("content/a.md", &article("A", "2024-06-25", &[], "x"));
    site.run(&["build", "-o", "."])
        .fails(2)
        .stderr_has("contains the site itself");
    site.run(&["build", "-o", "content"])
        .fails(2)
        .stderr_has("inside the site's sources");
    site.run(&["build", "-o", "/"])
        .fails(2)
        .stderr_has("file system root");
    assert!(site.exists("content/a.md"));
}

#[test]
fn usage_errors_exit_2() {
    Site::new().run(&["build", "--no-such-flag"]).fails(2);
    Site::empty()
        .run(&["build"])
        .fails(2)
        .stderr_has("no content/ folder");
}
