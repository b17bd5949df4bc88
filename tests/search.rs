//! Search: a built site's `search/` index, read the way `static/search.js` reads it, and
//! the real page in headless Chromium (skipped, with a message, without a chromium).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::{Site, archive, article, filler_date, letters, unique_words};

/// The search index's base layer grows by this many articles (`meta.json` says how many
/// it holds, as `base`); the newer ones are in the recent layer.
const SPAN: usize = 512;

const ALPHABET: &str = "0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&*";

fn site() -> Site {
    let en = |title: &str, date: &str, body: &str| {
        article(title, date, &[], body).replace("---\n\n", "lang: en\n---\n\n")
    };
    Site::new()
        .file(
            "content/rob.md",
            &article(
                "Banjir rob di pesisir utara",
                "2024-06-18T08:00:00+07:00",
                &["Cuaca"],
                "Air laut naik sore hari.\n\nNelayan menambatkan perahu kapibara di dermaga.",
            ),
        )
        .file(
            "content/hujan.md",
            &article(
                "Hujan deras semalam",
                "2024-06-19T08:00:00+07:00",
                &[],
                "Ratusan rumah kebanjiran di Bekasi.\n\nWarga mengungsi.",
            ),
        )
        .file(
            "content/river.md",
            &en(
                "River rises after storm",
                "2024-06-20T08:00:00+07:00",
                "Heavy rain fell overnight.\n\nThe river flooded three villages downstream.",
            ),
        )
}

/// The shards that may hold `term`: its base shard (when there is a base) and its
/// recent shard, as `search.js` computes them from `meta.json`.
fn shards_of(out: &Path, term: &str) -> Vec<String> {
    let meta: serde_json::Value =
        serde_json::from_str(&read(out, "search/meta.json")).expect("meta.json");
    let base = meta["shards"].as_u64().expect("shards") as u32;
    let recent = meta["recent"].as_u64().expect("recent") as u32;
    let h = term.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let mut paths = Vec::new();
    if base > 0 {
        paths.push(format!("search/t/{}.txt", h % base));
    }
    paths.push(format!("search/r/{}.txt", h % recent));
    paths
}

