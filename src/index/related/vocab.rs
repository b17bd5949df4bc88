//! Related, vocabulary: the term frequencies of a corpus → document frequencies,
//! term ids, and each article's signature (its strongest TF-IDF terms).
//!
//! The preview's cache keeps one `Terms` and adds or removes an article's
//! frequencies as it changes, instead of counting the corpus again.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// Terms kept per article: enough to describe a story, small enough to stay cheap.
const SIGNATURE: usize = 40;
/// The most articles that can be newer than the base (see `base`).
const BASE_STEP: usize = 512;

/// How many of the `n` articles, the oldest, every term's weight is counted over: all but
/// the newest `n mod step` (fewer than 512, and under 2% of them past a few hundred). A new
/// story then leaves every weight as it was until the base moves on, once every `step`
/// stories, so it changes only the lists near it (see `cache`).
pub(super) fn base(n: usize) -> usize {
    let step = (n / 64).next_power_of_two().clamp(1, BASE_STEP);
    n - n % step
}

/// (term id, weight), L2-normalised, sorted by term id.
pub(super) type Signature = Vec<(u32, f32)>;

/// (term hash, document frequency), sorted by hash.
pub(super) type Counts = Vec<(u64, u32)>;

/// Document frequencies and term ids of a corpus.
#[derive(Debug, Default, Clone)]
pub(super) struct Terms {
    /// Over every article: a term counts once two articles have it.
    df: HashMap<u64, u32>,
    /// Over the base, the oldest `base` articles: what weighs each term.
    df_base: HashMap<u64, u32>,
    base: usize,
    ids: HashMap<u64, u32>,
    /// The hashes that have ids, by id (sorted, when made by `new`).
    hashes: Vec<u64>,
}

impl Terms {
    /// Over `tfs` in corpus order (newest first), whose last `base(tfs.len())` are the base.
    pub(super) fn new<T: AsRef<[(u64, f32)]> + Sync>(tfs: &[T]) -> Self {
        let base = base(tfs.len());
        let count = |tfs: &[T]| {
            let mut df: HashMap<u64, u32> = HashMap::default();
            for tf in tfs {
                for (h, _) in tf.as_ref() {
                    *df.entry(*h).or_default() += 1;
                }
            }
            df
        };
        let (newer, older) = tfs.split_at(tfs.len() - base);
        let (df_base, newer) = rayon::join(|| count(older), || count(newer));
        let mut df = df_base.clone();
        for (h, d) in newer {
            *df.entry(h).or_default() += d;
        }
        // A term in one article links nothing; it only dilutes the norm.
        let mut kept: Vec<u64> = df
            .iter()
            .filter(|(_, d)| **d >= 2)
            .map(|(h, _)| *h)
            .collect();
        // Term ids follow the sorted hashes, so ids never depend on thread timing.
        kept.par_sort_unstable();
        Terms {
            df,
            df_base,
            base,
            ids: ids_of(&kept),
            hashes: kept,
        }
    }

    /// The term hash each id stands for.
    pub(super) fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// What `restore` takes back: the document frequencies over all articles and over
    /// the base, and the base's size.
    pub(super) fn counts(&self) -> (Counts, Counts, usize) {
        let sorted = |df: &HashMap<u64, u32>| {
            let mut v: Vec<(u64, u32)> = df.iter().map(|(&h, &d)| (h, d)).collect();
            v.par_sort_unstable();
            v
        };
        (sorted(&self.df), sorted(&self.df_base), self.base)
    }

    /// The terms `new` made, from its `counts` and `hashes`.
    pub(super) fn restore(df: Counts, df_base: Counts, base: usize, hashes: Vec<u64>) -> Self {
        Terms {
            df: df.into_iter().collect(),
            df_base: df_base.into_iter().collect(),
            base,
            ids: ids_of(&hashes),
            hashes,
        }
    }

    /// The terms `new` gives once the articles of `added` (term frequencies) join those
    /// these were made of, all of them newer than the base (which then stays as it was).
    /// Returns the terms one earlier article alone had that an added one has too.
    pub(super) fn extend(&mut self, added: &[&[(u64, f32)]]) -> Vec<u64> {
        let mut counts: HashMap<u64, u32> = HashMap::default();
        for tf in added {
            for (h, _) in tf.iter() {
                *counts.entry(*h).or_default() += 1;
            }
        }
        let mut was_alone = Vec::new();
        let mut counting = Vec::new();
        for (h, k) in counts {
            let d = self.df.entry(h).or_default();
            if *d == 1 {
                was_alone.push(h);
            }
            if *d < 2 && *d + k >= 2 {
                counting.push(h);
            }
            *d += k;
        }
        if !counting.is_empty() {
            counting.sort_unstable();
            let mut hashes = Vec::with_capacity(self.hashes.len() + counting.len());
            let (mut old, mut new) = (self.hashes.iter().peekable(), counting.iter().peekable());
            while let (Some(&&a), Some(&&b)) = (old.peek(), new.peek()) {
                if a < b {
                    hashes.push(a);
                    old.next();
                } else {
                    hashes.push(b);
                    new.next();
                }
            }
            hashes.extend(old.chain(new));
            self.ids = ids_of(&hashes);
            self.hashes = hashes;
        }
        was_alone
    }

    /// In how many articles `h` is.
    pub(super) fn df(&self, h: u64) -> u32 {
        self.df.get(&h).copied().unwrap_or(0)
    }

    /// The id of `h`, if it counts (two articles have it).
    pub(super) fn id(&self, h: u64) -> Option<u32> {
        self.ids.get(&h).copied()
    }

    pub(super) fn add(&mut self, tf: &[(u64, f32)]) {
        for (h, _) in tf {
            let d = self.df.entry(*h).or_default();
            *d += 1;
            if *d >= 2 && !self.ids.contains_key(h) {
                let id = self.ids.len() as u32;
                self.ids.insert(*h, id);
                self.hashes.push(*h);
            }
        }
    }

    pub(super) fn remove(&mut self, tf: &[(u64, f32)]) {
        for (h, _) in tf {
            if let Some(d) = self.df.get_mut(h) {
                *d = d.saturating_sub(1);
            }
        }
    }

    /// Top-`SIGNATURE` TF-IDF terms of one article, L2-normalised, sorted by term id; each
    /// term weighed by its rarity in the base (a term the base lacks as if it had it once).
    pub(super) fn signature(&self, tf: &[(u64, f32)]) -> Signature {
        let n = self.base as f32;
        let mut sig: Signature = tf
            .iter()
            .filter_map(|&(h, f)| {
                let id = *self.ids.get(&h)?;
                let d = self.df_base.get(&h).copied().unwrap_or(1).max(1) as f32;
                let w = (1.0 + f.ln()) * (n / d).ln();
                (w > 0.0).then_some((id, w))
            })
            .collect();
        sig.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        sig.truncate(SIGNATURE);
        let norm = sig.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        for (_, w) in &mut sig {
            *w /= norm;
        }
        sig.sort_unstable_by_key(|(t, _)| *t);
        sig
    }
}

/// Each hash's id: its place in `hashes`.
fn ids_of(hashes: &[u64]) -> HashMap<u64, u32> {
    hashes
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i as u32))
        .collect()
}

/// Where each id of `old` is among `new`'s, when `new` has every hash `old` has and
/// both are sorted (ids then keep their order: a signature stays sorted by id).
pub(super) fn renumbering(old: &[u64], new: &[u64]) -> Option<Vec<u32>> {
    let mut at = 0;
    old.iter()
        .map(|h| {
            at += new.get(at..)?.iter().position(|n| n == h)?;
            Some(at as u32)
        })
        .collect()
}
