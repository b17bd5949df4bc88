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
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

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
    /// Result blocks with their keys; a block is `None` when `previous` keys showed it
    /// unchanged (not built).
    pub docs: Vec<(u64, Option<String>)>,
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
) -> std::io::Result<Files> {
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
        Some(d) => Ok(Cow::Borrowed(d)),
        None => terms::digest(&entry(id).article).map(Cow::Owned),
    };
    let recent: Vec<Cow<terms::Terms>> = (base..n)
        .into_par_iter()
        .map(digest)
        .collect::<std::io::Result<_>>()?;
    let shards = if reuse || base == 0 {
        Vec::new()
    } else {
        let digests: Vec<Cow<terms::Terms>> = (0..base)
            .into_par_iter()
            .map(digest)
            .collect::<std::io::Result<_>>()?;
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
    let docs = docs(index, config, root, track, previous)?;
    Ok(Files {
        meta,
        shards,
        recent,
        docs,
        base_key,
        elapsed: started.elapsed(),
    })
}

/// One layer's shards: `digests[k]` is document `first + k` (oldest first). Ids in
/// postings are absolute (the first delta is from 0), so layers need no offset to merge.
///
/// Postings are gathered by a counting sort per range of documents, in parallel, so
/// each term's list comes out sorted by id with no map or string per term: at 100 000
/// articles there are tens of millions of postings.
fn layer(digests: &[Cow<terms::Terms>], first: u32, count: usize) -> Vec<String> {
    let n = digests.len();
    let max_id = digests
        .iter()
        .flat_map(|d| d.stems.iter().chain(d.forms.iter().map(|f| &f.0)))
        .fold(0, |m, &id| m.max(id as usize));
    let docs = |ids: Range<usize>| ids.map(|k| (first + k as u32, &digests[k]));
    let postings = Grouped::gather(n, max_id, |ids| {
        docs(ids).flat_map(|(id, d)| d.weighted().map(move |(term, w)| (term, pack(id, w))))
    });
    let forms = Grouped::gather(n, max_id, |ids| {
        docs(ids).flat_map(|(_, d)| d.forms.iter().copied())
    });
    // The vocabulary's read locks are held here only, never across parallel work: a job
    // rayon runs on this thread meanwhile (another build's digest, in `kabar serve` or a
    // test binary) may wait for a write lock, and would wait for ever.
    let texts: Vec<Option<Arc<str>>> = {
        let vocab = terms::VOCAB.reader();
        (0..=max_id as u32)
            .map(|t| (postings.len(t) + forms.len(t) > 0).then(|| vocab.shared(t)))
            .collect()
    };
    let text_of = |t: u32| texts.get(t as usize).and_then(Option::as_deref);
    let mut by_shard: Vec<Vec<(&str, u32)>> = vec![Vec::new(); count];
    for term in 0..=max_id as u32 {
        if let Some(text) = text_of(term) {
            by_shard[fnv1a(text) as usize % count].push((text, term));
        }
    }
    by_shard
        .into_par_iter()
        .map(|mut terms| {
            terms.sort_unstable();
            let mut out = String::new();
            for (text, term) in terms {
                let df = postings.len(term);
                if df > 0 {
                    out.push_str(text);
                    out.push('\t');
                    out.push_str(&df.to_string());
                    out.push('\t');
                    encode(&mut out, postings.of(term), df);
                    out.push('\n');
                }
                if forms.len(term) > 0 {
                    let mut stems: Vec<&str> = forms
                        .of(term)
                        .flatten()
                        .filter_map(|&s| text_of(s))
                        .collect();
                    stems.sort_unstable();
                    stems.dedup();
                    out.push_str(text);
                    out.push_str("\t>");
                    out.push_str(&stems.join(" "));
                    out.push('\n');
                }
            }
            out
        })
        .collect()
}

/// Values grouped by term id, in the order they came, from one `Lists` per range of
/// documents: a term's values are its lists in range order.
struct Grouped<T> {
    parts: Vec<Lists<T>>,
}

impl<T: Copy + Default + Send> Grouped<T> {
    fn gather<I: Iterator<Item = (u32, T)>>(
        n: usize,
        max_id: usize,
        items: impl Fn(Range<usize>) -> I + Sync,
    ) -> Self {
        let parts = (rayon::current_num_threads() * 2).clamp(1, n.max(1));
        let parts = (0..parts)
            .into_par_iter()
            .map(|p| Lists::gather(max_id, || items(p * n / parts..(p + 1) * n / parts)))
            .collect();
        Grouped { parts }
    }
}

impl<T> Grouped<T> {
    fn of(&self, term: u32) -> impl Iterator<Item = &[T]> {
        self.parts.iter().map(move |l| l.of(term))
    }

    fn len(&self, term: u32) -> usize {
        self.of(term).map(<[T]>::len).sum()
    }
}

/// Values grouped by term id, in the order they came (a counting sort).
struct Lists<T> {
    start: Vec<u32>,
    values: Vec<T>,
}

