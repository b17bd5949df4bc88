//! Related, the incremental cache: the preview's corpus after each edit → its
//! `Links`, rescoring only the lists the edit can change until exact lists are asked for.
//!
//! After an edit, only the edited articles are tokenised again, and only the lists
//! that can change are scored again: those of the edited articles, of the articles
//! whose lists named one of them, and of the candidates an edited article now
//! reaches. The other articles keep signatures weighted by the corpus as it was
//! when they were last computed; an exact pass recomputes everything.

use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::features::{TermFrequencies, counted};
use super::score::{Buffers, Model, Scored};
use super::vocab::{Signature, Terms};
use super::{Corpus, Links, Weights};
use crate::parse::Article;

/// The related-stories model kept between builds of the preview server.
#[derive(Default)]
pub struct Cache {
    /// By `path_id`: hashing a path's bytes is several times cheaper than `Path`'s
    /// component-wise hash, and this map is read for every article on every edit.
    articles: HashMap<u64, Cached>,
    terms: Terms,
    /// Every list was computed in one pass over the site as it is now.
    exact: bool,
    /// Restored from a build cache: only the term frequencies are there, so the next
    /// call computes every list (reusing them) whatever its `Pass`.
    restored: bool,
}

/// What a build cache keeps of the model: each article's term frequencies (by path id,
/// with the article's hash), the part that depends on one article's text alone. Term
/// weights, signatures and lists depend on the whole corpus and are computed again.
#[derive(Debug, Default)]
pub struct Saved {
    articles: Vec<(u64, u64, TermFrequencies)>,
}

/// How one call of [`Cache::related`] computes the lists.
#[derive(Clone, Copy)]
pub enum Pass<'a> {
    /// Rescore only the lists the changes since the last call can change
    /// (everything, past a few dozen changes).
    Update,
    /// Every list afresh, as a full build computes it, reusing only what depends
    /// on one article's text alone. If the site has not changed since the last
    /// call, `give_way` may cut it short: the call then returns the lists as they
    /// were and the cache stays inexact.
    Exact {
        give_way: Option<&'a crate::GiveWay>,
    },
}

#[derive(Debug)]
struct Cached {
    hash: u64,
    tf: TermFrequencies,
    signature: Signature,
    related: Vec<u64>,
    same: Vec<u64>,
}

fn path_id(a: &Article) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    a.path.as_os_str().as_encoded_bytes().hash(&mut h);
    h.finish()
}

impl Saved {
    /// The model of articles read back from a build cache, each with the term
    /// frequencies saved with it.
    pub fn new<'a>(articles: impl Iterator<Item = (&'a Article, TermFrequencies)>) -> Saved {
        Saved {
            articles: articles.map(|(a, tf)| (path_id(a), a.hash, tf)).collect(),
        }
    }
}

impl Cache {
    /// The term frequencies the model holds for this version of `a`, if any (an
    /// unpublished article is in no list, and so not in the model).
    pub fn tf(&self, a: &Article) -> Option<&[(u64, f32)]> {
        self.articles
            .get(&path_id(a))
            .filter(|c| c.hash == a.hash)
            .map(|c| c.tf.as_slice())
    }

    pub fn restore(saved: Saved) -> Cache {
        let articles = saved
            .articles
            .into_iter()
            .map(|(id, hash, tf)| {
                let cached = Cached {
                    hash,
                    tf,
                    signature: Signature::new(),
                    related: Vec::new(),
                    same: Vec::new(),
                };
                (id, cached)
            })
            .collect();
        Cache {
            articles,
            terms: Terms::default(),
            exact: false,
            restored: true,
        }
    }

