//! Render, search: the index (each article's digest) → the search index's files:
//! `search/meta.json`, base term shards `search/t/N.txt`, recent term shards
//! `search/r/N.txt` and result records `search/d/N.json`.
//!
//! A query fetches the meta file, per word its base shard and its recent shard (twice
//! that when the word is a form of another stem) and the record blocks of its best hits —
//! never the whole index. Layout and stability (a shard changes only when one of its
//! terms does, in its own layer):
//! - documents are numbered oldest first, so a new article takes the next number and
//!   shifts nobody; postings carry weights that depend on their own article only;
//! - two layers: the base holds the oldest `n - n % SPAN` documents and the recent
//!   layer the rest (fewer than `SPAN`), so a new article changes only recent shards;
//!   the base is rewritten once every `SPAN` articles, when the recent layer fills up;
//! - in the base a term goes to shard `fnv1a(term) mod shards`, where `shards` is a power
//!   of two from the base's size; in the recent layer, `fnv1a(term) mod RECENT_SHARDS`;
//! - shard lines, sorted by term: `term\tdf\tpostings` or `form\t>stem stem…`;
//!   postings are (id delta, weight) pairs in a 64-letter alphabet, five bits a letter.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::index::{Index, search as terms};
use crate::parse::truncate_words;
use crate::render::Keys;

/// Record blocks hold this many documents (`search/d/N.json` holds ids N·8…): hits are
/// spread over the archive, so a small block wastes few bytes on records nobody shows.
pub(crate) const BLOCK: usize = 8;
/// A term in more documents of a layer keeps only that layer's best postings (weight,
/// then newest): a query for a very common word still fetches a few kilobytes. The
/// recent layer is smaller than this, so the cut only ever applies to the base.
pub(crate) const MAX_POSTINGS: usize = 2000;
/// The base layer grows by this many documents at a time. Measured at 10 000 articles
/// (README, *Search*): with 1 024 a nearly full recent shard was 35 KB, over twice a
/// base shard, and a query's median bytes went past #18's budget; 512 halves that,
/// and the base is still rewritten only once every 512 stories.
pub(crate) const SPAN: usize = 512;
/// Shards of the recent layer: a new article's ~150 terms reach most of them, so this
/// bounds the files one new story changes in the index.
pub(crate) const RECENT_SHARDS: usize = 32;
const SUMMARY_BYTES: usize = 160;
/// Enough opening text for an excerpt of about 180 characters around a word in it.
const LEDE_BYTES: usize = 320;
/// Letters 0–31 end a number, 32–63 say more letters follow.
const ALPHABET: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&*";

/// Shards for an archive of `n` articles: about 32 articles' worth of terms each.
pub(crate) fn shard_count(n: usize) -> usize {
    (n / 32).next_power_of_two().clamp(8, 4096)
}

/// Documents in the base layer of an archive of `n`.
pub(crate) fn base_docs(n: usize) -> usize {
    n - n % SPAN
}

/// Shards of the base layer (none while the archive is smaller than `SPAN`): they
/// depend on the base's size alone, so recent documents never move a term.
pub(crate) fn base_shard_count(n: usize) -> usize {
    match base_docs(n) {
        0 => 0,
        base => shard_count(base),
    }
}

pub(crate) fn base_shard_path(i: usize) -> String {
    format!("search/t/{i}.txt")
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
    /// Base shards; empty when `previous` keys showed them unchanged (not built).
    pub shards: Vec<String>,
    pub recent: Vec<String>,
    pub docs: Vec<String>,
    /// The key of every base shard: a hash of what the base is made from (0 untracked).
    pub base_key: u64,
    /// How long building them took (`kabar build --timings`).
    pub elapsed: std::time::Duration,
}

/// With `track`, base shards get a key from their inputs (the base's articles, in id
/// order) instead of their bytes; if `previous` keys name every base shard with that key,
/// the base is not built again (an incremental build after a new story).
pub(crate) fn build(
    index: &Index,
    config: &Config,
    root: &str,
    track: bool,
    previous: Option<&Keys>,
) -> Files {
    let started = std::time::Instant::now();
    let n = index.entries.len();
    let base = base_docs(n);
    let base_shards = base_shard_count(n);
    // Entries are newest first: document `id` is entry `n - 1 - id`.
    let entry = |id: usize| &index.entries[n - 1 - id];
    let base_key = if track {
        let mut h = rustc_hash::FxHasher::default();
        (base, base_shards).hash(&mut h);
        for id in 0..base {
            entry(id).article.hash.hash(&mut h);
        }
        h.finish()
    } else {
        0
    };
    let reuse = base_shards > 0
        && previous.is_some_and(|p| {
            (0..base_shards).all(|i| p.get(&base_shard_path(i)) == Some(&base_key))
        });
    let digest = |id: usize| match &entry(id).article.search {
        Some(d) => Cow::Borrowed(d),
        None => Cow::Owned(terms::digest(&entry(id).article)),
    };
    let recent: Vec<Cow<terms::Terms>> = (base..n).into_par_iter().map(digest).collect();
    let shards = if reuse || base == 0 {
        Vec::new()
    } else {
        let digests: Vec<Cow<terms::Terms>> = (0..base).into_par_iter().map(digest).collect();
        layer(&digests, 0, base_shards)
    };
    let meta = serde_json::json!({
        "v": 2,
        "docs": n,
        "base": base,
        "shards": base_shards,
        "recent": RECENT_SHARDS,
        "block": BLOCK,
    })
    .to_string();
    let recent = layer(&recent, base as u32, RECENT_SHARDS);
    let docs = docs(index, config, root);
    Files {
        meta,
        shards,
        recent,
        docs,
        base_key,
        elapsed: started.elapsed(),
    }
}