impl<T: Copy + Default> Lists<T> {
    /// `items` is called twice: once to count, once to fill.
    fn gather<I: Iterator<Item = (u32, T)>>(max_id: usize, items: impl Fn() -> I) -> Self {
        let mut start = vec![0u32; max_id + 2];
        for (term, _) in items() {
            start[term as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut next = start.clone();
        let mut values = vec![T::default(); start[max_id + 1] as usize];
        for (term, v) in items() {
            let slot = &mut next[term as usize];
            values[*slot as usize] = v;
            *slot += 1;
        }
        Lists { start, values }
    }
}

impl<T> Lists<T> {
    fn of(&self, term: u32) -> &[T] {
        let t = term as usize;
        &self.values[self.start[t] as usize..self.start[t + 1] as usize]
    }
}

/// A posting in four bytes: the document id above the weight's five bits.
fn pack(id: u32, weight: u8) -> u32 {
    (id << 5) | u32::from(weight.min(terms::MAX_WEIGHT))
}

/// A posting list of `len` postings (packed, ids ascending, in parts) as (id delta,
/// weight) pairs; past `MAX_POSTINGS`, the best ones (weight, then newest).
fn encode<'a>(out: &mut String, parts: impl Iterator<Item = &'a [u32]>, len: usize) {
    if len <= MAX_POSTINGS {
        return push_postings(out, parts.flatten().copied());
    }
    let mut best: Vec<u32> = parts.flatten().copied().collect();
    // Packed postings are distinct, so the cut is the same however the list is ordered.
    best.select_nth_unstable_by(MAX_POSTINGS - 1, |a, b| {
        (b & 31).cmp(&(a & 31)).then(b.cmp(a))
    });
    best.truncate(MAX_POSTINGS);
    best.sort_unstable();
    push_postings(out, best.into_iter());
}

fn push_postings(out: &mut String, list: impl Iterator<Item = u32>) {
    let mut previous = 0;
    for p in list {
        push_number(out, (p >> 5) - previous);
        out.push(ALPHABET[(p & 31) as usize] as char);
        previous = p >> 5;
    }
}

#[cfg(test)]
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

/// Result records by id, `BLOCK` a file: `[url, title, date, summary, story id, lede]`,
/// the date in the site's language and the story id that of its oldest article.
///
/// With `track`, each block is keyed by what its records are made from (the articles,
/// their URLs, days and story ids), and a block whose file `previous` holds with that
/// key is not built: ids count from the oldest story, so a new one changes the last
/// block only.
fn docs(
    index: &Index,
    config: &Config,
    root: &str,
    track: bool,
    previous: Option<&Keys>,
) -> std::io::Result<Vec<(u64, Option<String>)>> {
    let n = index.entries.len();
    let entry = |id: usize| &index.entries[n - 1 - id];
    let story = |id: usize| entry(id).story.first().map_or(id, |&oldest| n - 1 - oldest);
    let ids = |b: usize| b * BLOCK..((b + 1) * BLOCK).min(n);
    (0..block_count(n))
        .into_par_iter()
        .map(|b| {
            let key = if track {
                let mut h = rustc_hash::FxHasher::default();
                (root, &config.lang).hash(&mut h);
                for id in ids(b) {
                    let e = entry(id);
                    (e.article.hash, &e.url, e.day, story(id)).hash(&mut h);
                }
                h.finish()
            } else {
                0
            };
            let kept = track && previous.is_some_and(|p| p.get(&docs_path(b)) == Some(&key));
            if kept {
                return Ok((key, None));
            }
            let records = ids(b)
                .map(|id| {
                    let e = entry(id);
                    let lede = match (&e.article.search, &e.article.stored) {
                        (Some(t), _) => t.lede.to_string(),
                        (None, Some(stored)) => stored.lede()?,
                        (None, None) => terms::lede(&e.article),
                    };
                    Ok(serde_json::json!([
                        format!("{root}{}", e.url),
                        e.article.title,
                        crate::render::filters::long_date(e.day, &config.lang),
                        truncate_words(&e.article.summary, SUMMARY_BYTES),
                        story(id),
                        lede,
                    ]))
                })
                .collect::<std::io::Result<_>>()?;
            Ok((key, Some(serde_json::Value::Array(records).to_string())))
        })
        .collect()
}

/// The file of result block `b`.
pub(crate) fn docs_path(b: usize) -> String {
    format!("search/d/{b}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(list: &[(u32, u8)]) -> Vec<u32> {
        list.iter().map(|&(id, w)| pack(id, w)).collect()
    }

    #[test]
    fn a_shard_lists_each_term_with_its_postings_oldest_first_and_its_forms() {
        let id = |s: &str| terms::VOCAB.id(s);
        let (banjir, kota, kebanjiran) = (id("banjir"), id("kota"), id("kebanjiran"));
        let digest = |stems: &[u32], weights: &[u8], forms: &[(u32, u32)]| {
            Cow::Owned(terms::Terms {
                stems: stems.into(),
                weights: weights.into(),
                forms: forms.into(),
                lede: Box::default(),
            })
        };
        // Oldest first, documents 3 and 4 of the archive: "kota" only in the oldest.
        let digests = [
            digest(&[banjir, kota], &[40, 2], &[]),
            digest(&[banjir], &[9], &[(kebanjiran, banjir)]),
        ];
        let lines: Vec<String> = layer(&digests, 3, 1)[0].lines().map(String::from).collect();
        // Ids are absolute (the first delta is from 0); weights above the maximum are cut
        // to it.
        assert_eq!(
            lines,
            ["banjir\t2\t3v19", "kebanjiran\t>banjir", "kota\t1\t32"]
        );
    }

    #[test]
    fn postings_round_trip() {
        let list = vec![(0, 3), (1, 31), (40, 1), (100_000, 7), (100_031, 2)];
        let mut s = String::new();
        encode(&mut s, [packed(&list).as_slice()].into_iter(), list.len());
        assert_eq!(decode(&s), list);
    }

    #[test]
    fn long_lists_keep_their_best_postings_in_id_order() {
        let list: Vec<(u32, u8)> = (0..MAX_POSTINGS as u32 + 10)
            .map(|i| (i, if i % 100 == 0 { 30 } else { 2 }))
            .collect();
        let mut s = String::new();
        encode(&mut s, [packed(&list).as_slice()].into_iter(), list.len());
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
