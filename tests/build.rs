//! `kabar build` on fixture sites: every page type, feeds, escaping, sanitising, drafts, determinism.

use crate::harness::{Site, article, html, select, text_of};

const TRICKY_TITLE: &str = "Tom & Jerry <live> \"quoted\" di Pyongyang";

fn built() -> Site {
    let site = Site::fixture("digest");
    site.build().ok();
    site
}

#[test]
fn every_page_type_is_written() {
    let site = built();
    for page in [
        "public/index.html",
        "public/page/2/index.html",
        "public/2024/06/18/banjir-rob-pesisir-utara/index.html",
        "public/2024/06/19/index.html",
        "public/2024/06/index.html",
        "public/2024/05/index.html",
        "public/2024/index.html",
        "public/tags/index.html",
        "public/tags/cuaca/index.html",
        "public/tags/pesisir/index.html",
        "public/tags/jakarta/atom.xml",
        "public/atom.xml",
        "public/feed.json",
        "public/sitemap.xml",
        "public/robots.txt",
        "public/404.html",
        "public/search/index.html",
        "public/search/meta.json",
        "public/search/r/0.txt",
        "public/search/d/0.json",
        "public/style.css",
        "public/syntax.css",
        "public/search.js",
    ] {
        assert!(site.exists(page), "{page} missing");
    }
    // Five published articles at two per page.
    assert!(site.exists("public/page/3/index.html"));
    assert!(!site.exists("public/page/4/index.html"));
}

#[test]
fn article_page_shows_what_a_reader_expects() {
    let site = built();
    let doc = html(&site.read("public/2024/06/18/banjir-rob-pesisir-utara/index.html"));
    assert_eq!(text_of(&doc, "h1"), "Banjir rob merendam pesisir utara");
    assert_eq!(select(&doc, "html")[0].value().attr("lang"), Some("id"));
    assert_eq!(select(&doc, "h1")[0].value().attr("dir"), Some("auto"));
    let byline = text_of(&doc, ".byline");
    assert!(byline.contains("Rara Wulandari"), "{byline}");
    assert!(byline.contains("Selasa, 18 Juni 2024"), "{byline}");
    assert!(
        text_of(&doc, ".body")
            .trim()
            .starts_with("JAKARTA — Banjir rob")
    );
    assert_eq!(select(&doc, "h2#warga-mengungsi").len(), 1);
    let source = select(&doc, ".story-foot a[href='https://example.org/banjir']");
    assert!(!source.is_empty(), "no link to the original source");
    // The other article of the same story is in the timeline, and not repeated among
    // the related links beside it.
    let related: Vec<_> = select(&doc, ".related a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        !related.contains(&"/2024/06/19/rob-meluas-pengungsi-bertambah-di-pesisir-utara/"),
        "{related:?}"
    );
    assert_eq!(select(&doc, ".timeline li").len(), 2);
    // English dates on English articles.
    let en = html(&site.read("public/2024/05/30/rail-fares-change-next-month/index.html"));
    assert!(text_of(&en, ".byline").contains("Thursday, 30 May 2024"));
}

#[test]
fn pinned_related_story_comes_first() {
    // A pin outside the story's timeline leads the related list, whatever its score.
    let site = Site::new()
        .file(
            "content/a.md",
            "---\ntitle: \"Banjir rob di pesisir utara\"\ndate: 2024-06-19T08:00:00+07:00\ntags: [Banjir]\nrelated: [festival-layang-layang]\n---\n\nAir laut pasang merendam permukiman di pesisir utara.\n",
        )
        .file(
            "content/b.md",
            &article("Banjir rob meluas ke kampung nelayan", "2024-06-18T08:00:00+07:00", &["Banjir"], "Air pasang merendam kampung nelayan dan permukiman pesisir."),
        )
        .file(
            "content/c.md",
            &article("Festival layang-layang", "2024-06-10T08:00:00+07:00", &["Budaya"], "Ratusan layang-layang menghiasi langit pantai."),
        );
    site.build().ok();
    let doc = html(&site.read("public/2024/06/19/banjir-rob-di-pesisir-utara/index.html"));
    let first = select(&doc, ".related a")[0].value().attr("href");
    assert_eq!(first, Some("/2024/06/10/festival-layang-layang/"));
    // A pin that the timeline shows is not repeated (the fixture's pinned sibling).
    let site = built();
    let doc = html(
        &site.read("public/2024/06/19/rob-meluas-pengungsi-bertambah-di-pesisir-utara/index.html"),
    );
    let timeline: Vec<_> = select(&doc, ".timeline a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        timeline.contains(&"/2024/06/18/banjir-rob-pesisir-utara/"),
        "{timeline:?}"
    );
    assert!(
        select(
            &doc,
            ".related a[href='/2024/06/18/banjir-rob-pesisir-utara/']"
        )
        .is_empty()
    );
}

