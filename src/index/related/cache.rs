//! Related, the incremental cache: the corpus after each change → its `Links`, scoring
//! again only the lists the change can change.
//!
//! Two ways. An exact pass (`kabar build`, and the preview's second pass) after new
//! stories only (`extend`) scores the lists those stories can change and keeps the
//! others: every weight comes from the base (`vocab::base`), which new stories leave as
//! it was, so the result is a full computation's. After anything else it computes every
//! list, reusing the term counts of unchanged articles. An update (the preview, while
//! its author types) after an edit tokenises only the edited articles and scores the
//! lists of the edited articles, of those whose lists named one of them and of the
//! candidates an edited article now reaches; the other articles keep signatures
//! weighted as they were, until the next exact pass.

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
    /// The key of the base (`vocab::base`) the lists were weighed over, while they are
    /// those a full computation gives for the corpus they were computed for.
    base: Option<u64>,
    /// How many lists the last exact pass scored: all, or those new stories can change.
    scored: usize,
    /// The term hash each id of the cached signatures stands for, while `base` holds:
    /// new stories leave every signature but a few as it was, up to its ids.
    signed: Vec<u64>,
}

/// What a build cache keeps of the model: each article's term frequencies (by path id,
/// with the article's hash), the part that depends on one article's text alone. Term
/// weights, signatures and lists depend on the whole corpus and are computed again.
#[derive(Debug, Default)]
pub struct Saved {
    articles: Vec<(u64, u64, TermFrequencies)>,
    lists: Option<Lists>,
}

/// The lists and signatures of the last exact pass by path id (related, same coverage,
/// signature), the key of the base they were weighed over and the term hash of each id
/// the signatures hold: with them the next build scores again only the lists that its
/// new stories can change, and weighs again only the signatures they change.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Lists {
    base: u64,
    lists: Vec<Listed>,
    signed: Vec<u64>,
}

/// One article's part of `Lists`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Listed {
    id: u64,
    related: Vec<u64>,
    same: Vec<u64>,
    #[serde(with = "crate::packed")]
    signature: Signature,
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
    /// In the corpus the lists were computed for (an unpublished article is not).
    listed: bool,
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
    pub fn new<'a>(
        articles: impl Iterator<Item = (&'a Article, TermFrequencies)>,
        lists: Option<Lists>,
    ) -> Saved {
        Saved {
            articles: articles.map(|(a, tf)| (path_id(a), a.hash, tf)).collect(),
            lists,
        }
    }
}