/// A term's lines (after the term) in both layers.
fn lines_of(out: &Path, term: &str) -> Vec<String> {
    shards_of(out, term)
        .iter()
        .flat_map(|path| {
            read(out, path)
                .lines()
                .filter_map(|l| l.split_once('\t'))
                .filter(|(t, _)| *t == term)
                .map(|(_, rest)| rest.to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What `search.js` does for one word: its shards, its stems, their postings → ids.
fn ids_for(out: &Path, word: &str) -> BTreeSet<u32> {
    let entry = |term: &str| lines_of(out, term);
    let mut stems = Vec::new();
    for rest in entry(word) {
        match rest.strip_prefix('>') {
            Some(forms) => stems.extend(forms.split(' ').map(str::to_string)),
            None => stems.push(word.to_string()),
        }
    }
    let mut ids = BTreeSet::new();
    for stem in stems {
        for rest in entry(&stem) {
            if let Some((_, post)) = rest.split_once('\t') {
                ids.extend(decode(post));
            }
        }
    }
    ids
}

fn decode(post: &str) -> Vec<u32> {
    let digit = |c: char| ALPHABET.find(c).unwrap_or(0) as u32;
    let mut chars = post.chars();
    let (mut ids, mut id) = (Vec::new(), 0);
    while let Some(mut c) = chars.next() {
        let mut v = 0;
        while digit(c) >= 32 {
            v = (v << 5) | (digit(c) - 32);
            c = chars.next().unwrap_or('0');
        }
        id += (v << 5) | digit(c);
        chars.next();
        ids.push(id);
    }
    ids
}

/// The titles of the records of `ids`.
fn titles(out: &Path, ids: &BTreeSet<u32>) -> BTreeSet<String> {
    let meta: serde_json::Value =
        serde_json::from_str(&read(out, "search/meta.json")).expect("meta.json");
    let size = meta["block"].as_u64().expect("block") as u32;
    ids.iter()
        .map(|&id| {
            let block: serde_json::Value =
                serde_json::from_str(&read(out, &format!("search/d/{}.json", id / size)))
                    .expect("record block");
            block[(id % size) as usize][1]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The document frequency of `term` in each layer that has it, base first.
fn dfs(out: &Path, term: &str) -> Vec<usize> {
    lines_of(out, term)
        .iter()
        .filter_map(|rest| rest.split_once('\t'))
        .filter_map(|(df, _)| df.parse().ok())
        .collect()
}

fn meta(out: &Path) -> serde_json::Value {
    serde_json::from_str(&read(out, "search/meta.json")).expect("meta.json")
}

/// Every file of the search index (relative to the output) with its text.
fn index_files(out: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(out.join("search"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(out).expect("inside");
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel.clone(), read(out, &rel))
        })
        .collect()
}

fn found(out: &Path, word: &str) -> BTreeSet<String> {
    titles(out, &ids_for(out, word))
}

fn set(titles: &[&str]) -> BTreeSet<String> {
    titles.iter().map(|t| t.to_string()).collect()
}

#[test]
fn finds_body_words_stems_and_authors() {
    let site = site();
    site.build().ok();
    let out = site.path().join("public");
    // Only in the second paragraph of one body: not in its title, summary or tags.
    assert_eq!(
        found(&out, "kapibara"),
        set(&["Banjir rob di pesisir utara"])
    );
    // `kebanjiran` and `banjir` meet at their stem, from either side.
    let both = set(&["Banjir rob di pesisir utara", "Hujan deras semalam"]);
    assert_eq!(found(&out, "banjir"), both);
    assert_eq!(found(&out, "kebanjiran"), both);
    assert_eq!(found(&out, "flood"), set(&["River rises after storm"]));
    assert_eq!(found(&out, "flooded"), set(&["River rises after storm"]));
    assert_eq!(found(&out, "tester").len(), 3, "authors are indexed");
    assert!(found(&out, "tsunami").is_empty());
    let page = read(&out, "search/index.html");
    assert!(page.contains("aria-live") && page.contains("search.js"));
}

/// Every record of the index: `[url, title, date, summary, story, lede]`, newest first.
fn records(out: &Path) -> Vec<serde_json::Value> {
    let meta = meta(out);
    let size = meta["block"].as_u64().expect("block");
    let blocks = meta["docs"].as_u64().expect("docs").div_ceil(size);
    (0..blocks)
        .flat_map(|b| {
            let block: serde_json::Value =
                serde_json::from_str(&read(out, &format!("search/d/{b}.json"))).expect("block");
            block.as_array().cloned().unwrap_or_default()
        })
        .collect()
}

#[test]
fn each_result_shows_the_opening_of_its_body_after_its_summary() {
    let long = "Pasang laut naik lagi di pesisir. ".repeat(20);
    let site = site().file(
        "content/long.md",
        &article(
            "Pasang tertinggi tahun ini",
            "2024-06-21T08:00:00+07:00",
            &[],
            &format!("Air pasang mencapai rekor.\n\n{long}"),
        ),
    );
    // A plain build drops the body's text once it is indexed; an incremental one keeps
    // it for its cache: both show the same excerpts.
    for args in [&["build"][..], &["build", "--incremental"]] {
        site.run(args).ok();
        let records = records(&site.path().join("public"));
        let lede = |title: &str| {
            let record = records.iter().find(|r| r[1] == title).expect(title);
            record[5].as_str().expect("lede").to_string()
        };
        assert_eq!(
            lede("Banjir rob di pesisir utara"),
            "Nelayan menambatkan perahu kapibara di dermaga."
        );
        let cut = lede("Pasang tertinggi tahun ini");
        assert!(
            cut.starts_with("Pasang laut naik lagi") && cut.ends_with("…"),
            "{cut}"
        );
        assert!(cut.len() <= 320 + "…".len(), "{} bytes", cut.len());
    }
}

#[test]
fn a_new_article_rewrites_only_the_shards_of_its_terms() {
    let site = site();
    site.build().ok();
    let shards = |site: &Site| -> BTreeMap<String, String> {
        let dir = site.path().join("public/search/r");
        std::fs::read_dir(&dir)
            .expect("shards")
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name.clone(), read(&dir, &name))
            })
            .collect()
    };
    let before = shards(&site);
    site.build_again_with(
        "content/new.md",
        &article(
            "Zyxwv qwerty",
            "2024-06-21T08:00:00+07:00",
            &[],
            "Zyxwv qwerty.",
        ),
    );
    let after = shards(&site);
    assert_eq!(before.len(), after.len());
    let changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
    // Its words are `zyxwv`, `qwerty` and its author `tester`: at most three shards.
    assert!(
        !changed.is_empty() && changed.len() <= 3,
        "{changed:?} of {}",
        before.len()
    );
}

#[test]
fn a_new_newest_story_changes_only_recent_shards_its_record_block_and_meta() {
    let site = archive(SPAN + 2);
    site.build().ok();
    let out = site.path().join("public");
    assert_eq!(meta(&out)["base"], SPAN);
    let before = index_files(&out);
    // A filler-like story: a story unlike every other would, through the related
    // stories' near-identical coverage, regroup the fillers and so their records.
    site.build_again_with(
        "content/new.md",
        &article(
            "Catatan arsip zyxwv",
            "2021-06-01T08:00:00+07:00",
            &[],
            &unique_words(SPAN + 2),
        ),
    );
    let after = index_files(&out);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != Some(&after[*k]))
        .collect();
    // The new story is document SPAN + 2: its record is in the block of SPAN + 2.
    let block = format!("search/d/{}.json", (SPAN + 2) / 8);
    assert!(
        changed
            .iter()
            .all(|p| p.starts_with("search/r/") || **p == "search/meta.json" || **p == block),
        "{changed:?}"
    );
    // Its eleven terms and forms reach at most eleven recent shards.
    let recent = changed
        .iter()
        .filter(|p| p.starts_with("search/r/"))
        .count();
    assert!((1..=11).contains(&recent), "{changed:?}");
    assert_eq!(found(&out, "zyxwv"), set(&["Catatan arsip zyxwv"]));
    // A word of both layers: every article, and each layer's count, summed by readers.
    assert_eq!(ids_for(&out, "arsip").len(), SPAN + 3);
    assert_eq!(dfs(&out, "arsip"), [SPAN, 3]);
    // A form (`catatan` → `catat`) met in both layers leads to both.
    assert_eq!(ids_for(&out, "catatan").len(), SPAN + 3);
}

#[test]
fn crossing_a_span_moves_the_recent_layer_into_the_base_where_it_is_still_found() {
    let site = archive(SPAN - 1);
    site.build().ok();
    let out = site.path().join("public");
    assert_eq!(meta(&out)["base"], 0);
    assert!(!index_files(&out).keys().any(|p| p.starts_with("search/t/")));
    assert_eq!(found(&out, &letters(5)).len(), 1);
    site.build_again_with(
        "content/new.md",
        &article("Zyxwv", "2021-06-01T08:00:00+07:00", &[], "Dari arsip."),
    );
    assert_eq!(meta(&out)["base"], SPAN);
    let files = index_files(&out);
    assert!(files.keys().any(|p| p.starts_with("search/t/")));
    // Every article is in the base now: the recent layer is empty.
    assert!(
        files
            .iter()
            .filter(|(p, _)| p.starts_with("search/r/"))
            .all(|(_, text)| text.is_empty())
    );
    assert_eq!(found(&out, "zyxwv"), set(&["Zyxwv"]));
    let old = format!("Catatan arsip {}", letters(5));
    assert_eq!(found(&out, &letters(5)), set(&[old.as_str()]));
    assert_eq!(dfs(&out, "arsip"), [SPAN]);
    // One more story starts the recent layer again.
    site.build_again_with(
        "content/newer.md",
        &article("Qwerty", "2021-06-02T08:00:00+07:00", &[], "Dari arsip."),
    );
    assert_eq!(dfs(&out, "arsip"), [SPAN, 1]);
    assert_eq!(found(&out, "zyxwv"), set(&["Zyxwv"]));
    assert_eq!(found(&out, "qwerty"), set(&["Qwerty"]));
}

impl Site {
    fn build_again_with(&self, rel: &str, text: &str) {
        crate::harness::write(self.path(), rel, text);
        self.build().ok();
    }
}

// ---- headless Chromium ---------------------------------------------------------------

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// Serves `root` on 127.0.0.1 until the test ends: enough HTTP for a browser.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split(' ').nth(1).unwrap_or("/");
                let path = path
                    .split('?')
                    .next()
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let mut file = root.join(path);
                if path.is_empty() || path.ends_with('/') {
                    file = file.join("index.html");
                }
                let ok = !path.contains("..");
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) if ok => ("200 OK", b),
                    _ => ("404 Not Found", Vec::new()),
                };
                let ct = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript",
                    Some("json") => "application/json",
                    Some("css") => "text/css",
                    _ => "text/plain; charset=utf-8",
                };
                let mut s = &stream;
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            });
        }
    });
    port
}

