//! Life after publication: corrections, retractions and moved URLs, as a reader, a feed
//! reader and a search engine see them.

use crate::harness::{Site, article, html, select, text_of};

fn with_front(extra: &str, title: &str, date: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title:?}\ndate: {date}\ntags: [Kota]\nauthors: [Tester]\n{extra}---\n\n{body}\n"
    )
}

const CORRECTED: &str = "content/tarif.md";

fn corrected_site() -> Site {
    // Written out of order: the page and the log order them by date.
    let corrections = "corrections:\n  - {date: 2024-06-26T09:00:00+07:00, text: \"Tarif dasar naik Rp1.000, bukan Rp2.000.\"}\n  - {date: 2024-06-25T18:00:00+07:00, text: \"Nama operator diperbaiki.\"}\n";
    Site::new()
        .file(
            CORRECTED,
            &with_front(
                corrections,
                "Tarif komuter naik",
                "2024-06-25T10:00:00+07:00",
                "Tarif naik.",
            ),
        )
        .file(
            "content/lain.md",
            &article("Berita lain", "2024-06-24", &["Kota"], "Lain."),
        )
}

#[test]
fn a_correction_is_a_dated_notice_on_the_story_oldest_first() {
    let site = corrected_site();
    site.build().ok();
    let page = html(&site.read("public/2024/06/25/tarif-komuter-naik/index.html"));
    let notices: Vec<String> = select(&page, "aside.corrections li")
        .iter()
        .map(|li| li.text().collect::<String>())
        .collect();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices[0].contains("Nama operator diperbaiki."),
        "{notices:?}"
    );
    assert!(notices[1].contains("bukan Rp2.000"), "{notices:?}");
    let times: Vec<&str> = select(&page, "aside.corrections time")
        .iter()
        .filter_map(|t| t.value().attr("datetime"))
        .collect();
    assert_eq!(
        times,
        ["2024-06-25T18:00:00+07:00", "2024-06-26T09:00:00+07:00"]
    );
    // The story counts as updated at its last correction.
    assert!(
        text_of(&page, ".byline").contains("26"),
        "{}",
        text_of(&page, ".byline")
    );
}

#[test]
fn json_ld_carries_each_correction_as_a_correction_comment() {
    let site = corrected_site();
    site.build().ok();
    let page = html(&site.read("public/2024/06/25/tarif-komuter-naik/index.html"));
    let script = select(&page, "script[type=\"application/ld+json\"]")[0]
        .text()
        .collect::<String>();
    let ld: serde_json::Value = serde_json::from_str(&script).expect("JSON-LD parses");
    let corrections = ld["correction"].as_array().expect("correction array");
    assert_eq!(corrections.len(), 2);
    assert_eq!(corrections[1]["@type"], "CorrectionComment");
    assert_eq!(corrections[1]["datePublished"], "2024-06-26T09:00:00+07:00");
    assert_eq!(ld["dateModified"], "2024-06-26T09:00:00+07:00");
}

#[test]
fn feeds_show_the_corrected_entry_with_the_same_id_and_a_new_update_time() {
    let site = corrected_site();
    site.build().ok();
    let feed = feed_rs::parser::parse(site.read("public/atom.xml").as_bytes()).expect("atom");
    let entry = feed
        .entries
        .iter()
        .find(|e| e.id.ends_with("/2024/06/25/tarif-komuter-naik/"))
        .expect("the story's entry, id = its URL");
    assert_eq!(
        entry.updated.map(|u| u.to_rfc3339()).as_deref(),
        Some("2024-06-26T02:00:00+00:00")
    );
    let content = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    assert!(content.contains("bukan Rp2.000"), "{content}");
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("json");
    let item = &json["items"].as_array().expect("items")[0];
    assert!(
        item["content_html"]
            .as_str()
            .unwrap_or_default()
            .contains("Nama operator")
    );
}

#[test]
fn the_corrections_log_lists_every_correction_newest_first_with_its_feed() {
    let site = corrected_site();
    site.build().ok();
    let log = html(&site.read("public/corrections/index.html"));
    let items: Vec<String> = select(&log, ".corrections-log li")
        .iter()
        .map(|li| li.text().collect::<String>())
        .collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].contains("bukan Rp2.000") && items[0].contains("Tarif komuter naik"));
    let link = select(&log, ".corrections-log li a")[0]
        .value()
        .attr("href")
        .unwrap_or_default();
    assert_eq!(link, "/2024/06/25/tarif-komuter-naik/");
    let feed = feed_rs::parser::parse(site.read("public/corrections/atom.xml").as_bytes())
        .expect("the corrections feed parses");
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "https://news.example.org/2024/06/25/tarif-komuter-naik/#correction-2",
            "https://news.example.org/2024/06/25/tarif-komuter-naik/#correction-1"
        ]
    );
}

