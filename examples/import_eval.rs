//! kabar's HTML import on the ScrapingHub article-extraction benchmark.
//!
//! ```sh
//! cargo run --example import_eval -- BENCH_DIR [--write OUT.json] [--score PRED.json]... [--with-figures]
//! ```
//!
//! `BENCH_DIR` is a checkout of the benchmark (its `html/*.html.gz` pages and
//! `ground-truth.json`); nothing is downloaded. Every page goes through
//! `kabar::import_str` (with a fallback date, so a page without one is
//! still scored on its body), the body is reduced to plain text (Markdown
//! syntax, link targets and figures — an image with its caption — dropped,
//! unless `--with-figures`), and the score
//! is the benchmark's own: 4-gram shingle precision/recall/F1 per page,
//! normalised per page, averaged over pages (its `evaluate.py`, without the
//! bootstrap). `--write` saves kabar's output in the benchmark's format, so its
//! `evaluate.py` can check these numbers; `--score` scores another tool's output
//! file (for example trafilatura's, see `bench/trafilatura_eval.py`) the same way.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use kabar::{ImportOptions, import_str};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use regex::Regex;
use serde_json::{Value, json};

// `evaluate.py` tokenises with Python's `\w+` (Unicode); Rust's `\w` is the same
// class for the letters and digits news text uses.
static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("token regex"));

fn tokens(s: &str) -> Vec<&str> {
    TOKEN.find_iter(s).map(|m| m.as_str()).collect()
}

/// The shingles of a text and how often each occurs. Like `evaluate.py`, a
/// text shorter than four tokens is one (short) shingle, and an empty one none.
fn shingles(s: &str) -> HashMap<Vec<&str>, usize> {
    let t = tokens(s);
    let mut m = HashMap::new();
    if t.is_empty() {
        return m;
    }
    let n = t.len().saturating_sub(3).max(1);
    for i in 0..n {
        *m.entry(t[i..(i + 4).min(t.len())].to_vec()).or_insert(0) += 1;
    }
    m
}

/// True/false positives and false negatives, normalised to sum to 1.
fn tp_fp_fn(truth: &str, pred: &str) -> (f64, f64, f64) {
    let (t, p) = (shingles(truth), shingles(pred));
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (k, &tc) in &t {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += tc.min(pc);
        fn_ += tc.saturating_sub(pc);
    }
    for (k, &pc) in &p {
        fp += pc.saturating_sub(t.get(k).copied().unwrap_or(0));
    }
    let s = (tp + fp + fn_) as f64;
    if s == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (tp as f64 / s, fp as f64 / s, fn_ as f64 / s)
}

fn precision(tp: f64, fp: f64, fn_: f64) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn recall(tp: f64, fp: f64, fn_: f64) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

/// Mean precision (over pages with a prediction) and recall (over pages with
/// a truth), and F1 of those means, as `evaluate.py` computes them.
fn metrics(rows: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let p = mean(
        rows.iter()
            .filter(|r| r.0 + r.1 > 0.0)
            .map(|r| precision(r.0, r.1, r.2))
            .collect(),
    );
    let r = mean(
        rows.iter()
            .filter(|r| r.0 + r.2 > 0.0)
            .map(|r| recall(r.0, r.1, r.2))
            .collect(),
    );
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// The Markdown body as plain text: link targets and markup dropped, one line per block.
fn plain_text(md: &str, figures: bool) -> String {
    let mut out = String::with_capacity(md.len());
    // A figure (an image and its caption, one paragraph) is not article text
    // in the benchmark's ground truth; `--with-figures` keeps the caption.
    let mut para_start = 0;
    let mut in_figure = false;
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Paragraph) => para_start = out.len(),
            Event::Start(Tag::Image { .. }) => in_figure = true,
            Event::End(TagEnd::Paragraph) if in_figure => {
                in_figure = false;
                if !figures {
                    out.truncate(para_start);
                    continue;
                }
                out.push('\n');
            }
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableCell,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

fn read_gz(p: &Path) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p)?).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn report(name: &str, truth: &Value, pred: &HashMap<String, String>, failed: &[(String, String)]) {
    let keys: Vec<&String> = match truth.as_object() {
        Some(o) => o.keys().collect(),
        None => return,
    };
    let mut rows = Vec::new();
    let mut per_page = Vec::new();
    for k in keys {
        let t = truth[k.as_str()]["articleBody"]
            .as_str()
            .unwrap_or_default();
        let p = pred.get(k).map(String::as_str).unwrap_or_default();
        let r = tp_fp_fn(t, p);
        rows.push(r);
        let (pp, rr) = (precision(r.0, r.1, r.2), recall(r.0, r.1, r.2));
        let f = if pp + rr > 0.0 {
            2.0 * pp * rr / (pp + rr)
        } else {
            0.0
        };
        per_page.push((f, pp, rr, k.clone()));
    }
    let (p, r, f) = metrics(&rows);
    println!(
        "{name:<12} pages {:>3}  F1 {f:.3}  precision {p:.3}  recall {r:.3}  failed {}",
        rows.len(),
        failed.len()
    );
    for (page, why) in failed {
        println!("  failed {page}: {why}");
    }
    per_page.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("  10 worst pages (F1, precision, recall):");
    for (f, p, r, k) in per_page.iter().take(10) {
        println!("    {f:.3} {p:.3} {r:.3} {k}");
    }
}

