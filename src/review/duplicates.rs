//! Review, near-duplicates: every parsed article → a warning on each article whose
//! word sequences mostly repeat another's (one story imported twice, or a copy).
//!
//! MinHash signatures bucketed by LSH find the candidate pairs without comparing
//! every article with every other; exact Jaccard over the shingles decides.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::parse::Article;

/// Two articles sharing this fraction of their word 3-shingles are near-duplicates.
pub(crate) const DUPLICATE_JACCARD: f64 = 0.8;

const BINS: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = BINS / BANDS;
/// Each article is compared with at most this many earlier members of a bucket,
/// so a thousand copies of one text cost thousands of comparisons, not a million.
const BUCKET_PEERS: usize = 8;

/// Near-duplicates by MinHash (one-permutation hashing, 64 bins) and LSH
/// (16 bands of 4): candidates share a band, then exact Jaccard decides.
pub(super) fn near_duplicates(
    all: &[&Article],
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<Diagnostic>> {
    let signatures: Vec<Option<[u64; BINS]>> = all
        .par_iter()
        .map(|a| (!stop()).then(|| signature(&shingles(a))))
        .collect::<Option<_>>()?;
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (i, sig) in signatures.iter().enumerate() {
        let Some(sig) = sig else { continue };
        for band in 0..BANDS {
            let key = sig[band * ROWS..(band + 1) * ROWS]
                .iter()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, v| mix(h ^ v));
            buckets.entry((band, key)).or_default().push(i);
        }
    }
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for members in buckets.values() {
        for (p, &j) in members.iter().enumerate().skip(1) {
            for &i in &members[..p.min(BUCKET_PEERS)] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    if pairs.is_empty() {
        return Some(Vec::new());
    }
    let involved: BTreeSet<usize> = pairs.iter().flat_map(|&(i, j)| [i, j]).collect();
    let sets: HashMap<usize, Vec<u64>> = involved
        .into_par_iter()
        .map(|i| (i, shingles(all[i])))
        .collect();
    let pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    let confirmed: Vec<(usize, usize, f64)> = pairs
        .par_iter()
        .filter_map(|&(i, j)| {
            let s = jaccard(sets.get(&i)?, sets.get(&j)?);
            (s >= DUPLICATE_JACCARD).then_some((i, j, s))
        })
        .collect();
    // One report per article, naming its closest twin.
    let mut best: BTreeMap<usize, (usize, f64)> = BTreeMap::new();
    for (i, j, s) in confirmed {
        for (a, b) in [(i, j), (j, i)] {
            let e = best.entry(a).or_insert((b, s));
            if s > e.1 || (s == e.1 && b < e.0) {
                *e = (b, s);
            }
        }
    }
    let found = best
        .into_iter()
        .map(|(a, (b, s))| {
            Diagnostic::warning(
                &all[a].path,
                format!(
                    "near-duplicate of {} ({:.0}% of word sequences shared)",
                    all[b].path.display(),
                    s * 100.0
                ),
            )
            .at(1, 1)
            .with_source(all[a].source_text.clone())
            .hint("keep one of them, or set `status: draft` on the copy")
        })
        .collect();
    Some(found)
}

/// Sorted, deduplicated hashes of lowercase word 3-grams of title and body.
fn shingles(a: &Article) -> Vec<u64> {
    let words: Vec<u64> = a
        .title
        .split(|c: char| !c.is_alphanumeric())
        .chain(a.text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .flat_map(char::to_lowercase)
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, c| {
                    (h ^ u64::from(u32::from(c))).wrapping_mul(0x0000_0100_0000_01b3)
                })
        })
        .collect();
    let mut out: Vec<u64> = words
        .windows(3)
        .map(|w| mix(mix(mix(w[0]) ^ w[1]) ^ w[2]))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// One-permutation MinHash with rotation densification; `None` below a few shingles,
/// where similarity means nothing (an empty body has its own lint).
fn signature(shingles: &[u64]) -> Option<[u64; BINS]> {
    if shingles.len() < 4 {
        return None;
    }
    let mut bins = [u64::MAX; BINS];
    for &h in shingles {
        let bin = (h >> 58) as usize;
        let v = h & ((1 << 58) - 1);
        bins[bin] = bins[bin].min(v);
    }
    let filled = bins;
    for (b, slot) in bins.iter_mut().enumerate() {
        if *slot == u64::MAX {
            let (k, v) = (1..BINS)
                .map(|k| (k, filled[(b + k) % BINS]))
                .find(|&(_, v)| v != u64::MAX)?;
            *slot = mix(v ^ k as u64);
        }
    }
    Some(bins)
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// splitmix64's finaliser: a cheap, well-mixed, deterministic hash step.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minhash_finds_similar_and_ignores_different() {
        let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
        let a: Vec<u64> = {
            let mut v: Vec<u64> = words
                .windows(3)
                .map(|w| mix(w.len() as u64 ^ w[0].len() as u64 ^ fnv(&w.join(" "))))
                .collect();
            v.sort_unstable();
            v
        };
        let mut b = a.clone();
        b.truncate(190);
        let c: Vec<u64> = a.iter().map(|x| mix(*x)).collect();
        let agree =
            |x: &[u64; BINS], y: &[u64; BINS]| x.iter().zip(y).filter(|(p, q)| p == q).count();
        let (sa, sb) = (signature(&a).expect("sig"), signature(&b).expect("sig"));
        let mut c = c;
        c.sort_unstable();
        let sc = signature(&c).expect("sig");
        assert!(agree(&sa, &sb) > 48, "similar sets agree in most bins");
        assert!(agree(&sa, &sc) < 4, "unrelated sets almost never agree");
        assert!(jaccard(&a, &b) > 0.9);
    }

    fn fnv(s: &str) -> u64 {
        s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
}