/// The DOM of `url` after its scripts ran, or `None` when Chromium hung or failed.
fn dump_dom(chrome: &Path, url: &str) -> Option<String> {
    let profile = tempfile::tempdir().expect("profile");
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=4000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let started = std::time::Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    Some(out)
}

fn query(q: &str) -> String {
    let mut s = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[test]
fn the_search_page_works_and_survives_bad_input_in_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
        return;
    };
    let site = site();
    site.build().ok();
    let port = serve(site.path().join("public"));
    let page = |q: &str| {
        let url = format!("http://127.0.0.1:{port}/search/?q={}", query(q));
        dump_dom(&chrome, &url).unwrap_or_else(|| panic!("chromium hung on {q:?}"))
    };
    let dom = page("kapibara");
    let doc = scraper::Html::parse_document(&dom);
    let hits = scraper::Selector::parse(".search-hit h2 a").expect("selector");
    let titles: Vec<String> = doc.select(&hits).map(|a| a.text().collect()).collect();
    assert_eq!(titles, ["Banjir rob di pesisir utara"], "{dom}");
    // "kapibara" is only in the body, after the summary: the excerpt is cut around it.
    let excerpt = scraper::Selector::parse(".search-hit .excerpt").expect("selector");
    let shown: Vec<String> = doc.select(&excerpt).map(|p| p.inner_html()).collect();
    assert_eq!(
        shown,
        ["Nelayan menambatkan perahu <mark>kapibara</mark> di dermaga."],
        "{dom}"
    );
    let dom = page("kebanjiran");
    assert!(dom.contains("2 hasil"), "{dom}");
    assert!(
        dom.contains("<mark>Banjir</mark>"),
        "stems are highlighted: {dom}"
    );
    let long = "banjir ".repeat(150);
    let bad = [
        "",
        "a",
        "?!.,;:'\"",
        &long,
        ".*(+[\\",
        "<img src=x onerror=alert(1)>",
        "</script><script>alert(1)</script>",
        "بانجير فيضان",
        "東京 洪水",
        "\u{202e}rob\u{0}",
    ];
    for q in bad {
        let dom = page(q);
        assert!(
            dom.contains("class=\"search-hits\""),
            "{q:?} broke the page"
        );
        assert!(
            !dom.contains("<img src=\"x\""),
            "{q:?} reached the DOM as markup"
        );
    }
}