fn load_prediction(p: &Path) -> Result<HashMap<String, String>, Box<dyn std::error::Error>> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p)?)?;
    let out = v.get("output").filter(|o| o.is_object()).unwrap_or(&v);
    let mut m = HashMap::new();
    for (k, x) in out.as_object().into_iter().flatten() {
        let body = x["articleBody"].as_str().unwrap_or_default().to_string();
        m.insert(k.clone(), body);
    }
    Ok(m)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut bench: Option<PathBuf> = None;
    let mut write: Option<PathBuf> = None;
    let mut score: Vec<PathBuf> = Vec::new();
    let mut figures = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--write" => write = args.next().map(PathBuf::from),
            "--score" => score.extend(args.next().map(PathBuf::from)),
            "--with-figures" => figures = true,
            _ => bench = Some(PathBuf::from(a)),
        }
    }
    let bench =
        bench.ok_or("usage: import_eval BENCH_DIR [--write OUT.json] [--score PRED.json]")?;
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(bench.join("ground-truth.json"))?)?;
    let opts = ImportOptions {
        date: Some(jiff::civil::date(2020, 1, 1)),
        ..ImportOptions::default()
    };
    let mut pred = HashMap::new();
    let mut failed = Vec::new();
    // Metadata coverage: pages whose own markup gave a date (the fallback
    // `--date` is the first day of 2020, which no page here is from), and authors.
    let (mut dated, mut authored) = (0usize, 0usize);
    let mut pages: Vec<PathBuf> = std::fs::read_dir(bench.join("html"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    pages.sort();
    for page in &pages {
        let name = page
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let key = name.split('.').next().unwrap_or_default().to_string();
        let html = read_gz(page)?;
        let body = match import_str(name, &html, &opts) {
            Ok(i) => {
                dated += usize::from(!i.front.date.starts_with("2020-01-01T00:00:00"));
                authored += usize::from(!i.front.authors.is_empty());
                plain_text(&i.body, figures)
            }
            Err(e) => {
                failed.push((key.clone(), e.to_string()));
                String::new()
            }
        };
        pred.insert(key, body);
    }
    report("kabar", &truth, &pred, &failed);
    println!(
        "  metadata: a date on {dated}/{n} pages, authors on {authored}/{n}",
        n = pages.len()
    );
    if let Some(w) = write {
        let output: serde_json::Map<String, Value> = pred
            .iter()
            .map(|(k, v)| (k.clone(), json!({ "articleBody": v })))
            .collect();
        let doc = json!({"version": env!("CARGO_PKG_VERSION"), "output": output});
        std::fs::write(&w, serde_json::to_string(&doc)?)?;
    }
    for s in score {
        let name = s.file_stem().and_then(|n| n.to_str()).unwrap_or("other");
        report(name, &truth, &load_prediction(&s)?, &[]);
    }
    Ok(())
}
