//! Related, vocabulary: the term frequencies of a corpus → document frequencies,
//! term ids, and each article's signature (its strongest TF-IDF terms).
//!
//! The preview's cache keeps one `Terms` and adds or removes an article's
//! frequencies as it changes, instead of counting the corpus again.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// Terms kept per article: enough to describe a story, small enough to stay cheap.
const SIGNATURE: usize = 40;

/// (term id, weight), L2-normalised, sorted by term id.
pub(super) type Signature = Vec<(u32, f32)>;

/// Document frequencies and term ids of a corpus.
#[derive(Debug, Default)]
pub(super) struct Terms {
    df: HashMap<u64, u32>,
    ids: HashMap<u64, u32>,
}

impl Terms {
    pub(super) fn new<T: AsRef<[(u64, f32)]>>(tfs: &[T]) -> Self {
        let mut df: HashMap<u64, u32> = HashMap::default();
        for tf in tfs {
            for (h, _) in tf.as_ref() {
                *df.entry(*h).or_default() += 1;
            }
        }
        // A term in one article links nothing; it only dilutes the norm.
        let mut kept: Vec<u64> = df
            .iter()
            .filter(|(_, d)| **d >= 2)
            .map(|(h, _)| *h)
            .collect();
        // Term ids follow the sorted hashes, so ids never depend on thread timing.
        kept.par_sort_unstable();
        let ids = kept
            .iter()
            .enumerate()
            .map(|(i, h)| (*h, i as u32))
            .collect();
        Terms { df, ids }
    }

    pub(super) fn add(&mut self, tf: &[(u64, f32)]) {
        for (h, _) in tf {
            let d = self.df.entry(*h).or_default();
            *d += 1;
            if *d >= 2 && !self.ids.contains_key(h) {
                let id = self.ids.len() as u32;
                self.ids.insert(*h, id);
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

    /// Top-`SIGNATURE` TF-IDF terms of one article among `n`, L2-normalised, sorted by term id.
    pub(super) fn signature(&self, tf: &[(u64, f32)], n: usize) -> Signature {
        let n = n as f32;
        let mut sig: Signature = tf
            .iter()
            .filter_map(|&(h, f)| {
                let id = *self.ids.get(&h)?;
                let d = self.df.get(&h).copied().unwrap_or(1).max(1) as f32;
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