#[test]
fn hits_in_both_layers_are_found_and_ranked_with_their_summed_df_in_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
        return;
    };
    // In the base: `qqword` in one title, `ppword` in five bodies; in the recent layer,
    // `ppword` in one title. Counted over both layers `ppword` (df 6) is commoner than
    // `qqword` (df 1), so the older `qqword` title outranks the newer `ppword` one; a
    // reader that took the recent layer's df alone (1) would put the newer one first.
    let mut site = archive(SPAN + 2).file(
        "content/arsip/00500.md",
        &article(
            "Catatan arsip qqword",
            &filler_date(500),
            &[],
            &unique_words(500),
        ),
    );
    for i in 10..15 {
        site = site.file(
            &format!("content/arsip/{i:05}.md"),
            &article(
                &format!("Catatan arsip {}", letters(i)),
                &filler_date(i),
                &[],
                &format!("{} ppword.", unique_words(i)),
            ),
        );
    }
    let site = site.file(
        "content/new.md",
        &article(
            "Catatan arsip ppword",
            "2021-06-01T08:00:00+07:00",
            &[],
            &unique_words(9000),
        ),
    );
    site.build().ok();
    let out = site.path().join("public");
    assert_eq!(dfs(&out, "ppword"), [5, 1]);
    let port = serve(out);
    let titles = |q: &str| -> (String, Vec<String>) {
        let url = format!("http://127.0.0.1:{port}/search/?q={}", query(q));
        let dom = dump_dom(&chrome, &url).unwrap_or_else(|| panic!("chromium hung on {q:?}"));
        let doc = scraper::Html::parse_document(&dom);
        // Each story's heading, then the other articles of its story ("n more").
        let hits = scraper::Selector::parse(".search-hit h2 a, .search-hit details li a")
            .expect("selector");
        let titles = doc.select(&hits).map(|a| a.text().collect()).collect();
        (dom, titles)
    };
    let (dom, found) = titles("ppword");
    assert!(dom.contains("6 hasil"), "{dom}");
    let old = (10..15).map(|i| format!("Catatan arsip {}", letters(i)));
    let mut all: Vec<String> = old.chain(["Catatan arsip ppword".to_string()]).collect();
    let mut shown = found.clone();
    all.sort();
    shown.sort();
    assert_eq!(shown, all, "both layers' hits are shown");
    assert_eq!(
        found[0], "Catatan arsip ppword",
        "the title hit first: {found:?}"
    );
    let (_, found) = titles("ppword qqword");
    assert_eq!(
        found.get(..2),
        Some(
            &[
                "Catatan arsip qqword".to_string(),
                "Catatan arsip ppword".to_string()
            ][..]
        ),
        "{found:?}"
    );
}

