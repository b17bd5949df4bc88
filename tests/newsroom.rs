//! A newsroom's site: sections, authors and sources (pages, indexes, feeds, merging,
//! bad input), pagination that never splits an edition and keeps full pages stable,
//! the front page's lead and section blocks, compact archives, and interface words in
//! each article's language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::harness::{Site, html, select, text_of};

const YAML: &str = "title: \"Test Digest\"\nbase_url: \"https://news.example.org/\"\nlang: id\ntimezone: Asia/Jakarta\npaginate: 3\nsections: [Nasional, Ekonomi]\nsection_aliases: {Economy: Ekonomi}\n";

/// A published story with a section, authors and a source (any may be left out).
fn story(title: &str, date: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title:?}\ndate: {date}\ntags: [Umum]\n{extra}---\n\nIsi berita {title} untuk pembaca.\n"
    )
}

fn newsroom() -> Site {
    Site::empty()
        .file("site.yaml", YAML)
        .file(
            "content/a.md",
            &story(
                "Harga beras naik",
                "2024-06-20T09:00:00+07:00",
                "section: Ekonomi\nauthors: [Rara Wulandari]\nsource: {name: \"Warta Rel\", url: \"https://example.com/a\"}\n",
            ),
        )
        .file(
            "content/b.md",
            &story(
                "Rice prices climb",
                "2024-06-20T10:30:00+07:00",
                "section: Economy\nauthors: [rara wulandari, Kevin Halim]\nsource: \"WARTA REL\"\nlang: en\n",
            ),
        )
        .file(
            "content/c.md",
            &story(
                "Banjir rob di pesisir",
                "2024-06-19T08:00:00+07:00",
                "section: Nasional\nauthors: [Kevin Halim]\nsource: Warta Rel\n",
            ),
        )
        .file("content/d.md", &story("Berita tanpa rubrik", "2024-06-18T08:00:00+07:00", ""))
}