    pub fn related(&mut self, corpus: Corpus<'_>, count: usize, pass: Pass<'_>) -> Links {
        let weights = Weights::default();
        let articles = corpus.articles;
        let n = articles.len();
        let ids: Vec<u64> = articles.iter().map(|a| path_id(a)).collect();
        let changed: Vec<usize> = (0..n)
            .filter(|&i| {
                self.articles
                    .get(&ids[i])
                    .is_none_or(|c| c.hash != articles[i].hash)
            })
            .collect();
        let live: HashSet<u64> = ids.iter().copied().collect();
        let removed: Vec<u64> = self
            .articles
            .keys()
            .filter(|id| !live.contains(id))
            .copied()
            .collect();
        let (exact, give_way) = match pass {
            Pass::Update => (false, None),
            Pass::Exact { give_way } => (true, give_way),
        };
        // Only a recomputation of an unchanged site may give way: its cached lists
        // are still right for every article.
        let give_way =
            give_way.filter(|_| !self.restored && changed.is_empty() && removed.is_empty());
        // Past a few dozen edits (a `git checkout`), recomputing is simpler and as fast.
        if self.articles.is_empty()
            || self.restored
            || exact
            || changed.len() + removed.len() > (n / 20).max(64)
        {
            return self
                .rebuild(corpus, &ids, count, &weights, give_way.map(|g| g.as_ref()))
                .unwrap_or_else(|| self.links(&ids));
        }
        if changed.is_empty() && removed.is_empty() {
            return self.links(&ids);
        }
        self.update(corpus, &ids, &changed, &removed, count, &weights);
        self.links(&ids)
    }

    /// The lists after `changed` articles (indices) were edited or added and
    /// `removed` ones (ids) deleted, updated in place.
    fn update(
        &mut self,
        corpus: Corpus<'_>,
        ids: &[u64],
        changed: &[usize],
        removed: &[u64],
        count: usize,
        weights: &Weights,
    ) {
        self.exact = false;
        let gone = self.refresh_terms(corpus.articles, ids, changed, removed);
        let signatures: Vec<Signature> = ids
            .iter()
            .map(|id| {
                self.articles
                    .get(id)
                    .map(|c| c.signature.clone())
                    .unwrap_or_default()
            })
            .collect();
        let mut model = Model::new(corpus, &signatures, count, weights);
        let mut score = |which: &[usize]| -> Vec<(usize, Scored)> {
            model.index_terms(Some(which));
            let model = &model;
            which
                .par_iter()
                .map_init(Buffers::default, |buf, &i| (i, model.links(i, buf)))
                .collect()
        };
        let mut results = score(changed);
        let mut again: BTreeSet<usize> = results
            .iter()
            .flat_map(|(_, s)| s.pool.iter().map(|&j| j as usize))
            .collect();
        for (i, id) in ids.iter().enumerate() {
            let named_gone = self
                .articles
                .get(id)
                .is_some_and(|c| c.related.iter().chain(&c.same).any(|p| gone.contains(p)));
            if named_gone {
                again.insert(i);
            }
        }
        for i in changed {
            again.remove(i);
        }
        let again: Vec<usize> = again.into_iter().collect();
        results.extend(score(&again));
        let to_ids = |which: &[usize]| which.iter().map(|&j| ids[j]).collect();
        for (i, s) in results {
            if let Some(c) = self.articles.get_mut(&ids[i]) {
                c.related = to_ids(&s.related);
                c.same = to_ids(&s.same);
            }
        }
    }

    /// Drops the removed articles, counts the changed ones' new text into the
    /// vocabulary and stores their signatures (lists still empty). Returns the ids
    /// whose old lists may no longer hold: removed or changed.
    fn refresh_terms(
        &mut self,
        articles: &[&Article],
        ids: &[u64],
        changed: &[usize],
        removed: &[u64],
    ) -> HashSet<u64> {
        let n = articles.len();
        let mut gone: HashSet<u64> = removed.iter().copied().collect();
        for id in removed {
            if let Some(c) = self.articles.remove(id) {
                self.terms.remove(&c.tf);
            }
        }
        let tfs: Vec<TermFrequencies> = changed.par_iter().map(|&i| counted(articles[i])).collect();
        for (&i, tf) in changed.iter().zip(&tfs) {
            if let Some(old) = self.articles.remove(&ids[i]) {
                self.terms.remove(&old.tf);
            }
            self.terms.add(tf);
            gone.insert(ids[i]);
        }
        for (&i, tf) in changed.iter().zip(tfs) {
            let signature = self.terms.signature(&tf, n);
            self.articles.insert(
                ids[i],
                Cached {
                    hash: articles[i].hash,
                    tf,
                    signature,
                    related: Vec::new(),
                    same: Vec::new(),
                },
            );
        }
        gone
    }

