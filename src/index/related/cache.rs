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
use std::collections::hash_map::Entry;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::features::{TermFrequencies, counted};
use super::score::{Buffers, Model, Scored};
use super::vocab::{Counts, Signature, Terms};
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
    /// Restored from a build cache: the next call computes every list (reusing the term
    /// frequencies there) whatever its `Pass`, unless new stories alone came (`extend`).
    restored: bool,
    /// The key of the base (`vocab::base`) the lists were weighed over, while they are
    /// those a full computation gives for the corpus they were computed for.
    base: Option<u64>,
    /// How many lists the last exact pass scored: all, or those new stories can change.
    scored: usize,
    /// Each term one article alone has, with that article's id: the article whose
    /// signature changes when a new story has the term too.
    alone: HashMap<u64, u64>,
    /// Why term frequencies the build cache holds could not be read, if they could not:
    /// the lists computed without them are not to be trusted.
    damaged: Option<std::io::Error>,
}

/// What a build cache keeps of the model: the articles (by path id, with their
/// hashes), whose term frequencies it reads when a pass needs them, and the last exact
/// pass's `Lists`.
#[derive(Debug, Default)]
pub struct Saved {
    articles: Vec<(u64, u64)>,
    lists: Option<Lists>,
}

/// The last exact pass: its lists and signatures by path id (related, same coverage,
/// signature), the key of the base they were weighed over, and its vocabulary (the term
/// hash of each id, the document frequencies, the terms one article alone has). With
/// them the next build after new stories reads nothing of the other articles' words:
/// it scores again only the lists the new stories can change, and weighs again only
/// the signatures they change.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Lists {
    base: u64,
    lists: Vec<Listed>,
    hashes: Vec<u64>,
    #[serde(with = "crate::packed")]
    df: Counts,
    #[serde(with = "crate::packed")]
    df_base: Counts,
    base_size: usize,
    #[serde(with = "crate::packed")]
    alone: Vec<(u64, u64)>,
}

/// `Lists` borrowed from the model, for a build cache to write: encoded as `Lists` is,
/// without copying every list and signature first.
#[derive(Debug, Default, serde::Serialize)]
pub struct ListsRef<'a> {
    base: u64,
    lists: Vec<ListedRef<'a>>,
    hashes: &'a [u64],
    #[serde(serialize_with = "crate::packed::serialize")]
    df: Counts,
    #[serde(serialize_with = "crate::packed::serialize")]
    df_base: Counts,
    base_size: usize,
    #[serde(serialize_with = "crate::packed::serialize")]
    alone: Vec<(u64, u64)>,
}

