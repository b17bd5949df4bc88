//! Search, terms: one article → its digest (each stemmed term with a weight, and the
//! surface forms that stem to something else), the input of the sharded search index.
//!
//! A digest depends on the article alone — never on the rest of the archive — so a
//! shard's bytes change only when an article that holds one of its terms changes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use rustc_hash::FxHashMap;

use super::related::stem::Language;
use super::related::tokenize::tokens_with_names;
use crate::parse::Article;

/// BM25's saturation and length normalisation, against a fixed reference length rather
/// than the archive's average, so a weight stays what it was when other articles arrive.
const K1: f32 = 1.2;
const B: f32 = 0.75;
const REFERENCE_WORDS: f32 = 400.0;
/// Weights are quantised to 1..=MAX_WEIGHT: one character of the shard alphabet.
pub(crate) const MAX_WEIGHT: u8 = 31;

/// One line per term, sorted: `stem weight` (weight 1..=31 as a number), then
/// `>surface stem` for each word form whose stem differs. Compact text because lean
/// builds keep it for every article, instead of the full body.
pub fn digest(a: &Article) -> Box<str> {
    let lang = Language::of(&a.lang);
    let source = a.source.as_ref().map(|s| s.name.as_str()).unwrap_or("");
    let people = a.authors.join(", ");
    let tags = a.tags.join(", ");
    let dateline = a.dateline.as_deref().unwrap_or("");
    // Field boosts in the spirit of BM25F: a title word counts as five body words.
    let fields: [(&str, f32); 7] = [
        (&a.title, 5.0),
        (if a.has_summary { &a.summary } else { "" }, 2.0),
        (&tags, 3.0),
        (&people, 3.0),
        (source, 2.0),
        (dateline, 1.0),
        (&a.text, 1.0),
    ];
    // Each distinct word is stemmed once: stemming is most of the cost, and a body
    // repeats its words.
    let mut words: FxHashMap<Cow<str>, f32> = FxHashMap::default();
    let mut body_words = 0usize;
    for (i, (text, boost)) in fields.iter().enumerate() {
        for (word, _) in tokens_with_names(text) {
            body_words += usize::from(i == fields.len() - 1);
            *words.entry(word).or_default() += boost;
        }
    }
    let mut weight: BTreeMap<String, f32> = BTreeMap::new();
    let mut forms: Vec<(Cow<str>, String)> = Vec::new();
    for (word, tf) in words {
        let stem = lang.stem(&word);
        *weight.entry(stem.clone()).or_default() += tf;
        if stem != *word {
            forms.push((word, stem));
        }
    }
    forms.sort_unstable();
    let norm = K1 * (1.0 - B + B * body_words as f32 / REFERENCE_WORDS);
    let mut out = String::new();
    for (stem, tf) in &weight {
        let saturated = tf * (K1 + 1.0) / (tf + norm) / (K1 + 1.0);
        let q = ((saturated * f32::from(MAX_WEIGHT)).ceil() as u8).clamp(1, MAX_WEIGHT);
        let _ = writeln!(out, "{stem} {q}");
    }
    for (form, stem) in &forms {
        let _ = writeln!(out, ">{form} {stem}");
    }
    out.into_boxed_str()
}

/// A digest's lines: `(term, weight)` for stems, `(form, stem)` through `forms`.
pub(crate) fn terms(digest: &str) -> impl Iterator<Item = (&str, u8)> {
    digest.lines().filter_map(|l| {
        let (term, w) = l.split_once(' ')?;
        (!term.starts_with('>')).then(|| (term, w.parse().unwrap_or(1)))
    })
}

pub(crate) fn forms(digest: &str) -> impl Iterator<Item = (&str, &str)> {
    digest
        .lines()
        .filter_map(|l| l.strip_prefix('>')?.split_once(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(lang: &str, title: &str, body: &str) -> Article {
        let src = crate::load::Source {
            path: "content/a.md".into(),
            text: format!("---\ntitle: \"{title}\"\ndate: 2024-06-20\nlang: {lang}\nauthors: [Budi Santoso]\n---\n\n{body}\n").into(),
        };
        let config = crate::config::Config::default();
        crate::parse::parse_one(&src, &config, &config.tz()).expect("valid article")
    }

    #[test]
    fn stems_weights_and_forms() {
        let a = article(
            "id",
            "Banjir rob",
            "Warga kebanjiran lagi. Pembangunan tanggul.",
        );
        let d = digest(&a);
        let t: BTreeMap<&str, u8> = terms(&d).collect();
        assert!(t["banjir"] > t["bangun"], "title words weigh more: {d}");
        assert!(t.contains_key("budi") && t.contains_key("santoso"), "{d}");
        let f: BTreeMap<&str, &str> = forms(&d).collect();
        assert_eq!(f.get("pembangunan"), Some(&"bangun"));
        assert!(t.values().all(|&w| (1..=MAX_WEIGHT).contains(&w)));
    }

    #[test]
    fn english_forms_meet_at_their_stem() {
        let d = digest(&article(
            "en",
            "Floods return",
            "The river flooded the town.",
        ));
        let f: BTreeMap<&str, &str> = forms(&d).collect();
        assert_eq!(f.get("floods"), Some(&"flood"));
        assert_eq!(f.get("flooded"), Some(&"flood"));
    }
}
