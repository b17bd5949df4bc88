//! Render, search: the index (each article's digest) → the search index's files:
//! `search/meta.json`, term shards `search/t/N.txt` and result records `search/d/N.json`.
//!
//! A query fetches the meta file, one shard per word (two when the word is a form of
//! another stem) and the record blocks of its best hits — never the whole index.
//! Layout and stability (a shard changes only when one of its terms does):
//! - documents are numbered oldest first, so a new article takes the next number and
//!   shifts nobody; postings carry weights that depend on their own article only;
//! - a term goes to shard `fnv1a(term) mod shards`, where `shards` is a power of two
//!   from the archive size (it changes, rewriting every shard, only when the archive
//!   crosses a power of two);
//! - shard lines, sorted by term: `term\tdf\tpostings` or `form\t>stem stem…`;
//!   postings are (id delta, weight) pairs in a 64-letter alphabet, five bits a letter.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::index::{Index, search as terms};
use crate::parse::truncate_words;

/// Record blocks hold this many documents (`search/d/N.json` holds ids N·8…): hits are
/// spread over the archive, so a small block wastes few bytes on records nobody shows.
pub(crate) const BLOCK: usize = 8;
/// A term in more documents keeps only its best postings (weight, then newest): a
/// query for a very common word still fetches a few kilobytes.
pub(crate) const MAX_POSTINGS: usize = 2000;
const SUMMARY_BYTES: usize = 160;
/// Letters 0–31 end a number, 32–63 say more letters follow.
const ALPHABET: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&*";

/// Shards for an archive of `n` articles: about 32 articles' worth of terms each.
pub(crate) fn shard_count(n: usize) -> usize {
    (n / 32).next_power_of_two().clamp(8, 4096)
}

pub(crate) fn block_count(n: usize) -> usize {
    n.div_ceil(BLOCK)
}

/// FNV-1a over the UTF-8 bytes: a few lines in `search.js` compute the same.
pub(crate) fn fnv1a(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Every file of the search index, in memory (tens of megabytes at 100 000 articles).
#[derive(Debug, Default)]
pub(crate) struct Files {
    pub meta: String,
    pub shards: Vec<String>,
    pub docs: Vec<String>,
    /// How long building them took (`kabar build --timings`).
    pub elapsed: std::time::Duration,
}

pub(crate) fn build(index: &Index, config: &Config, root: &str) -> Files {
    let started = std::time::Instant::now();
    let n = index.entries.len();
    let digests: Vec<Cow<str>> = index
        .entries
        .par_iter()
        .map(|e| match &e.article.search {
            Some(d) => Cow::Borrowed(d.as_ref()),
            None => Cow::Owned(terms::digest(&e.article).into_string()),
        })
        .collect();
    let meta = serde_json::json!({
        "v": 1,
        "docs": n,
        "shards": shard_count(n),
        "block": BLOCK,
    })
    .to_string();
    let shards = shards(&digests, shard_count(n));
    let docs = docs(index, config, root);
    Files {
        meta,
        shards,
        docs,
        elapsed: started.elapsed(),
    }
}

/// `digests[i]` belongs to entry `i` (newest first); its document id is `n - 1 - i`.
fn shards(digests: &[Cow<str>], count: usize) -> Vec<String> {
    let n = digests.len();
    // Per chunk of the archive in parallel, oldest first, then appended in chunk order:
    // every posting list comes out sorted by id.
    type Maps<'a> = (
        FxHashMap<&'a str, Vec<(u32, u8)>>,
        FxHashMap<&'a str, BTreeSet<&'a str>>,
    );
    let chunk = n.div_ceil(rayon::current_num_threads().max(1)).max(1);
    let ids: Vec<usize> = (0..n).collect();
    let maps: Vec<Maps> = ids
        .par_chunks(chunk)
        .map(|ids| {
            let (mut postings, mut forms): Maps = Default::default();
            for &id in ids {
                let d = &digests[n - 1 - id];
                for (term, w) in terms::terms(d) {
                    postings.entry(term).or_default().push((id as u32, w));
                }
                for (form, stem) in terms::forms(d) {
                    forms.entry(form).or_default().insert(stem);
                }
            }
            (postings, forms)
        })
        .collect();
    let mut maps = maps.into_iter();
    let (mut postings, mut forms) = maps.next().unwrap_or_default();
    for (p, f) in maps {
        for (term, list) in p {
            postings.entry(term).or_default().extend(list);
        }
        for (form, stems) in f {
            forms.entry(form).or_default().extend(stems);
        }
    }
    let mut by_shard: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); count];
    for &term in postings.keys().chain(forms.keys()) {
        by_shard[fnv1a(term) as usize % count].insert(term);
    }
    by_shard
        .par_iter()
        .map(|terms| {
            let mut out = String::new();
            for &term in terms {
                if let Some(list) = postings.get(term) {
                    out.push_str(term);
                    out.push('\t');
                    out.push_str(&list.len().to_string());
                    out.push('\t');
                    encode(&mut out, list);
                    out.push('\n');
                }
                if let Some(stems) = forms.get(term) {
                    out.push_str(term);
                    out.push_str("\t>");
                    let stems: Vec<&str> = stems.iter().copied().collect();
                    out.push_str(&stems.join(" "));
                    out.push('\n');
                }
            }
            out
        })
        .collect()
}