/// One term's postings while they are gathered: already in the shard's encoding (a
/// few bytes a posting instead of eight), ids ascending.
#[derive(Default)]
struct Postings {
    df: u32,
    last: u32,
    encoded: String,
}

/// One layer's shards: `digests[k]` is document `first + k` (oldest first). Ids in
/// postings are absolute (the first delta is from 0), so layers need no offset to merge.
fn layer(digests: &[Cow<terms::Terms>], first: u32, count: usize) -> Vec<String> {
    let vocab = terms::VOCAB.reader();
    // Each term's shard, by id (ids are dense: a vector, not a map).
    let mut max_id = 0;
    for d in digests {
        let stems = d.stems.iter().copied();
        max_id = stems
            .chain(d.forms.iter().map(|f| f.0))
            .fold(max_id, u32::max);
    }
    let mut shard_of: Vec<u32> = vec![u32::MAX; max_id as usize + 1];
    for d in digests {
        for &id in d.stems.iter().chain(d.forms.iter().map(|(f, _)| f)) {
            let s = &mut shard_of[id as usize];
            if *s == u32::MAX {
                *s = fnv1a(vocab.text(id)) % count as u32;
            }
        }
    }
    // The shards in a few groups, each gathered by one pass over every article (oldest
    // first, so posting lists come out sorted by id): only one group's postings are in
    // memory per thread.
    let groups = (rayon::current_num_threads() * 2).clamp(1, count);
    let mut out: Vec<(usize, String)> = (0..groups)
        .into_par_iter()
        .flat_map_iter(|g| {
            let mine = |id: u32| shard_of[id as usize] as usize % groups == g;
            let mut postings: FxHashMap<u32, Postings> = FxHashMap::default();
            let mut forms: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
            for (k, d) in digests.iter().enumerate() {
                let id = first + k as u32;
                for (term, w) in d.weighted() {
                    if mine(term) {
                        let p = postings.entry(term).or_default();
                        push_number(&mut p.encoded, id - p.last);
                        p.encoded
                            .push(ALPHABET[usize::from(w.min(terms::MAX_WEIGHT))] as char);
                        p.last = id;
                        p.df += 1;
                    }
                }
                for &(form, stem) in &d.forms {
                    if mine(form) {
                        forms.entry(form).or_default().push(stem);
                    }
                }
            }
            let mut by_shard: FxHashMap<usize, Vec<(&str, u32)>> = FxHashMap::default();
            for &term in postings
                .keys()
                .chain(forms.keys().filter(|f| !postings.contains_key(f)))
            {
                by_shard
                    .entry(shard_of[term as usize] as usize)
                    .or_default()
                    .push((vocab.text(term), term));
            }
            let mut files: Vec<(usize, String)> = by_shard
                .into_iter()
                .map(|(shard, mut terms)| {
                    terms.sort_unstable();
                    let mut out = String::new();
                    for (text, term) in terms {
                        if let Some(p) = postings.get(&term) {
                            out.push_str(text);
                            out.push('\t');
                            out.push_str(&p.df.to_string());
                            out.push('\t');
                            if p.df as usize > MAX_POSTINGS {
                                encode(&mut out, &decode(&p.encoded));
                            } else {
                                out.push_str(&p.encoded);
                            }
                            out.push('\n');
                        }
                        if let Some(stems) = forms.get(&term) {
                            let mut stems: Vec<&str> =
                                stems.iter().map(|&s| vocab.text(s)).collect();
                            stems.sort_unstable();
                            stems.dedup();
                            out.push_str(text);
                            out.push_str("\t>");
                            out.push_str(&stems.join(" "));
                            out.push('\n');
                        }
                    }
                    (shard, out)
                })
                .collect();
            files.sort_unstable_by_key(|f| f.0);
            files
        })
        .collect();
    out.sort_unstable_by_key(|f| f.0);
    let mut shards = vec![String::new(); count];
    for (i, text) in out {
        shards[i] = text;
    }
    shards
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

/// The inverse of `encode` (for lists gathered whole and cut afterwards).
fn decode(s: &str) -> Vec<(u32, u8)> {
    let mut digit = [0u32; 128];
    for (i, &a) in ALPHABET.iter().enumerate() {
        digit[usize::from(a)] = i as u32;
    }
    let digit = |b: u8| digit[usize::from(b & 0x7f)];
    let mut bytes = s.bytes();
    let (mut out, mut id) = (Vec::new(), 0);
    while let Some(mut b) = bytes.next() {
        let mut v = 0;
        while digit(b) >= 32 {
            v = (v << 5) | (digit(b) - 32);
            b = bytes.next().unwrap_or(b'0');
        }
        id += (v << 5) | digit(b);
        let w = bytes.next().map(digit).unwrap_or(0) as u8;
        out.push((id, w));
    }
    out
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

/// The opening of the body that the results page cuts its excerpt from (a window around
/// the first matched word): the text after the summary when the summary is the first
/// paragraph, so no record carries it twice.
fn lede(a: &crate::parse::Article) -> String {
    let text = a.text.trim_start();
    let rest = if a.has_summary {
        text
    } else {
        text.strip_prefix(a.summary.trim())
            .unwrap_or(text)
            .trim_start()
    };
    truncate_words(rest.trim_end(), LEDE_BYTES)
}

/// Result records by id, `BLOCK` a file: `[url, title, date, summary, story id, lede]`,
/// the date in the site's language and the story id that of its oldest article.
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
                        lede(&e.article),
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