#[test]
fn sections_authors_and_sources_each_have_an_index_pages_and_a_feed() {
    let site = newsroom();
    site.build().ok();
    for page in [
        "public/sections/index.html",
        "public/sections/ekonomi/index.html",
        "public/sections/ekonomi/atom.xml",
        "public/sections/ekonomi/rss.xml",
        "public/sections/nasional/index.html",
        "public/authors/index.html",
        "public/authors/rara-wulandari/index.html",
        "public/authors/rara-wulandari/atom.xml",
        "public/authors/kevin-halim/index.html",
        "public/sources/index.html",
        "public/sources/warta-rel/index.html",
        "public/sources/warta-rel/atom.xml",
    ] {
        assert!(site.exists(page), "{page} missing");
    }
    // The section index lists site.yaml's order first.
    let doc = html(&site.read("public/sections/index.html"));
    let names: Vec<String> = select(&doc, ".index-list a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(names, ["Nasional", "Ekonomi"]);
    // The section feed holds the section's stories and only them.
    let feed = site.read("public/sections/ekonomi/atom.xml");
    assert!(feed.contains("Harga beras naik") && feed.contains("Rice prices climb"));
    assert!(!feed.contains("Banjir rob"), "{feed}");
    // On a section's page its cards do not repeat the section as their kicker.
    let doc = html(&site.read("public/sections/ekonomi/index.html"));
    assert_eq!(select(&doc, ".card").len(), 2);
    assert!(select(&doc, ".card .kicker").is_empty());
    // Sitemap names the new pages.
    let sitemap = site.read("public/sitemap.xml");
    assert!(sitemap.contains("https://news.example.org/sources/warta-rel/"));
}

#[test]
fn two_spellings_of_an_author_or_source_are_one_page_with_every_story() {
    let site = newsroom();
    site.build().ok();
    let doc = html(&site.read("public/authors/rara-wulandari/index.html"));
    let titles: String = select(&doc, ".card-title")
        .iter()
        .flat_map(|t| t.text())
        .collect();
    assert!(
        titles.contains("Harga beras naik") && titles.contains("Rice prices climb"),
        "{titles}"
    );
    let doc = html(&site.read("public/sources/warta-rel/index.html"));
    assert_eq!(select(&doc, ".card").len(), 3);
    // One page per name, named by the most used spelling (ties alphabetically).
    let authors: Vec<String> = std::fs::read_dir(site.path().join("public/authors"))
        .expect("authors")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(authors, ["kevin-halim", "rara-wulandari"]);
    assert_eq!(text_of(&doc, "h1"), "Warta Rel");
}

#[test]
fn cards_show_authors_source_time_and_the_section_as_kicker() {
    let site = newsroom();
    site.build().ok();
    let doc = html(&site.read("public/tags/umum/index.html"));
    let cards = select(&doc, ".card");
    let card = cards
        .iter()
        .find(|c| c.text().collect::<String>().contains("Harga beras naik"))
        .expect("card");
    let text: String = card.text().collect();
    assert!(text.contains("Rara Wulandari"), "{text}");
    assert!(text.contains("Warta Rel"), "{text}");
    // Under its day's heading a card shows the time, not the date again.
    assert!(text.contains("09.00 WIB"), "{text}");
    assert!(!text.contains("Juni 2024"), "{text}");
    let kicker: String = card
        .select(&scraper::Selector::parse(".kicker").expect("css"))
        .flat_map(|k| k.text())
        .collect();
    assert_eq!(kicker, "Ekonomi");
    // Without a section the first tag stands in.
    let doc = html(&site.read("public/2024/06/18/index.html"));
    let cards = select(&doc, ".card");
    let plain = cards
        .iter()
        .find(|c| c.text().collect::<String>().contains("tanpa rubrik"))
        .expect("card");
    assert!(plain.text().collect::<String>().contains("Umum"));
    // The article links its authors' and source's pages.
    let doc = html(&site.read("public/2024/06/20/harga-beras-naik/index.html"));
    let hrefs: Vec<&str> = select(&doc, "a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(hrefs.contains(&"/authors/rara-wulandari/"), "{hrefs:?}");
    assert!(hrefs.contains(&"/sources/warta-rel/"), "{hrefs:?}");
    assert!(hrefs.contains(&"https://example.com/a"), "{hrefs:?}");
    assert_eq!(text_of(&doc, ".story .kicker").trim(), "Ekonomi");
}

#[test]
fn an_unknown_section_warns_with_did_you_mean_at_its_place() {
    let site = newsroom().file(
        "content/e.md",
        &story(
            "Salah ketik",
            "2024-06-17T08:00:00+07:00",
            "section: Ekonomy\n",
        ),
    );
    let run = site.run(&["build"]).ok();
    assert!(run.stderr.contains("e.md:5:10"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `Ekonomi`"),
        "{}",
        run.stderr
    );
    // It still builds, as a section of its own.
    assert!(site.exists("public/sections/ekonomy/index.html"));
}

#[test]
fn an_empty_author_or_source_name_is_an_error_at_its_place() {
    let site = newsroom()
        .file(
            "content/e.md",
            &story(
                "Tanpa nama",
                "2024-06-17T08:00:00+07:00",
                "authors: [Rara, \"  \"]\n",
            ),
        )
        .file(
            "content/f.md",
            &story(
                "Tanpa sumber",
                "2024-06-17T09:00:00+07:00",
                "source:\n  url: \"https://example.com/x\"\n  name: \"\"\n",
            ),
        );
    let run = site.build().fails(1);
    assert!(run.stderr.contains("e.md:5:17"), "{}", run.stderr);
    assert!(run.stderr.contains("empty name"), "{}", run.stderr);
    assert!(run.stderr.contains("f.md:7:3"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`source.name` is empty"),
        "{}",
        run.stderr
    );
}

/// `n` stories a day for each of `days` days of June 2024, tagged `all` and, for the
/// first ten days, `early`.
fn corpus(days: u32, per_day: u32, paginate: usize) -> Site {
    let mut site = Site::empty().file(
        "site.yaml",
        &format!(
            "title: T\nbase_url: \"https://news.example.org/\"\nlang: id\npaginate: {paginate}\n"
        ),
    );
    for d in 1..=days {
        for k in 0..per_day {
            let tags = if d <= 10 { "[all, early]" } else { "[all]" };
            site = site.file(
                &format!("content/{d:02}-{k}.md"),
                &format!(
                    "---\ntitle: \"Hari {d} berita {k}\"\ndate: 2024-06-{d:02}T{:02}:00:00+07:00\ntags: {tags}\n---\n\nKata{d}x{k} unik{d}y{k}.\n",
                    8 + k
                ),
            );
        }
    }
    site
}

/// The day headings of one list page.
fn days_on(site: &Site, rel: &str) -> Vec<String> {
    let doc = html(&site.read(rel));
    select(&doc, ".edition-date")
        .iter()
        .map(|h| h.text().collect())
        .collect()
}

#[test]
fn an_edition_is_never_split_across_pages() {
    // Three stories a day at two per page: each day is a page of its own, whole.
    let site = corpus(5, 3, 2);
    site.build().ok();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for n in 1..=5 {
        let rel = format!("public/page/{n}/index.html");
        let doc = html(&site.read(&rel));
        assert_eq!(select(&doc, ".card").len(), 3, "{rel}");
        for day in days_on(&site, &rel) {
            if let Some(other) = seen.insert(day.clone(), rel.clone()) {
                panic!("{day} on {other} and {rel}");
            }
        }
    }
    // Page 1 is the oldest day; the root shows the newest.
    assert_eq!(
        days_on(&site, "public/page/1/index.html"),
        ["Sabtu, 1 Juni 2024"]
    );
    let root = html(&site.read("public/index.html"));
    assert!(text_of(&root, "main").contains("Hari 5 berita"));
    // Smaller days share a page, whole: two days of two at five per page.
    let site = corpus(6, 2, 5);
    site.build().ok();
    for n in 1..=3 {
        let rel = format!("public/page/{n}/index.html");
        assert_eq!(days_on(&site, &rel).len(), 2, "{rel}");
    }
}

#[test]
fn one_new_story_leaves_full_pages_byte_identical_and_changes_few_files() {
    let site = corpus(20, 2, 5);
    site.build().ok();
    let before = site.tree("public");
    let site = site.file(
        "content/20-9.md",
        "---\ntitle: \"Berita terbaru\"\ndate: 2024-06-20T20:00:00+07:00\ntags: [all]\n---\n\nSesuatu yang baru terjadi.\n",
    );
    site.build().ok();
    let after = site.tree("public");
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(p, bytes)| before.get(*p) != Some(*bytes))
        .map(|(p, _)| p)
        .chain(before.keys().filter(|p| !after.contains_key(*p)))
        .collect();
    // 41 stories at five per page, two a day: pages of two days (the third story of
    // the 20th fits on its page, the newest).
    let newest = "page/10/index.html";
    assert!(before.contains_key(&PathBuf::from(newest)));
    assert!(!before.contains_key(&PathBuf::from("page/11/index.html")));
    for (p, bytes) in &before {
        let s = p.to_string_lossy();
        let numbered_home = s.starts_with("page/") && s != newest;
        let numbered_all = s.starts_with("tags/all/page/") && s != format!("tags/all/{newest}");
        let early = s.starts_with("tags/early/");
        if numbered_home || numbered_all || early {
            assert_eq!(after.get(p), Some(bytes), "{s} changed");
        }
    }
    assert!(changed.iter().any(|p| p.to_string_lossy() == "index.html"));
    // The rest: the story, its day, month and year, the roots, the feeds, the sitemap,
    // the search index, and stories whose neighbours or related links changed.
    assert!(
        changed.len() <= 40,
        "{} files changed: {changed:?}",
        changed.len()
    );
}

#[test]
fn old_page_urls_still_answer() {
    // One day of seven stories at two per page: one real page, but /page/2/../page/4/
    // existed under the old numbering; they point to the root now.
    let site = corpus(1, 7, 2);
    site.build().ok();
    for n in 1..=4 {
        let page = site.read(&format!("public/page/{n}/index.html"));
        assert!(
            page.contains("https://news.example.org/"),
            "page {n}: {page}"
        );
    }
    assert!(!site.exists("public/page/5/index.html"));
    // A list of one page has no numbered pages at all.
    let site = corpus(2, 1, 5);
    site.build().ok();
    assert!(!site.exists("public/page/1/index.html"));
}

#[test]
fn the_pager_links_older_and_newer_pages_without_a_total() {
    let site = corpus(6, 2, 4);
    site.build().ok();
    // Six days of two at four per page: pages 1–3, the root shows page 3.
    let root = html(&site.read("public/index.html"));
    let older: Vec<&str> = select(&root, ".pager a[rel=next]")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(older, ["/page/2/"]);
    let middle = html(&site.read("public/page/2/index.html"));
    let links: Vec<&str> = select(&middle, ".pager a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(links, ["/page/3/", "/page/1/"]);
    assert!(text_of(&middle, ".page-count").contains("Halaman 2"));
    assert!(!text_of(&middle, ".page-count").contains('/'));
}

#[test]
fn the_front_page_opens_with_a_lead_and_closes_with_section_blocks() {
    let site = newsroom().file(
        "content/g.md",
        &story(
            "Foto utama hari ini",
            "2024-06-20T07:00:00+07:00",
            "section: Nasional\nimage: {src: \"/images/x.svg\", alt: \"Gambar\"}\n",
        ),
    );
    site.build().ok();
    let doc = html(&site.read("public/index.html"));
    // The newest day's story with a picture leads, large, and is not repeated below.
    assert!(text_of(&doc, ".lead .lead-title").contains("Foto utama hari ini"));
    assert_eq!(select(&doc, ".lead img").len(), 1);
    assert!(!text_of(&doc, ".cards").contains("Foto utama hari ini"));
    // Section blocks follow, in site.yaml's order.
    let blocks: Vec<String> = select(&doc, ".section-block h2")
        .iter()
        .map(|h| h.text().collect())
        .collect();
    assert!(!blocks.is_empty());
}

#[test]
fn month_pages_are_one_line_per_story_and_years_count_months() {
    let site = newsroom();
    site.build().ok();
    let doc = html(&site.read("public/2024/06/index.html"));
    assert_eq!(select(&doc, ".lines li").len(), 4);
    assert_eq!(select(&doc, ".card").len(), 0);
    let line: String = select(&doc, ".lines li")
        .iter()
        .map(|l| l.text().collect::<String>())
        .find(|t| t.contains("Harga beras naik"))
        .expect("line");
    assert!(
        line.contains("Ekonomi") && line.contains("Warta Rel"),
        "{line}"
    );
    let doc = html(&site.read("public/2024/index.html"));
    assert!(
        text_of(&doc, ".periods").contains("Juni 2024 4"),
        "{}",
        text_of(&doc, ".periods")
    );
    // The tag index sizes tags by how many stories they hold.
    let doc = html(&site.read("public/tags/index.html"));
    assert_eq!(select(&doc, ".index-list li.size-5").len(), 1);
}

#[test]
fn interface_words_follow_the_articles_language_and_a_site_may_override_them() {
    let site = newsroom().file(
        "site.yaml",
        &format!("{YAML}strings: {{en: {{by: \"Words by\"}}}}\n"),
    );
    site.build().ok();
    let en = html(&site.read("public/2024/06/20/rice-prices-climb/index.html"));
    let byline = text_of(&en, ".byline");
    assert!(
        byline.contains("Words by") && byline.contains("min read"),
        "{byline}"
    );
    assert!(byline.contains("Thursday, 20 June 2024"), "{byline}");
    assert_eq!(text_of(&en, ".skip"), "Skip to content");
    let id = html(&site.read("public/2024/06/20/harga-beras-naik/index.html"));
    let byline = text_of(&id, ".byline");
    assert!(
        byline.contains("Oleh") && byline.contains("menit baca"),
        "{byline}"
    );
    assert!(byline.contains("Kamis, 20 Juni 2024"), "{byline}");
    assert_eq!(text_of(&id, ".skip"), "Langsung ke isi");
}

#[test]
fn related_links_never_repeat_the_timeline_beside_them_and_skip_weak_matches() {
    let site = Site::bundled();
    site.build().ok();
    let mut checked = 0;
    for (path, bytes) in site.tree("public") {
        let p = path.to_string_lossy();
        if p.matches('/').count() != 4 || !p.ends_with("/index.html") {
            continue;
        }
        let doc = html(&String::from_utf8_lossy(&bytes));
        let timeline: BTreeSet<&str> = select(&doc, ".timeline a")
            .iter()
            .filter_map(|a| a.value().attr("href"))
            .collect();
        if timeline.is_empty() {
            continue;
        }
        checked += 1;
        for a in select(&doc, ".related a") {
            let href = a.value().attr("href").unwrap_or("");
            assert!(
                !timeline.contains(href),
                "{p}: {href} is in the timeline too"
            );
        }
    }
    assert!(checked >= 5, "only {checked} pages with a timeline");
    // A site of two rice stories and an unrelated one: the rice story links its
    // sibling, never the stranger that only shares a broad tag.
    let site = Site::empty()
        .file("site.yaml", YAML)
        .file(
            "content/a.md",
            "---\ntitle: \"Harga beras medium naik di pasar induk\"\ndate: 2024-06-20T09:00:00+07:00\ntags: [Berita, Pangan]\n---\n\nHarga beras medium di pasar induk naik dua persen karena pasokan gabah dari sentra berkurang.\n",
        )
        .file(
            "content/b.md",
            "---\ntitle: \"Pasokan gabah berkurang, harga beras bertahan tinggi\"\ndate: 2024-06-21T09:00:00+07:00\ntags: [Berita, Pangan]\n---\n\nPedagang pasar induk menyebut pasokan gabah dari sentra belum pulih sehingga harga beras medium tetap tinggi.\n",
        )
        .file(
            "content/c.md",
            "---\ntitle: \"Korea Utara uji coba rudal jarak pendek\"\ndate: 2024-06-19T09:00:00+07:00\ntags: [Berita, Internasional]\n---\n\nMiliter Korea Selatan melaporkan peluncuran rudal dari pesisir timur semenanjung.\n",
        );
    site.build().ok();
    let doc =
        html(&site.read("public/2024/06/20/harga-beras-medium-naik-di-pasar-induk/index.html"));
    let related: Vec<&str> = select(&doc, ".related a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(!related.iter().any(|h| h.contains("korea")), "{related:?}");
    let sibling = "/2024/06/21/pasokan-gabah-berkurang-harga-beras-bertahan-tinggi/";
    let timeline: Vec<&str> = select(&doc, ".timeline a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        related.contains(&sibling) != timeline.contains(&sibling),
        "{related:?} {timeline:?}"
    );
}
