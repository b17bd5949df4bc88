//! Token F1 of the imported body against the expected body, per fixture.
//!
//! `cargo run --example import_f1` reads every `<name>.expect.yaml` in
//! tests/fixtures/import, imports `<name>.txt|html` (with the fixture's
//! `options`), and compares body tokens (lowercased words, Markdown syntax
//! ignored) with `<name>.expected.md`. Prints one line per fixture and the mean.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use kabar::{ImportOptions, import_str};

fn tokens(s: &str) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *m.entry(w.to_lowercase()).or_insert(0) += 1;
    }
    m
}

fn f1(got: &str, want: &str) -> (f64, f64, f64) {
    let (g, w) = (tokens(got), tokens(want));
    let common: usize = g
        .iter()
        .map(|(k, n)| (*n).min(*w.get(k).unwrap_or(&0)))
        .sum();
    let (ng, nw) = (g.values().sum::<usize>(), w.values().sum::<usize>());
    if common == 0 {
        return (0.0, 0.0, 0.0);
    }
    let p = common as f64 / ng as f64;
    let r = common as f64 / nw as f64;
    (p, r, 2.0 * p * r / (p + r))
}

fn option(yaml: &str, key: &str) -> Option<String> {
    // The `options:` line is a flow mapping, e.g. `options: {date: "2024-06-21"}`.
    let line = yaml.lines().find(|l| l.starts_with("options:"))?;
    let v: serde_yaml::Value = serde_yaml::from_str(line.trim_start_matches("options:")).ok()?;
    v.get(key)?.as_str().map(str::to_string)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let mut names: Vec<String> = fs::read_dir(&dir)?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".expect.yaml")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    let mut sum = 0.0;
    println!("{:<28} {:>6} {:>6} {:>6}", "fixture", "P", "R", "F1");
    for name in &names {
        let raw = ["txt", "html"]
            .iter()
            .map(|e| dir.join(format!("{name}.{e}")))
            .find(|p| p.exists());
        let (Some(raw), Ok(want)) = (
            raw,
            fs::read_to_string(dir.join(format!("{name}.expected.md"))),
        ) else {
            println!("{name:<28} (missing input or expected.md)");
            continue;
        };
        let yaml = fs::read_to_string(dir.join(format!("{name}.expect.yaml")))?;
        let opts = ImportOptions {
            date: option(&yaml, "date").and_then(|d| d.parse().ok()),
            url: option(&yaml, "url"),
            source: option(&yaml, "source"),
            ..ImportOptions::default()
        };
        let input = fs::read_to_string(&raw)?;
        let (p, r, f) = match import_str(name, &input, &opts) {
            Ok(i) => f1(&i.body, &want),
            Err(e) => {
                println!("{name:<28} error: {e}");
                (0.0, 0.0, 0.0)
            }
        };
        sum += f;
        println!("{name:<28} {p:>6.3} {r:>6.3} {f:>6.3}");
    }
    let n = names.len().max(1) as f64;
    println!("{:<28} {:>6} {:>6} {:>6.3}", "mean", "", "", sum / n);
    Ok(())
}