#[test]
fn a_correction_without_text_or_date_is_an_error_at_its_key() {
    let site = Site::new().file(
        "content/x.md",
        &with_front(
            "corrections:\n  - {date: kemarin, text: \"x\"}\n  - {date: 2024-06-26, text: \" \"}\n",
            "X",
            "2024-06-25",
            "x",
        ),
    );
    let run = site.build().fails(1);
    assert!(run.stderr.contains("content/x.md:6:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid date `kemarin`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("a correction has no text"),
        "{}",
        run.stderr
    );
}

fn retracted_site() -> Site {
    let retracted =
        "status: retracted\nretraction: \"Dicabut: sumber menarik laporannya.\"\nstory: pasar\n";
    Site::new()
        .file(
            "content/dicabut.md",
            &with_front(
                retracted,
                "Pasar ikan ditutup",
                "2024-06-25T08:00:00+07:00",
                "Pasar ikan ditutup permanen.",
            ),
        )
        .file(
            "content/ikan.md",
            &with_front(
                "story: pasar\n",
                "Pasar ikan ramai",
                "2024-06-26T08:00:00+07:00",
                "Pasar ikan ditutup? Tidak, ramai.",
            ),
        )
}

#[test]
fn a_retracted_story_keeps_a_noindex_notice_at_its_url_and_leaves_everything_else() {
    let site = retracted_site();
    site.build().ok();
    let notice = html(&site.read("public/2024/06/25/pasar-ikan-ditutup/index.html"));
    assert_eq!(
        select(&notice, "meta[name=robots]")[0]
            .value()
            .attr("content"),
        Some("noindex")
    );
    assert!(text_of(&notice, ".notice").contains("sumber menarik laporannya"));
    assert!(
        !text_of(&notice, "body").contains("ditutup permanen"),
        "the text is gone"
    );
    for file in [
        "public/index.html",
        "public/tags/kota/index.html",
        "public/2024/06/index.html",
        "public/tags/kota/atom.xml",
        "public/sitemap.xml",
        "public/2024/06/26/pasar-ikan-ramai/index.html",
    ] {
        assert!(
            !site.read(file).contains("pasar-ikan-ditutup"),
            "{file} still names it"
        );
    }
    assert!(
        !site.exists("public/2024/06/25/index.html"),
        "no edition for the day"
    );
}

#[test]
fn a_retraction_needs_its_notice_and_a_notice_needs_the_status() {
    let site = Site::new()
        .file(
            "content/a.md",
            &with_front("status: retracted\n", "A", "2024-06-25", "x"),
        )
        .file(
            "content/b.md",
            &with_front("retraction: \"Dicabut.\"\n", "B", "2024-06-25", "x"),
        );
    let run = site.build().fails(1);
    assert!(run.stderr.contains("content/a.md:6:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("needs a `retraction:` notice"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("content/b.md:6:1"), "{}", run.stderr);
    assert!(run.stderr.contains("not retracted"), "{}", run.stderr);
}

#[test]
fn an_alias_leaves_a_redirect_at_the_old_path() {
    let moved = "aliases: [/2024/06/24/tarif-lama/, \"/2024/06/23/x/index.html\"]\ncanonical: \"https://original.example/story\"\n";
    let site = Site::new().file(
        "content/a.md",
        &with_front(moved, "Tarif baru", "2024-06-25", "x"),
    );
    site.build().ok();
    for old in [
        "public/2024/06/24/tarif-lama/index.html",
        "public/2024/06/23/x/index.html",
    ] {
        let page = html(&site.read(old));
        let refresh = select(&page, "meta[http-equiv=refresh]")[0]
            .value()
            .attr("content");
        assert_eq!(
            refresh,
            Some("0; url=https://news.example.org/2024/06/25/tarif-baru/")
        );
        let link = select(&page, "a")[0].value().attr("href");
        assert_eq!(
            link,
            Some("https://news.example.org/2024/06/25/tarif-baru/")
        );
    }
    let story = html(&site.read("public/2024/06/25/tarif-baru/index.html"));
    let canonical = select(&story, "link[rel=canonical]")[0]
        .value()
        .attr("href");
    assert_eq!(canonical, Some("https://original.example/story"));
}

#[test]
fn an_alias_that_is_a_page_or_not_a_path_is_an_error() {
    let site = Site::new()
        .file("content/a.md", &article("Satu", "2024-06-25", &[], "x"))
        .file(
            "content/b.md",
            &with_front("aliases: [/2024/06/25/satu/]\n", "Dua", "2024-06-26", "x"),
        )
        .file(
            "content/c.md",
            &with_front("aliases: [\"../../etc\"]\n", "Tiga", "2024-06-26", "x"),
        );
    let run = site.build().fails(1);
    assert!(
        run.stderr
            .contains("alias /2024/06/25/satu/ is already a page"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("content/c.md:6:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("is not a path on this site"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_renamed_tag_leaves_a_redirect_at_its_old_page() {
    let site = Site::empty()
        .file("site.yaml", "title: T\nbase_url: \"https://news.example.org/\"\ntag_aliases: {Korut: Korea Utara}\n")
        .file("content/a.md", &article("A", "2024-06-25", &["Korut"], "x"));
    site.build().ok();
    assert!(site.exists("public/tags/korea-utara/index.html"));
    let page = html(&site.read("public/tags/korut/index.html"));
    let refresh = select(&page, "meta[http-equiv=refresh]")[0]
        .value()
        .attr("content");
    assert_eq!(
        refresh,
        Some("0; url=https://news.example.org/tags/korea-utara/")
    );
}

#[test]
fn updated_before_date_is_an_error() {
    let site = Site::new().file(
        "content/x.md",
        &with_front("updated: 2024-06-24\n", "X", "2024-06-25", "x"),
    );
    site.build()
        .fails(1)
        .stderr_has("content/x.md:6:1")
        .stderr_has("earlier than `date`");
}

/// `kabar build` with the build's clock fixed (`SOURCE_DATE_EPOCH`).
fn build_at(site: &Site, when: &str) -> crate::harness::Run {
    let at: jiff::Timestamp = when.parse().expect("timestamp");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kabar"))
        .args(["build"])
        .env("SOURCE_DATE_EPOCH", at.as_second().to_string())
        .env("NO_COLOR", "1")
        .current_dir(site.path())
        .output()
        .expect("run kabar");
    crate::harness::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn news_site() -> Site {
    Site::new()
        .file(
            "content/baru.md",
            &article(
                "Berita baru",
                "2024-06-25T10:00:00+07:00",
                &["Kota"],
                "Baru.",
            ),
        )
        .file(
            "content/kemarin.md",
            &article(
                "Berita kemarin",
                "2024-06-24T09:00:00+07:00",
                &["Kota"],
                "Kemarin.",
            ),
        )
        .file(
            "content/lama.md",
            &article(
                "Berita lama",
                "2024-06-20T09:00:00+07:00",
                &["Kota"],
                "Lama.",
            ),
        )
}

/// (loc, news:title, news:language, news:publication_date) of each URL, read with an XML parser.
fn news_urls(xml: &str) -> Vec<(String, String, String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut urls, mut path, mut current) = (Vec::new(), Vec::<String>::new(), Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned()),
            Event::End(_) if path.pop().as_deref() == Some("url") => {
                let get = |k: &str| -> String {
                    current
                        .iter()
                        .find(|(n, _): &&(String, String)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                urls.push((
                    get("loc"),
                    get("news:title"),
                    get("news:language"),
                    get("news:publication_date"),
                ));
                current.clear();
            }
            Event::Text(t) => {
                if let Some(name) = path.last() {
                    current.push((name.clone(), t.decode().expect("text").into_owned()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    urls
}

#[test]
fn the_news_sitemap_holds_the_last_two_days_and_robots_names_it() {
    let site = news_site();
    build_at(&site, "2024-06-25T12:00:00+07:00").ok();
    let xml = site.read("public/news-sitemap.xml");
    assert!(xml.contains("xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\""));
    let urls = news_urls(&xml);
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert_eq!(
        urls[0].0,
        "https://news.example.org/2024/06/25/berita-baru/"
    );
    assert_eq!(urls[0].1, "Berita baru");
    assert_eq!(urls[0].2, "id");
    assert_eq!(urls[0].3, "2024-06-25T10:00:00+07:00");
    assert!(
        site.read("public/robots.txt")
            .contains("Sitemap: https://news.example.org/news-sitemap.xml")
    );
}

#[test]
fn a_story_leaving_the_news_window_makes_the_next_build_run() {
    let site = news_site();
    build_at(&site, "2024-06-25T12:00:00+07:00").ok();
    let unchanged = build_at(&site, "2024-06-26T08:00:00+07:00").ok();
    assert!(
        unchanged.stderr.contains("unchanged"),
        "{}",
        unchanged.stderr
    );
    // Yesterday's story leaves the window at 2024-06-26T09:00+07:00.
    let run = build_at(&site, "2024-06-26T09:30:00+07:00").ok();
    assert!(!run.stderr.contains("unchanged"), "{}", run.stderr);
    let urls = news_urls(&site.read("public/news-sitemap.xml"));
    assert_eq!(urls.len(), 1, "{urls:?}");
}

#[test]
fn rss_feeds_parse_and_hold_feeds_items_entries() {
    let site = news_site().file(
        "site.yaml",
        &format!(
            "{}feeds: {{items: 2}}\nwebsub_hub: \"https://hub.example/\"\n",
            crate::harness::SITE_YAML
        ),
    );
    site.build().ok();
    for (file, entries) in [
        ("public/rss.xml", 2),
        ("public/tags/kota/rss.xml", 2),
        ("public/atom.xml", 2),
    ] {
        let feed = feed_rs::parser::parse(site.read(file).as_bytes())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(feed.entries.len(), entries, "{file}");
        assert_eq!(
            feed.entries[0].links[0].href,
            "https://news.example.org/2024/06/25/berita-baru/"
        );
    }
    let rss = site.read("public/rss.xml");
    assert!(
        rss.contains("<atom:link rel=\"hub\" href=\"https://hub.example/\"/>"),
        "{rss}"
    );
    assert!(
        site.read("public/atom.xml")
            .contains("<link rel=\"hub\" href=\"https://hub.example/\"/>")
    );
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/feed.json")).expect("json");
    assert_eq!(json["hubs"][0]["url"], "https://hub.example/");
    assert_eq!(json["items"].as_array().map(Vec::len), Some(2));
}

#[test]
fn pages_carry_opengraph_with_absolute_urls() {
    let site = Site::new()
        .file(
            "site.yaml",
            &format!("{}logo: /images/logo.svg\n", crate::harness::SITE_YAML),
        )
        .file(
            "content/a.md",
            &with_front(
                "image: {src: /images/banjir.jpg, alt: \"Warga mengungsi\"}\n",
                "Banjir",
                "2024-06-25",
                "x",
            ),
        );
    site.build().ok();
    let page = html(&site.read("public/2024/06/25/banjir/index.html"));
    let meta = |name: &str| -> Option<String> {
        select(
            &page,
            &format!("meta[property=\"{name}\"], meta[name=\"{name}\"]"),
        )
        .first()
        .and_then(|m| m.value().attr("content").map(String::from))
    };
    assert_eq!(
        meta("og:image").as_deref(),
        Some("https://news.example.org/images/banjir.jpg")
    );
    assert_eq!(meta("og:site_name").as_deref(), Some("Test Digest"));
    assert_eq!(meta("og:locale").as_deref(), Some("id_ID"));
    assert_eq!(meta("twitter:card").as_deref(), Some("summary_large_image"));
    assert_eq!(
        meta("article:published_time").as_deref(),
        Some("2024-06-25T00:00:00+07:00")
    );
    assert_eq!(meta("article:section").as_deref(), Some("Kota"));
    let script = select(&page, "script[type=\"application/ld+json\"]")[0]
        .text()
        .collect::<String>();
    let ld: serde_json::Value = serde_json::from_str(&script).expect("JSON-LD");
    assert_eq!(
        ld["publisher"]["logo"]["url"],
        "https://news.example.org/images/logo.svg"
    );
    assert_eq!(ld["articleSection"], "Kota");
    let front = html(&site.read("public/index.html"));
    let og_url = select(&front, "meta[property=\"og:url\"]")[0]
        .value()
        .attr("content");
    assert_eq!(og_url, Some("https://news.example.org/"));
    for (file, url) in [
        ("public/tags/index.html", "https://news.example.org/tags/"),
        (
            "public/corrections/index.html",
            "https://news.example.org/corrections/",
        ),
        (
            "public/tags/kota/index.html",
            "https://news.example.org/tags/kota/",
        ),
    ] {
        let page = html(&site.read(file));
        let og_url = select(&page, "meta[property=\"og:url\"]")[0]
            .value()
            .attr("content");
        assert_eq!(og_url, Some(url), "{file}");
        assert_eq!(
            select(&page, "meta[name=\"twitter:card\"]").len(),
            1,
            "{file}"
        );
    }
}

// Silent mistakes: each once built without a word; now `kabar check` names it at its place.

fn check_strict(site: &Site) -> crate::harness::Run {
    site.run(&["check", "--strict"]).fails(1)
}

#[test]
fn a_pin_to_no_published_story_is_named_with_a_suggestion() {
    let site = Site::new()
        .file(
            "content/a.md",
            &article("Banjir rob", "2024-06-25", &["Kota"], "x"),
        )
        .file(
            "content/b.md",
            &with_front(
                "related: [banjir-robb]\nsummary: \"S.\"\n",
                "B",
                "2024-06-26",
                "x",
            ),
        );
    check_strict(&site)
        .stderr_has("content/b.md:6:1")
        .stderr_has("pinned related story `banjir-robb` is not a published article")
        .stderr_has("did you mean `banjir-rob`?");
}

#[test]
fn a_missing_local_image_is_named_in_front_matter_and_body() {
    let site = Site::new().file("static/images/ada.jpg", "jpg").file(
        "content/a.md",
        &with_front(
            "image: {src: /images/hilang.jpg, alt: \"x\"}\nsummary: \"S.\"\n",
            "A",
            "2024-06-25",
            "![ada](/images/ada.jpg)\n\n![foto](/images/tidak-ada.jpg)",
        ),
    );
    let run = check_strict(&site);
    assert!(
        run.stderr.contains("content/a.md:6:1")
            && run
                .stderr
                .contains("image `/images/hilang.jpg` is not in static/"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("/images/tidak-ada.jpg"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("/images/ada.jpg`"), "{}", run.stderr);
}

#[test]
fn links_to_source_files_are_named_with_the_url_to_use() {
    let site = Site::new()
        .file(
            "content/target.md",
            &with_front("summary: \"S.\"\n", "Target", "2024-06-25", "x"),
        )
        .file(
            "content/a.md",
            &with_front(
                "summary: \"S.\"\n",
                "A",
                "2024-06-26",
                "See [this](target.md) and [that](@/target.md).",
            ),
        );
    let run = check_strict(&site);
    assert!(
        run.stderr
            .contains("link `target.md` points at a source file"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("link `@/target.md` points at a source file"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`/2024/06/25/target/`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_comma_in_one_tag_and_a_language_without_words_are_named() {
    let site = Site::new().file(
        "content/a.md",
        "---\ntitle: \"A\"\ndate: 2024-06-25\ntags: \"Banjir, Jakarta\"\nsummary: \"S.\"\nlang: jv\n---\n\nx\n",
    );
    check_strict(&site)
        .stderr_has("content/a.md:4:")
        .stderr_has("one tag `Banjir, Jakarta`")
        .stderr_has("tags: [Banjir, Jakarta]")
        .stderr_has("content/a.md:6:1")
        .stderr_has("no interface words for `lang: jv`");
}

#[test]
fn a_tab_in_front_matter_gets_a_hint() {
    let site = Site::new().file(
        "content/a.md",
        "---\ntitle: \"A\"\ndate: 2024-06-25\ntags:\n\t- Kota\n---\nx\n",
    );
    site.build()
        .fails(1)
        .stderr_has("content/a.md:")
        .stderr_has("indent with spaces");
}

#[test]
fn base_url_without_a_scheme_is_an_error_at_its_line() {
    let site = Site::empty()
        .file("site.yaml", "title: T\nbase_url: \"example.org\"\n")
        .file("content/a.md", &article("A", "2024-06-25", &[], "x"));
    site.build()
        .fails(1)
        .stderr_has("site.yaml:2:1")
        .stderr_has("has no http:// or https://");
}

#[test]
fn a_story_moved_without_an_alias_is_named_by_build_and_check() {
    let at = |date: &str, extra: &str| {
        with_front(
            &format!("slug: tarif\nsummary: \"S.\"\n{extra}"),
            "Tarif",
            date,
            "x",
        )
    };
    let site = Site::new().file("content/a.md", &at("2024-06-24", ""));
    site.build().ok();
    let site = site.file("content/a.md", &at("2024-06-25", ""));
    site.run(&["check"])
        .ok()
        .stderr_has("this story was published at /2024/06/24/tarif/")
        .stderr_has("aliases: [/2024/06/24/tarif/]");
    site.run(&["build"])
        .ok()
        .stderr_has("content/a.md")
        .stderr_has("aliases: [/2024/06/24/tarif/]");
    let site = site.file(
        "content/a.md",
        &at(
            "2024-06-26",
            "aliases: [/2024/06/24/tarif/, /2024/06/25/tarif/]\n",
        ),
    );
    let run = site.run(&["build"]).ok();
    assert!(!run.stderr.contains("no longer writes"), "{}", run.stderr);
    assert!(site.exists("public/2024/06/24/tarif/index.html"));
}