    /// Every list computed afresh, or `None` (the cache untouched) when `give_way`
    /// says so first.
    fn rebuild(
        &mut self,
        corpus: Corpus<'_>,
        ids: &[u64],
        count: usize,
        weights: &Weights,
        give_way: Option<&(dyn Fn() -> bool + Send + Sync)>,
    ) -> Option<Links> {
        let articles = corpus.articles;
        let n = articles.len();
        let stop = || give_way.is_some_and(|g| g());
        // An article's term frequencies depend on its text alone: those of
        // unchanged articles are reused (tokenising is the larger half of the work).
        let mut fresh: Vec<Option<TermFrequencies>> = articles
            .par_iter()
            .zip(ids)
            .map(|(a, id)| match self.articles.get(id) {
                Some(c) if c.hash == a.hash => None,
                _ => Some(counted(a)),
            })
            .collect();
        let (terms, signatures, scored) = {
            let tfs: Vec<&[(u64, f32)]> = fresh
                .iter()
                .zip(ids)
                .map(|(tf, id)| match tf {
                    Some(tf) => tf.as_slice(),
                    None => self.articles.get(id).map_or(&[][..], |c| c.tf.as_slice()),
                })
                .collect();
            let terms = Terms::new(&tfs);
            if stop() {
                return None;
            }
            let signatures: Vec<Signature> =
                tfs.par_iter().map(|tf| terms.signature(tf, n)).collect();
            let mut model = Model::new(corpus, &signatures, count, weights);
            model.index_terms(None);
            let scored: Option<Vec<(Vec<usize>, Vec<usize>)>> = (0..n)
                .into_par_iter()
                .map_init(Buffers::default, |buf, i| {
                    (!stop()).then(|| {
                        let scored = model.links(i, buf);
                        (scored.related, scored.same)
                    })
                })
                .collect();
            drop(model);
            (terms, signatures, scored?)
        };
        let mut old = std::mem::take(&mut self.articles);
        let to_ids = |which: &[usize]| which.iter().map(|&j| ids[j]).collect();
        self.articles = articles
            .iter()
            .zip(ids)
            .zip(fresh.iter_mut())
            .zip(signatures)
            .zip(scored)
            .map(|((((a, &id), tf), signature), (related, same))| {
                let tf = tf
                    .take()
                    .or_else(|| old.remove(&id).map(|c| c.tf))
                    .unwrap_or_default();
                let cached = Cached {
                    hash: a.hash,
                    tf,
                    signature,
                    related: to_ids(&related),
                    same: to_ids(&same),
                };
                (id, cached)
            })
            .collect();
        self.terms = terms;
        self.exact = true;
        self.restored = false;
        Some(self.links(ids))
    }

    /// Whether the lists are those a full computation gives, not updated in place.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The cached lists as indices into the current articles (`ids`, in order).
    fn links(&self, ids: &[u64]) -> Links {
        let at: HashMap<u64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let indices = |which: &[u64]| -> Vec<usize> {
            which.iter().filter_map(|id| at.get(id).copied()).collect()
        };
        let (related, same_coverage) = ids
            .iter()
            .map(|id| match self.articles.get(id) {
                Some(c) => (indices(&c.related), indices(&c.same)),
                None => (Vec::new(), Vec::new()),
            })
            .unzip();
        Links {
            related,
            same_coverage,
        }
    }
}