/// A posting list as (id delta, weight) pairs; past `MAX_POSTINGS`, the best ones.
fn encode(out: &mut String, list: &[(u32, u8)]) {
    let kept: Cow<[(u32, u8)]> = if list.len() > MAX_POSTINGS {
        let mut best = list.to_vec();
        best.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        best.truncate(MAX_POSTINGS);
        best.sort_unstable();
        Cow::Owned(best)
    } else {
        Cow::Borrowed(list)
    };
    let mut previous = 0;
    for &(id, w) in kept.iter() {
        push_number(out, id - previous);
        out.push(ALPHABET[usize::from(w.min(terms::MAX_WEIGHT))] as char);
        previous = id;
    }
}

fn push_number(out: &mut String, mut v: u32) {
    let mut digits = [0u8; 7];
    let mut len = 0;
    loop {
        digits[len] = (v & 31) as u8;
        len += 1;
        v >>= 5;
        if v == 0 {
            break;
        }
    }
    for j in (0..len).rev() {
        let more = if j > 0 { 32 } else { 0 };
        out.push(ALPHABET[usize::from(digits[j] + more)] as char);
    }
}

/// Result records by id, `BLOCK` a file: `[url, title, date, summary, story id]`, the
/// date in the site's language and the story id that of its oldest article.
fn docs(index: &Index, config: &Config, root: &str) -> Vec<String> {
    let n = index.entries.len();
    (0..block_count(n))
        .into_par_iter()
        .map(|b| {
            let records: Vec<serde_json::Value> = (b * BLOCK..((b + 1) * BLOCK).min(n))
                .map(|id| {
                    let i = n - 1 - id;
                    let e = &index.entries[i];
                    let story = e.story.first().map_or(id, |&oldest| n - 1 - oldest);
                    serde_json::json!([
                        format!("{root}{}", e.url),
                        e.article.title,
                        crate::render::filters::long_date(e.day, &config.lang),
                        truncate_words(&e.article.summary, SUMMARY_BYTES),
                        story,
                    ])
                })
                .collect();
            serde_json::Value::Array(records).to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Vec<(u32, u8)> {
        let digit = |c: char| ALPHABET.iter().position(|&a| a as char == c).unwrap_or(0) as u32;
        let mut chars = s.chars();
        let (mut out, mut id) = (Vec::new(), 0);
        while let Some(mut c) = chars.next() {
            let mut v = 0;
            while digit(c) >= 32 {
                v = (v << 5) | (digit(c) - 32);
                c = chars.next().unwrap_or('0');
            }
            id += (v << 5) | digit(c);
            let w = chars.next().map(digit).unwrap_or(0) as u8;
            out.push((id, w));
        }
        out
    }

    #[test]
    fn postings_round_trip() {
        let list = vec![(0, 3), (1, 31), (40, 1), (100_000, 7), (100_031, 2)];
        let mut s = String::new();
        encode(&mut s, &list);
        assert_eq!(decode(&s), list);
    }

    #[test]
    fn long_lists_keep_their_best_postings_in_id_order() {
        let list: Vec<(u32, u8)> = (0..MAX_POSTINGS as u32 + 10)
            .map(|i| (i, if i % 100 == 0 { 30 } else { 2 }))
            .collect();
        let mut s = String::new();
        encode(&mut s, &list);
        let kept = decode(&s);
        assert_eq!(kept.len(), MAX_POSTINGS);
        assert!(kept.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(kept.contains(&(0, 30)) && kept.contains(&(2000, 30)));
    }

    #[test]
    fn fnv1a_matches_the_reference() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!(shard_count(10), 8);
        assert_eq!(shard_count(100_000), 4096);
    }
}