/// What the base of `articles` (newest first) is: its size and its articles.
fn base_key(articles: &[&Article], ids: &[u64]) -> u64 {
    use std::hash::{Hash, Hasher};
    let n = articles.len();
    let base = super::vocab::base(n);
    let mut h = rustc_hash::FxHasher::default();
    base.hash(&mut h);
    for i in n - base..n {
        (ids[i], articles[i].hash).hash(&mut h);
    }
    h.finish()
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

    /// The lists of the last exact pass, for a build cache to keep.
    pub fn lists(&self) -> Option<Lists> {
        let base = self.base?;
        let mut lists: Vec<Listed> = self
            .articles
            .iter()
            .filter(|(_, c)| c.listed)
            .map(|(&id, c)| Listed {
                id,
                related: c.related.clone(),
                same: c.same.clone(),
                signature: c.signature.clone(),
            })
            .collect();
        lists.sort_unstable_by_key(|l| l.id);
        let signed = self.signed.clone();
        Some(Lists {
            base,
            lists,
            signed,
        })
    }

    /// How many lists the last exact pass scored.
    pub fn scored(&self) -> usize {
        self.scored
    }

    pub fn restore(saved: Saved) -> Cache {
        let mut articles: HashMap<u64, Cached> = saved
            .articles
            .into_iter()
            .map(|(id, hash, tf)| {
                let cached = Cached {
                    hash,
                    tf,
                    signature: Signature::new(),
                    related: Vec::new(),
                    same: Vec::new(),
                    listed: false,
                };
                (id, cached)
            })
            .collect();
        let mut signed = Vec::new();
        let base = saved.lists.and_then(|lists| {
            for l in lists.lists {
                // A list of an article the cache has no record of cannot be right.
                let c = articles.get_mut(&l.id)?;
                (c.related, c.same, c.signature, c.listed) = (l.related, l.same, l.signature, true);
            }
            signed = lists.signed;
            Some(lists.base)
        });
        Cache {
            articles,
            terms: Terms::default(),
            exact: false,
            restored: true,
            base,
            scored: 0,
            signed,
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
        if exact {
            if let Some(links) = self.extend(corpus, &ids, count, &weights) {
                return links;
            }
        }
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
        self.base = None;
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
            let signature = self.terms.signature(&tf);
            self.articles.insert(
                ids[i],
                Cached {
                    hash: articles[i].hash,
                    tf,
                    signature,
                    related: Vec::new(),
                    same: Vec::new(),
                    listed: true,
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
        let fresh = self.recount(articles, ids);
        let (terms, signatures, scored) = {
            let tfs = self.term_counts(&fresh, ids);
            let terms = Terms::new(&tfs);
            if stop() {
                return None;
            }
            let signatures: Vec<Signature> = tfs.par_iter().map(|tf| terms.signature(tf)).collect();
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
        let to_ids = |which: &[usize]| which.iter().map(|&j| ids[j]).collect();
        self.base = Some(base_key(articles, ids));
        let update = Computed {
            fresh,
            terms,
            signatures,
            scored: n,
        };
        Some(self.settle(articles, ids, update, |i, _| {
            (to_ids(&scored[i].0), to_ids(&scored[i].1))
        }))
    }

    /// The exact lists after new stories only (none edited, none removed, the base as it
    /// was), scoring again only the lists they can change; `None` when that is not the
    /// case. Every weight comes from the base, so the articles whose signatures change are
    /// the new ones and those that shared a word with them alone (the word now counts);
    /// every list that can change is within reach of one of those (`Model::neighbours`).
    fn extend(
        &mut self,
        corpus: Corpus<'_>,
        ids: &[u64],
        count: usize,
        weights: &Weights,
    ) -> Option<Links> {
        let articles = corpus.articles;
        if self.base != Some(base_key(articles, ids)) {
            return None;
        }
        let live: HashSet<u64> = ids.iter().copied().collect();
        // An edit may move its article, and a removal leaves a gap: neither is followed.
        if self
            .articles
            .iter()
            .any(|(id, c)| c.listed && !live.contains(id))
        {
            return None;
        }
        let mut added = Vec::new();
        for (i, (a, id)) in articles.iter().zip(ids).enumerate() {
            match self.articles.get(id) {
                Some(c) if c.listed && c.hash != a.hash => return None,
                Some(c) if c.listed => {}
                _ => added.push(i),
            }
        }
        let fresh = self.recount(articles, ids);
        let (terms, signatures, again, scored) = {
            let tfs = self.term_counts(&fresh, ids);
            let terms = Terms::new(&tfs);
            let changed = changed_signatures(&tfs, &added, &terms);
            let signatures = self.signatures(&tfs, ids, &changed, &terms);
            let mut model = Model::new(corpus, &signatures, count, weights);
            model.index_terms(None);
            let mut again = Vec::new();
            for &s in &changed {
                let had: Vec<u32> = tfs[s].iter().filter_map(|&(h, _)| terms.id(h)).collect();
                model.neighbours(s, &had, &mut again);
                again.push(s as u32);
            }
            again.sort_unstable();
            again.dedup();
            let scored: Vec<(Vec<usize>, Vec<usize>)> = again
                .par_iter()
                .map_init(Buffers::default, |buf, &i| {
                    let s = model.links(i as usize, buf);
                    (s.related, s.same)
                })
                .collect();
            (terms, signatures, again, scored)
        };
        let to_ids = |which: &[usize]| which.iter().map(|&j| ids[j]).collect();
        let mut rescored: HashMap<usize, (Vec<u64>, Vec<u64>)> = again
            .iter()
            .zip(scored)
            .map(|(&i, (related, same))| (i as usize, (to_ids(&related), to_ids(&same))))
            .collect();
        let update = Computed {
            fresh,
            terms,
            signatures,
            scored: again.len(),
        };
        Some(self.settle(articles, ids, update, |i, had| {
            rescored.remove(&i).or(had).unwrap_or_default()
        }))
    }

    /// Every article's signature under `terms`: weighed again for the `changed` ones, and
    /// for the others the cached one, its ids renumbered (weights come from the base).
    fn signatures(
        &self,
        tfs: &[&[(u64, f32)]],
        ids: &[u64],
        changed: &[usize],
        terms: &Terms,
    ) -> Vec<Signature> {
        let renumbered = super::vocab::renumbering(&self.signed, terms.hashes());
        let changed: HashSet<usize> = changed.iter().copied().collect();
        (0..tfs.len())
            .into_par_iter()
            .map(|i| {
                let kept = self.articles.get(&ids[i]).filter(|c| c.listed);
                match (kept, &renumbered) {
                    (Some(c), Some(to)) if !changed.contains(&i) => c
                        .signature
                        .iter()
                        .map(|&(t, w)| Some((*to.get(t as usize)?, w)))
                        .collect::<Option<Signature>>()
                        .unwrap_or_else(|| terms.signature(tfs[i])),
                    _ => terms.signature(tfs[i]),
                }
            })
            .collect()
    }

    /// Every article's term frequencies: `None` where the cache holds them for this
    /// version, counted now otherwise. They depend on its text alone, and tokenising is
    /// the larger half of computing the lists.
    fn recount(&self, articles: &[&Article], ids: &[u64]) -> Vec<Option<TermFrequencies>> {
        articles
            .par_iter()
            .zip(ids)
            .map(|(a, id)| match self.articles.get(id) {
                Some(c) if c.hash == a.hash => None,
                _ => Some(counted(a)),
            })
            .collect()
    }

    /// The term frequencies of each article: `fresh`, or else the cache's.
    fn term_counts<'s>(
        &'s self,
        fresh: &'s [Option<TermFrequencies>],
        ids: &[u64],
    ) -> Vec<&'s [(u64, f32)]> {
        fresh
            .iter()
            .zip(ids)
            .map(|(tf, id)| match tf {
                Some(tf) => tf.as_slice(),
                None => self.articles.get(id).map_or(&[][..], |c| c.tf.as_slice()),
            })
            .collect()
    }

    /// The end of an exact pass (`update`): the cache holds `articles`,
    /// each with its term frequencies (`fresh` or kept), its signature and the lists
    /// `lists` gives it from its index and the lists it had. Returns them as `Links`.
    fn settle(
        &mut self,
        articles: &[&Article],
        ids: &[u64],
        update: Computed,
        mut lists: impl FnMut(usize, Option<(Vec<u64>, Vec<u64>)>) -> (Vec<u64>, Vec<u64>),
    ) -> Links {
        let Computed {
            fresh,
            terms,
            signatures,
            scored,
        } = update;
        let mut old = std::mem::take(&mut self.articles);
        self.articles = articles
            .iter()
            .zip(ids)
            .zip(fresh)
            .zip(signatures)
            .enumerate()
            .map(|(i, (((a, &id), tf), signature))| {
                let before = old.remove(&id);
                let (tf, had) = match (tf, before) {
                    (Some(tf), before) => (tf, before.map(|c| (c.related, c.same))),
                    (None, Some(c)) => (c.tf, Some((c.related, c.same))),
                    (None, None) => (Vec::new(), None),
                };
                let (related, same) = lists(i, had);
                let cached = Cached {
                    hash: a.hash,
                    tf,
                    signature,
                    related,
                    same,
                    listed: true,
                };
                (id, cached)
            })
            .collect();
        self.signed = terms.hashes().to_vec();
        self.terms = terms;
        self.exact = true;
        self.restored = false;
        self.scored = scored;
        self.links(ids)
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

/// What an exact pass computed: the term frequencies it counted again, the vocabulary,
/// every signature, and how many lists it scored.
struct Computed {
    fresh: Vec<Option<TermFrequencies>>,
    terms: Terms,
    signatures: Vec<Signature>,
    scored: usize,
}

/// The articles whose signatures differ once the `added` ones are in: those, and each
/// article that alone had a word an added one has (a word counts from its second
/// article on).
fn changed_signatures(tfs: &[&[(u64, f32)]], added: &[usize], terms: &Terms) -> Vec<usize> {
    let mut new: HashMap<u64, u32> = HashMap::default();
    for &i in added {
        for &(h, _) in tfs[i] {
            *new.entry(h).or_default() += 1;
        }
    }
    let counts: HashSet<u64> = new
        .iter()
        .filter(|&(&h, &k)| {
            let d = terms.df(h);
            d >= 2 && d - k < 2
        })
        .map(|(&h, _)| h)
        .collect();
    let mut changed = added.to_vec();
    if !counts.is_empty() {
        let added: HashSet<usize> = added.iter().copied().collect();
        changed.extend(
            (0..tfs.len())
                .filter(|i| !added.contains(i) && tfs[*i].iter().any(|(h, _)| counts.contains(h))),
        );
    }
    changed
}