/// A copy of the front page whose script types `q` into the header box, waits for its
/// results and presses `keys` there one by one, then writes what a reader would notice
/// (the status line screen readers announce, the options, which one is selected, what
/// the input points at) into `<pre id=report>`.
fn header_box_page(public: &Path, name: &str, q: &str, keys: &[&str]) {
    let front = read(public, "index.html");
    let keys = serde_json::to_string(keys).expect("keys");
    let q = serde_json::to_string(q).expect("query");
    let script = format!(
        r##"<script>
addEventListener("load", function () {{
  var input = document.querySelector("form.search input"), keys = {keys};
  input.focus();
  input.value = {q};
  input.dispatchEvent(new Event("input", {{ bubbles: true }}));
  var report = [];
  function note() {{
    var opts = document.querySelectorAll("#search-results li[role=option]"), sel = [];
    opts.forEach(function (o) {{ sel.push(o.getAttribute("aria-selected") || "-"); }});
    report.push("status=" + document.querySelector(".search-status").textContent +
      " options=" + opts.length + " selected=" + sel.join(",") +
      " active=" + (input.getAttribute("aria-activedescendant") || "none") +
      " expanded=" + input.getAttribute("aria-expanded"));
  }}
  (function wait(tries) {{
    if (!document.querySelector("#search-results li[role=option]") && tries > 0) return setTimeout(wait, 50, tries - 1);
    note();
    keys.forEach(function (k) {{
      input.dispatchEvent(new KeyboardEvent("keydown", {{ key: k, bubbles: true, cancelable: true }}));
      note();
    }});
    var pre = document.createElement("pre");
    pre.id = "report";
    pre.textContent = report.join("\n");
    document.body.appendChild(pre);
  }})(60);
}});
</script></body>"##
    );
    let page = front.replacen("</body>", &script, 1);
    std::fs::write(public.join(name), page).expect("write test page");
}