#[derive(Debug, serde::Serialize)]
struct ListedRef<'a> {
    id: u64,
    related: &'a [u64],
    same: &'a [u64],
    #[serde(serialize_with = "crate::packed::serialize")]
    signature: &'a [(u32, f32)],
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
    /// `None` while it waits in the build cache (read by `load_terms`).
    tf: Option<TermFrequencies>,
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
    /// The model of articles read back from a build cache: their term frequencies stay
    /// there until a pass reads them.
    pub fn new<'a>(articles: impl Iterator<Item = &'a Article>, lists: Option<Lists>) -> Saved {
        Saved {
            articles: articles.map(|a| (path_id(a), a.hash)).collect(),
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
            .and_then(|c| c.tf.as_deref())
    }

    /// The lists of the last exact pass, for a build cache to keep.
    pub fn lists(&self) -> Option<ListsRef<'_>> {
        let base = self.base?;
        let mut lists: Vec<ListedRef> = self
            .articles
            .iter()
            .filter(|(_, c)| c.listed)
            .map(|(&id, c)| ListedRef {
                id,
                related: &c.related,
                same: &c.same,
                signature: &c.signature,
            })
            .collect();
        lists.sort_unstable_by_key(|l| l.id);
        let (df, df_base, base_size) = self.terms.counts();
        let mut alone: Vec<(u64, u64)> = self.alone.iter().map(|(&h, &id)| (h, id)).collect();
        alone.par_sort_unstable();
        Some(ListsRef {
            base,
            lists,
            hashes: self.terms.hashes(),
            df,
            df_base,
            base_size,
            alone,
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
            .map(|(id, hash)| {
                let cached = Cached {
                    hash,
                    tf: None,
                    signature: Signature::new(),
                    related: Vec::new(),
                    same: Vec::new(),
                    listed: false,
                };
                (id, cached)
            })
            .collect();
        let mut terms = Terms::default();
        let mut alone = HashMap::default();
        let base = saved.lists.and_then(|lists| {
            for l in lists.lists {
                // A list of an article the cache has no record of cannot be right.
                let c = articles.get_mut(&l.id)?;
                (c.related, c.same, c.signature, c.listed) = (l.related, l.same, l.signature, true);
            }
            terms = Terms::restore(lists.df, lists.df_base, lists.base_size, lists.hashes);
            alone = lists.alone.into_iter().collect();
            Some(lists.base)
        });
        Cache {
            articles,
            terms,
            exact: false,
            restored: true,
            base,
            scored: 0,
            alone,
            damaged: None,
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
                self.terms.remove(c.tf.as_deref().unwrap_or_default());
            }
        }
        let tfs: Vec<TermFrequencies> = changed.par_iter().map(|&i| counted(articles[i])).collect();
        for (&i, tf) in changed.iter().zip(&tfs) {
            if let Some(old) = self.articles.remove(&ids[i]) {
                self.terms.remove(old.tf.as_deref().unwrap_or_default());
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
                    tf: Some(tf),
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
        self.load_terms(articles, ids);
        let fresh = self.recount(articles, ids);
        let (terms, signatures, scored, alone) = {
            let tfs = self.term_counts(&fresh, ids);
            let terms = Terms::new(&tfs);
            if stop() {
                return None;
            }
            let alone = alone_terms(&tfs, ids, &terms);
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
            (terms, signatures, scored?, alone)
        };
        self.alone = alone;
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
        let counted = self.read_terms(articles, ids, &added);
        let mut fresh: Vec<Option<TermFrequencies>> = vec![None; articles.len()];
        for (i, tf) in self.unless_damaged(counted)? {
            fresh[i] = Some(tf);
        }
        let (new_ids, new): (Vec<u64>, Vec<_>) = added
            .iter()
            .filter_map(|&i| Some((ids[i], fresh[i].as_deref()?)))
            .unzip();
        let mut terms = self.terms.clone();
        let was_alone = terms.extend(&new);
        // Of the other articles, only those that alone had a word an added story has
        // change signature: only their words are read.
        let at: HashMap<u64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let mut alone: Vec<usize> = was_alone
            .iter()
            .filter_map(|h| at.get(self.alone.get(h)?).copied())
            .collect();
        alone.sort_unstable();
        alone.dedup();
        let read = self.read_terms(articles, ids, &alone);
        let read = self.unless_damaged(read)?;
        let known: HashMap<usize, &[(u64, f32)]> = read
            .iter()
            .map(|(i, tf)| (*i, tf.as_slice()))
            .chain(
                added
                    .iter()
                    .filter_map(|&i| Some((i, fresh[i].as_deref()?))),
            )
            .collect();
        let (signatures, again, scored) = {
            let signatures = self.signatures(&terms, ids, &known)?;
            let mut model = Model::new(corpus, &signatures, count, weights);
            // The lists a change can reach are found through the postings of the changed
            // articles' words, and scored through those of their own signatures: only
            // those terms are indexed, each time.
            let had: Vec<(usize, Vec<u32>)> = known
                .iter()
                .map(|(&s, tf)| (s, tf.iter().filter_map(|&(h, _)| terms.id(h)).collect()))
                .collect();
            model.index_only(had.iter().flat_map(|(_, t)| t.iter().copied()));
            let mut again = Vec::new();
            for (s, had) in &had {
                model.neighbours(*s, had, &mut again);
                again.push(*s as u32);
            }
            again.sort_unstable();
            again.dedup();
            let again_at: Vec<usize> = again.iter().map(|&i| i as usize).collect();
            model.index_terms(Some(&again_at));
            let scored: Vec<(Vec<usize>, Vec<usize>)> = again
                .par_iter()
                .map_init(Buffers::default, |buf, &i| {
                    let s = model.links(i as usize, buf);
                    (s.related, s.same)
                })
                .collect();
            (signatures, again, scored)
        };
        for h in &was_alone {
            self.alone.remove(h);
        }
        self.alone.extend(alone_terms(&new, &new_ids, &terms));
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

    /// Every article's signature under `terms`: weighed again for the articles whose
    /// words are `known` (those whose signatures change), and for the others the cached
    /// one with its ids renumbered (weights come from the base, as they were).
    fn signatures(
        &self,
        terms: &Terms,
        ids: &[u64],
        known: &HashMap<usize, &[(u64, f32)]>,
    ) -> Option<Vec<Signature>> {
        let to = super::vocab::renumbering(self.terms.hashes(), terms.hashes())?;
        ids.par_iter()
            .enumerate()
            .map(|(i, id)| match known.get(&i) {
                Some(tf) => Some(terms.signature(tf)),
                None => self
                    .articles
                    .get(id)
                    .filter(|c| c.listed)?
                    .signature
                    .iter()
                    .map(|&(t, w)| Some((*to.get(t as usize)?, w)))
                    .collect(),
            })
            .collect()
    }

    /// The term frequencies of the articles at `which`, with their indices.
    fn read_terms(
        &self,
        articles: &[&Article],
        ids: &[u64],
        which: &[usize],
    ) -> std::io::Result<Vec<(usize, TermFrequencies)>> {
        which
            .par_iter()
            .map(|&i| Ok((i, self.terms_of(articles[i], ids[i])?)))
            .collect()
    }

    /// `read`'s value, or `None` with the cache marked `damaged`.
    fn unless_damaged<T>(&mut self, read: std::io::Result<T>) -> Option<T> {
        read.map_err(|e| self.damaged = Some(e)).ok()
    }

    /// The term frequencies the cache holds for article `a` (id `id`), read from the
    /// build cache if they wait there.
    fn terms_of(&self, a: &Article, id: u64) -> std::io::Result<TermFrequencies> {
        let cached = self.articles.get(&id).filter(|c| c.hash == a.hash);
        match cached.and_then(|c| c.tf.clone()) {
            Some(tf) => Ok(tf),
            None => a.stored_terms().unwrap_or_else(|| Ok(counted(a))),
        }
    }

    /// Reads into the cache the term frequencies of `articles` that wait in the build
    /// cache: a pass over every article needs them all.
    fn load_terms(&mut self, articles: &[&Article], ids: &[u64]) {
        let read: Vec<(u64, std::io::Result<TermFrequencies>)> = articles
            .par_iter()
            .zip(ids)
            .filter(|(a, id)| {
                self.articles
                    .get(id)
                    .is_some_and(|c| c.hash == a.hash && c.tf.is_none())
            })
            .filter_map(|(a, &id)| Some((id, a.stored_terms()?)))
            .collect();
        for (id, tf) in read {
            match tf {
                Ok(tf) => {
                    if let Some(c) = self.articles.get_mut(&id) {
                        c.tf = Some(tf);
                    }
                }
                Err(e) => {
                    self.damaged.get_or_insert(e);
                }
            }
        }
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
                None => self
                    .articles
                    .get(id)
                    .and_then(|c| c.tf.as_deref())
                    .unwrap_or_default(),
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
        // In place: at 100 000 articles, moving every entry into a new map costs more
        // than the pass after new stories does.
        let before = self.articles.len();
        let mut kept = 0;
        let entries = articles.iter().zip(ids).zip(fresh).zip(signatures);
        for (i, (((a, &id), tf), signature)) in entries.enumerate() {
            match self.articles.entry(id) {
                Entry::Occupied(mut e) => {
                    let c = e.get_mut();
                    let had = (std::mem::take(&mut c.related), std::mem::take(&mut c.same));
                    (c.related, c.same) = lists(i, Some(had));
                    if tf.is_some() {
                        c.tf = tf;
                    }
                    c.hash = a.hash;
                    c.signature = signature;
                    c.listed = true;
                    kept += 1;
                }
                Entry::Vacant(e) => {
                    let (related, same) = lists(i, None);
                    e.insert(Cached {
                        hash: a.hash,
                        tf,
                        signature,
                        related,
                        same,
                        listed: true,
                    });
                }
            }
        }
        if kept < before {
            let live: HashSet<u64> = ids.iter().copied().collect();
            self.articles.retain(|id, _| live.contains(id));
        }
        self.terms = terms;
        self.exact = true;
        self.restored = false;
        self.scored = scored;
        self.links(ids)
    }

    /// Why the term frequencies of the build cache could not be read, if the last pass
    /// found them damaged: its lists are not to be trusted.
    pub fn take_damage(&mut self) -> Option<std::io::Error> {
        self.damaged.take()
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
        // A hundred thousand lists of ids turned into indices: spread over the cores.
        let (related, same_coverage) = ids
            .par_iter()
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

/// Each term one article alone has (among `tfs`, by `terms`), with that article's id.
fn alone_terms(tfs: &[&[(u64, f32)]], ids: &[u64], terms: &Terms) -> HashMap<u64, u64> {
    tfs.iter()
        .zip(ids)
        .flat_map(|(tf, &id)| {
            tf.iter()
                .filter(|(h, _)| terms.df(*h) == 1)
                .map(move |&(h, _)| (h, id))
        })
        .collect()
}