#[test]
fn tricky_title_is_escaped_exactly_once_everywhere() {
    let site = built();
    let page = site.read("public/2024/06/19/tom-jerry-live-quoted-di-pyongyang/index.html");
    let doc = html(&page);
    assert_eq!(text_of(&doc, "h1"), TRICKY_TITLE);
    assert_eq!(
        text_of(&doc, "title"),
        format!("{TRICKY_TITLE} — Fixture Digest")
    );
    let og = select(&doc, "meta[property='og:title']")[0]
        .value()
        .attr("content");
    assert_eq!(og, Some(TRICKY_TITLE));
    assert!(!page.contains("&amp;amp;"), "double escaping");

    let atom =
        feed_rs::parser::parse(site.read("public/atom.xml").as_bytes()).expect("Atom parses");
    let titles: Vec<String> = atom
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(titles.contains(&TRICKY_TITLE.to_string()), "{titles:?}");

    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("JSON Feed parses");
    let items = json["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["title"] == TRICKY_TITLE));

    // On a list page: its day's edition (the front page shows the newest day only).
    let home = html(&site.read("public/2024/06/19/index.html"));
    let cards: Vec<String> = select(&home, ".lead-title a, .card-title a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert!(cards.contains(&TRICKY_TITLE.to_string()), "{cards:?}");
}

#[test]
fn feeds_are_valid_and_complete() {
    let site = built();
    let atom =
        feed_rs::parser::parse(site.read("public/atom.xml").as_bytes()).expect("Atom parses");
    assert_eq!(atom.entries.len(), 5);
    assert_eq!(
        atom.title.map(|t| t.content).as_deref(),
        Some("Fixture Digest")
    );
    let first = &atom.entries[0];
    assert!(
        first.links[0]
            .href
            .starts_with("https://news.example.org/2024/06/20/")
    );
    let tag = feed_rs::parser::parse(site.read("public/tags/pesisir/atom.xml").as_bytes())
        .expect("tag feed");
    assert_eq!(tag.entries.len(), 2);

    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("JSON");
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"].as_array().map(Vec::len), Some(5));
    let parsed = feed_rs::parser::parse(site.read("public/feed.json").as_bytes())
        .expect("feed-rs reads JSON Feed");
    assert_eq!(parsed.entries.len(), 5);

    let sitemap = site.read("public/sitemap.xml");
    let locs = sitemap_locs(&sitemap);
    assert!(
        locs.iter()
            .any(|l| l == "https://news.example.org/2024/06/18/banjir-rob-pesisir-utara/"),
        "{locs:?}"
    );
    assert!(
        site.read("public/robots.txt")
            .contains("Sitemap: https://news.example.org/sitemap.xml")
    );
    let meta: serde_json::Value =
        serde_json::from_str(&site.read("public/search/meta.json")).expect("search meta");
    assert_eq!(meta["docs"], 5);
    assert!(!site.exists("public/search-index.json"));
}

/// The sitemap's `<loc>` values, read with a real XML parser.
fn sitemap_locs(text: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut locs = Vec::new();
    let mut in_loc = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => in_loc = e.name().as_ref() == b"loc",
            quick_xml::events::Event::Text(t) if in_loc => {
                locs.push(t.decode().expect("text").into_owned())
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    locs
}

#[test]
fn scraped_markup_cannot_run() {
    let site = built();
    let page = site
        .read("public/2024/06/20/scraped-text-with-script-script-alert-1-script-inside/index.html");
    let doc = html(&page);
    let body = select(&doc, ".body")[0].html();
    for bad in [
        "<script",
        "onerror",
        "javascript:",
        "vbscript:",
        "data:text/html",
        "<iframe",
        "<style",
        "<svg",
        "<form",
        "<input type=\"text\"",
    ] {
        assert!(!body.contains(bad), "{bad} reached the page body");
    }
    // Only our own scripts: JSON-LD and the search box.
    let scripts = select(&doc, "script");
    assert_eq!(scripts.len(), 2, "{page}");
    let ld = scripts[0].text().collect::<String>();
    assert!(!ld.contains("</script"), "JSON-LD can be closed early");
    let parsed: serde_json::Value = serde_json::from_str(&ld).expect("JSON-LD parses");
    assert_eq!(
        parsed["headline"],
        "Scraped text with </script><script>alert(1)</script> inside"
    );
    // Template syntax in article text is shown, not run.
    // (Smart punctuation curls the quotes; the braces stay.)
    let body = text_of(&doc, ".body");
    assert!(
        body.contains("{{ get_env(name=") && body.contains("{% include "),
        "{body}"
    );
    // The fence info string is reduced to a safe class.
    assert!(!page.contains("alert(6)\">"));
    assert!(page.contains("hl-"), "code was not highlighted");
}

#[test]
fn unpublished_articles_appear_nowhere() {
    let site = built();
    for (path, bytes) in site.tree("public") {
        let text = String::from_utf8_lossy(&bytes);
        for canary in [
            "CANARY-DRAFT-1",
            "CANARY-REVIEW-2",
            "CANARY-FUTURE-3",
            "Draft story",
            "Review story",
            "Future story",
        ] {
            assert!(
                !text.contains(canary),
                "{canary} leaked into {}",
                path.display()
            );
        }
    }
    // --drafts includes them.
    site.run(&["build", "--quiet", "--drafts", "-o", "preview"])
        .ok();
    assert!(site.exists("preview/2024/06/20/draft-story/index.html"));
    assert!(site.exists("preview/2999/01/01/future-story/index.html"));
}

#[test]
fn two_builds_are_byte_identical() {
    let site = Site::fixture("digest");
    site.run(&["build", "--quiet", "-o", "one"]).ok();
    site.run(&["build", "--quiet", "-o", "two"]).ok();
    let (one, two) = (site.tree("one"), site.tree("two"));
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &one {
        assert!(two[path] == *bytes, "{} differs", path.display());
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let site = built();
    let before = site.tree("public");
    let site = site.file(
        "content/bad.md",
        "---\ntitle: \"Bad\"\ndate: 2024-02-30\n---\nbody\n",
    );
    site.build().fails(1).stderr_has("content/bad.md:3:1");
    assert_eq!(site.tree("public"), before);
    let leftovers = site.build_leftovers();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}

#[test]
fn deleted_article_disappears_from_every_output() {
    let site = built();
    assert!(site.read("public/atom.xml").contains("Rail fares change"));
    std::fs::remove_file(site.path().join("content/2024/06/english.md")).expect("rm");
    site.build().ok();
    assert!(!site.exists("public/2024/05/30/rail-fares-change-next-month/index.html"));
    assert!(!site.exists("public/2024/05/index.html"));
    for (path, bytes) in site.tree("public") {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("Rail fares change"),
            "still in {}",
            path.display()
        );
    }
}

#[test]
fn tag_aliases_merge_and_tag_pages_paginate() {
    let site = built();
    assert!(site.exists("public/tags/korea-utara/index.html"));
    // The alias's own page is a redirect to the merged tag, not a second tag page.
    assert!(
        site.read("public/tags/korut/index.html")
            .contains("url=https://news.example.org/tags/korea-utara/")
    );
    let doc = html(&site.read("public/tags/index.html"));
    let names: Vec<String> = select(&doc, ".tag-cloud a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert!(names.contains(&"Korea Utara".to_string()), "{names:?}");
    // Cuaca has two published articles at two per page: one page only.
    assert!(!site.exists("public/tags/cuaca/page/2/index.html"));
}

#[test]
fn base_url_override_reaches_feeds_and_links() {
    let site = Site::fixture("digest");
    site.run(&[
        "build",
        "--quiet",
        "--base-url",
        "https://mirror.example.net/news",
    ])
    .ok();
    assert!(
        site.read("public/atom.xml")
            .contains("https://mirror.example.net/news/2024/")
    );
    let doc = html(&site.read("public/index.html"));
    // The newest story leads the front page; the others are cards.
    let href = select(&doc, ".lead-title a, .card-title a")[0]
        .value()
        .attr("href")
        .unwrap_or("");
    assert!(href.starts_with("/news/2024/"), "{href}");
}

#[test]
fn a_site_template_overrides_the_builtin_one() {
    let site = Site::fixture("digest").file(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">Hilang!</p>{% endblock content %}",
    );
    site.build().ok();
    assert_eq!(
        text_of(&html(&site.read("public/404.html")), ".custom"),
        "Hilang!"
    );
}

#[test]
fn a_broken_template_is_named() {
    let site = Site::fixture("digest").file("templates/tags.html", "{% if %}");
    site.build().fails(1).stderr_has("templates/tags.html");
}

#[test]
fn new_and_init_scaffold_sites_that_build() {
    let site = Site::empty();
    site.run(&["init", "mysite"]).ok();
    site.run(&["init", "mysite"])
        .fails(2)
        .stderr_has("not empty");
    let new = site
        .run(&[
            "-C",
            "mysite",
            "new",
            "Harga cabai naik",
            "--tags",
            "Ekonomi,Pangan",
        ])
        .ok();
    let text = site.read(&format!("mysite/{}", new.stdout.trim()));
    assert!(
        text.contains("status: draft") && text.contains("\"Ekonomi\", \"Pangan\""),
        "{text}"
    );
    site.run(&["-C", "mysite", "new", "Harga cabai naik"])
        .fails(2)
        .stderr_has("already exists");
    site.run(&["-C", "mysite", "build", "--quiet"]).ok();
    assert!(site.exists("mysite/public/tags/kabar/index.html"));
    // The draft made by `new` is not published.
    assert!(!site.exists("mysite/public/tags/pangan"));
}

#[test]
fn minimal_site_with_only_content_builds() {
    let site = Site::empty().file(
        "content/a.md",
        &article("Hello", "2024-01-02", &["X"], "Body text."),
    );
    site.build().ok();
    assert!(site.exists("public/2024/01/02/hello/index.html"));
}

#[test]
fn rendered_article_snapshot() {
    let site = built();
    let page =
        site.read("public/2024/06/19/rob-meluas-pengungsi-bertambah-di-pesisir-utara/index.html");
    let doc = html(&page);
    let main = select(&doc, "main")[0].html();
    insta::assert_snapshot!(main);
}

#[test]
fn near_identical_coverage_gets_a_timeline_without_a_story_id() {
    let body = "Pelabuhan Teluk Sembira lumpuh setelah ratusan buruh bongkar muat mogok menuntut upah lembur. \
                Antrean kapal kargo memanjang hingga dua puluh kapal dan pasokan bahan pokok ke pulau terhambat.";
    let site = Site::new()
        .file(
            "content/a.md",
            &article(
                "Buruh pelabuhan Sembira mogok",
                "2024-06-20T08:00:00+07:00",
                &[],
                body,
            ),
        )
        .file(
            "content/b.md",
            &article(
                "Mogok buruh lumpuhkan Teluk Sembira",
                "2024-06-21T09:00:00+07:00",
                &[],
                body,
            ),
        )
        .file(
            "content/c.md",
            &article(
                "Harga cabai turun",
                "2024-06-21T10:00:00+07:00",
                &[],
                "Harga cabai rawit turun di pasar induk.",
            ),
        );
    site.build().ok();
    let doc = html(&site.read("public/2024/06/20/buruh-pelabuhan-sembira-mogok/index.html"));
    let items: Vec<String> = select(&doc, ".timeline li")
        .iter()
        .map(|li| li.text().collect())
        .collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(
        items[1].contains("Mogok buruh lumpuhkan Teluk Sembira"),
        "{items:?}"
    );
    let other = html(&site.read("public/2024/06/21/harga-cabai-turun/index.html"));
    assert!(select(&other, ".timeline").is_empty());
}

#[test]
fn an_unchanged_site_is_not_rebuilt() {
    let site = built();
    let before = std::fs::metadata(site.path().join("public/index.html"))
        .and_then(|m| m.modified())
        .expect("mtime");
    let run = site.run(&["build"]).ok();
    assert!(
        run.stderr
            .contains("unchanged since the last build: 5 articles"),
        "{}",
        run.stderr
    );
    let after = std::fs::metadata(site.path().join("public/index.html"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after, "an unchanged build rewrote the output");
    // The manifest lives beside the output, never in it.
    assert!(
        site.tree("public")
            .keys()
            .all(|p| !p.to_string_lossy().contains("manifest"))
    );
    // An edit, a new option or --force each rebuild.
    let site = site.file(
        "content/2024/06/english.md",
        &article("Rail fares change in July", "2024-05-30", &[], "x"),
    );
    // The retitled story moves (it has no `slug:`): the build says so, then builds.
    let run = site.run(&["build"]).ok();
    assert!(run.stderr.contains("\nbuilt 5 articles"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("rail-fares-change-next-month/ was published by the last build")
    );
    assert!(
        site.run(&["build", "--force"])
            .ok()
            .stderr
            .starts_with("built 5 articles")
    );
    assert!(
        site.run(&["build", "--drafts"])
            .ok()
            .stderr
            .starts_with("built 8 articles")
    );
}

#[test]
fn a_rebuilt_kabar_builds_again_though_the_site_is_unchanged() {
    let site = built();
    // Another binary of the same version: a copy, then a copy with another size.
    let bin = site.path().join("kabar-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_kabar"), &bin).expect("copy kabar");
    let run = site.run_bin_via(&bin, &["env"], &["build"]).ok();
    assert!(run.stderr.starts_with("built 5 articles"), "{}", run.stderr);
    let again = site.run_bin_via(&bin, &["env"], &["build"]).ok();
    assert!(again.stderr.contains("unchanged since"), "{}", again.stderr);
    let mut bytes = std::fs::read(&bin).expect("read the copy");
    bytes.push(0);
    std::fs::write(&bin, bytes).expect("grow the copy");
    let run = site.run_bin_via(&bin, &["env"], &["build"]).ok();
    assert!(run.stderr.starts_with("built 5 articles"), "{}", run.stderr);
}

#[test]
fn timings_name_every_stage_in_order() {
    let site = Site::fixture("digest");
    let run = site.run(&["build", "--timings", "--incremental"]).ok();
    let stages: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.split_once(" ms  "))
        .map(|(ms, stage)| {
            assert!(ms.trim().parse::<f64>().is_ok(), "{l:?}", l = ms);
            stage
        })
        .collect();
    assert_eq!(
        stages,
        [
            "fingerprint",
            "  beside it: read the last manifest",
            "  beside it: read the build cache",
            "read",
            "parse",
            "index",
            "  of which related stories",
            "templates",
            "folders",
            "render + write",
            "  of which search index",
            "static files",
            "swap in, remove the old output",
            "write the build cache",
            "  beside it: record the manifest",
        ],
        "{}",
        run.stderr
    );
    // Without the flag the summary line stands alone, with what became of the cache.
    let quiet = site.run(&["build", "--force", "--incremental"]).ok();
    let lines: Vec<&str> = quiet.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", quiet.stderr);
    assert_eq!(lines[1], "full build: --force");
    // A build without --incremental neither reads nor writes a cache.
    std::fs::remove_file(site.path().join(".public.kabar-cache")).expect("the cache is there");
    let plain = site.run(&["build", "--force", "--timings"]).ok();
    assert!(!plain.stderr.contains("cache"), "{}", plain.stderr);
    assert!(!site.path().join(".public.kabar-cache").exists());
}