fn report(dom: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(dom);
    let sel = scraper::Selector::parse("pre#report").expect("selector");
    doc.select(&sel)
        .next()
        .map(|p| p.text().collect::<String>())
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_header_box_answers_arrow_keys_and_announces_its_count_in_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!("skipped: no chromium on PATH (apt-get install chromium)");
        return;
    };
    let site = site();
    site.build().ok();
    let public = site.path().join("public");
    // "banjir" is in two articles of one story (one only as "kebanjiran"): one option.
    header_box_page(
        &public,
        "box-keys.html",
        "banjir",
        &["ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp", "Escape"],
    );
    header_box_page(&public, "box-none.html", "zzzqqq", &[]);
    let port = serve(public.clone());
    let dom = |page: &str| {
        dump_dom(&chrome, &format!("http://127.0.0.1:{port}/{page}"))
            .unwrap_or_else(|| panic!("chromium hung on {page}"))
    };
    let steps = report(&dom("box-keys.html"));
    assert_eq!(
        steps,
        [
            "status=2 hasil options=1 selected=- active=none expanded=true",
            "status=2 hasil options=1 selected=true active=search-option-0 expanded=true",
            "status=2 hasil options=1 selected=true active=search-option-0 expanded=true",
            "status=2 hasil options=1 selected=true active=search-option-0 expanded=true",
            "status=2 hasil options=1 selected=true active=search-option-0 expanded=true",
            "status=2 hasil options=1 selected=true active=none expanded=false",
        ],
        "two hits of one story are one option; ArrowDown from the input selects it, the arrows wrap onto it, Escape closes"
    );
    // Enter opens the selected story. The box page runs in a frame, so the outer page
    // stays to report where the frame went (a top-level navigation ends --dump-dom).
    header_box_page(&public, "box-enter.html", "banjir", &["ArrowDown", "Enter"]);
    std::fs::write(
        public.join("box-enter-frame.html"),
        r#"<!doctype html><title>frame</title><body><iframe id=f src="box-enter.html"></iframe><script>
var loads = 0;
document.getElementById("f").addEventListener("load", function () {
  if (++loads < 2) return;
  var pre = document.createElement("pre");
  pre.id = "report";
  pre.textContent = this.contentWindow.location.pathname;
  document.body.appendChild(pre);
});
</script>"#,
    )
    .expect("write frame page");
    let opened = report(&dom("box-enter-frame.html"));
    let [path] = opened.as_slice() else {
        panic!("Enter on a selected option opened nothing: {opened:?}");
    };
    let story = read(
        &public,
        &format!("{}index.html", path.trim_start_matches('/')),
    );
    assert!(
        path.split('/').filter(|p| !p.is_empty()).count() == 4
            && story.to_lowercase().contains("banjir"),
        "Enter opened {path}, which is not the story the option showed"
    );
    assert_eq!(
        report(&dom("box-none.html")),
        ["status=Tidak ada hasil options=0 selected= active=none expanded=true"],
        "a query without hits says so, in the live region too"
    );
}
