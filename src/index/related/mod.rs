//! Related: articles (newest first) + their tags → up to `count` related entries per article.
//!
//! Text similarity is a cosine over bounded TF-IDF signatures (title weighted up,
//! stop words removed, light stemming); tags count by rarity (IDF); a smooth time
//! decay favours stories close in time; an explicit `story:` id is strongly
//! preferred and `related:` pins come first. Candidates come only from an inverted
//! index whose postings are read in a bounded window around the article, so the
//! cost grows with N, not N².

pub mod stem;
pub mod tokenize;

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

use crate::parse::Article;

/// Terms kept per article: enough to describe a story, small enough to stay cheap.
const SIGNATURE: usize = 40;
/// Postings read per term and article, centred on the article in time.
const WINDOW: usize = 128;
/// Articles sharing a tag considered per tag, the nearest in time.
const TAG_WINDOW: usize = 32;
/// Text matches kept for full scoring.
const TEXT_POOL: usize = 64;
const TITLE_WEIGHT: f32 = 3.0;
const SUMMARY_WEIGHT: f32 = 1.5;
/// Extra weight for names (capitalised inside a sentence): they carry across outlets and languages.
const NAME_WEIGHT: f32 = 2.5;
/// Body words read: the lede carries the story; tails add noise and time.
const BODY_WORDS: usize = 400;
const MIN_SCORE: f32 = 0.04;

/// How the signals blend. `Default` is what builds use; the benchmark compares it
/// with `text_only()`, a plain TF-IDF baseline. The defaults were chosen on
/// bench/multisource (one event told by several outlets, in two languages) and
/// checked on generated corpora: see `examples/related_eval.rs`.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub text: f32,
    pub tags: f32,
    /// Days over which the time factor falls by 1/e; `None` ignores time.
    pub decay_days: Option<f64>,
    /// Share of the score that survives any distance in time.
    pub decay_floor: f32,
    pub same_story: f32,
    /// Plain TF-IDF features: every word counts once, wherever it stands.
    pub plain_terms: bool,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            text: 0.8,
            tags: 0.2,
            decay_days: Some(7.0),
            decay_floor: 0.3,
            same_story: 1.0,
            plain_terms: false,
        }
    }
}

impl Weights {
    pub fn text_only() -> Self {
        Weights {
            text: 1.0,
            tags: 0.0,
            decay_days: None,
            decay_floor: 1.0,
            same_story: 0.0,
            plain_terms: true,
        }
    }
}

type Signature = Vec<(u32, f32)>;

/// Text cosine at which two articles count as the same coverage (one story
/// imported twice, or wire copy run by two outlets).
pub const NEAR_IDENTICAL: f32 = 0.8;

#[derive(Debug, Default)]
pub struct Links {
    /// Per article: pins first, then the best-scoring others.
    pub related: Vec<Vec<usize>>,
    /// Per article: other articles whose text is near-identical to it.
    pub same_coverage: Vec<Vec<usize>>,
}

/// Indices into `articles` for each article.
pub fn related(
    articles: &[&Article],
    article_tags: &[Vec<usize>],
    n_tags: usize,
    count: usize,
) -> Links {
    related_with(articles, article_tags, n_tags, count, &Weights::default())
}

pub fn related_with(
    articles: &[&Article],
    article_tags: &[Vec<usize>],
    n_tags: usize,
    count: usize,
    weights: &Weights,
) -> Links {
    if articles.is_empty() {
        return Links::default();
    }
    let tfs: Vec<Vec<(u64, f32)>> = articles
        .par_iter()
        .map(|a| term_frequencies(a, weights.plain_terms))
        .collect();
    let terms = Terms::new(&tfs);
    let n = articles.len();
    let signatures: Vec<Signature> = tfs
        .into_par_iter()
        .map(|tf| terms.signature(&tf, n))
        .collect();
    drop(terms);
    let mut model = Model::new(articles, article_tags, n_tags, &signatures, count, weights);
    model.index_terms(None);
    (0..n)
        .into_par_iter()
        .map_init(Buffers::default, |buf, i| {
            let scored = model.links(i, buf);
            (scored.related, scored.same)
        })
        .unzip::<_, _, Vec<_>, Vec<_>>()
        .into()
}

/// Document frequencies and term ids of a corpus.
#[derive(Debug, Default)]
struct Terms {
    df: HashMap<u64, u32>,
    ids: HashMap<u64, u32>,
}

impl Terms {
    fn new<T: AsRef<[(u64, f32)]>>(tfs: &[T]) -> Self {
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

    fn add(&mut self, tf: &[(u64, f32)]) {
        for (h, _) in tf {
            let d = self.df.entry(*h).or_default();
            *d += 1;
            if *d >= 2 && !self.ids.contains_key(h) {
                let id = self.ids.len() as u32;
                self.ids.insert(*h, id);
            }
        }
    }

    fn remove(&mut self, tf: &[(u64, f32)]) {
        for (h, _) in tf {
            if let Some(d) = self.df.get_mut(h) {
                *d = d.saturating_sub(1);
            }
        }
    }

    /// Top-`SIGNATURE` TF-IDF terms of one article among `n`, L2-normalised, sorted by term id.
    fn signature(&self, tf: &[(u64, f32)], n: usize) -> Signature {
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

/// Per-thread scratch space for scoring: a dense accumulator and the slots it touched.
#[derive(Default)]
struct Buffers {
    acc: Vec<f32>,
    touched: Vec<u32>,
}

/// What scoring one article gives.
struct Scored {
    related: Vec<usize>,
    same: Vec<usize>,
    /// Every candidate looked at: the articles whose own lists this one may enter.
    pool: Vec<u32>,
}

/// Everything scoring needs, shared by all articles of one build.
struct Model<'a> {
    articles: &'a [&'a Article],
    article_tags: &'a [Vec<usize>],
    signatures: &'a [Signature],
    postings: Vec<Vec<(u32, f32)>>,
    tag_idf: Vec<f32>,
    tag_postings: Vec<Vec<u32>>,
    max_idf: f32,
    by_slug: HashMap<&'a str, usize>,
    by_story: HashMap<&'a str, Vec<u32>>,
    days: Vec<f64>,
    count: usize,
    weights: &'a Weights,
}

impl<'a> Model<'a> {
    fn new(
        articles: &'a [&'a Article],
        article_tags: &'a [Vec<usize>],
        n_tags: usize,
        signatures: &'a [Signature],
        count: usize,
        weights: &'a Weights,
    ) -> Self {
        let n = articles.len();
        let mut tag_postings = vec![Vec::new(); n_tags];
        for (i, tags) in article_tags.iter().enumerate() {
            for &t in tags {
                tag_postings[t].push(i as u32);
            }
        }
        let mut by_story: HashMap<&str, Vec<u32>> = HashMap::default();
        for (i, a) in articles.iter().enumerate() {
            if let Some(s) = &a.story {
                by_story.entry(s.as_str()).or_default().push(i as u32);
            }
        }
        Model {
            articles,
            article_tags,
            signatures,
            postings: Vec::new(),
            tag_idf: tag_idf(article_tags, n_tags, n),
            tag_postings,
            max_idf: ((1.0 + n as f64).ln() as f32 + 0.1).max(f32::EPSILON),
            by_slug: articles
                .iter()
                .enumerate()
                .map(|(i, a)| (a.slug.as_str(), i))
                .collect(),
            by_story,
            days: articles
                .iter()
                .map(|a| a.date.timestamp().as_second() as f64 / 86_400.0)
                .collect(),
            count,
            weights,
        }
    }

    /// Indexes the terms of every article, or only those that scoring `ids` reads.
    fn index_terms(&mut self, ids: Option<&[usize]>) {
        let terms: Option<HashSet<u32>> = ids.map(|ids| {
            ids.iter()
                .flat_map(|&i| self.signatures[i].iter().map(|&(t, _)| t))
                .collect()
        });
        self.postings = postings(self.signatures, terms.as_ref());
    }

    fn links(&self, i: usize, buf: &mut Buffers) -> Scored {
        let (articles, article_tags, weights) = (self.articles, self.article_tags, self.weights);
        let Buffers { acc, touched } = buf;
        if acc.len() != articles.len() {
            *acc = vec![0f32; articles.len()];
        }
        // Text: dot products through the inverted index.
        for &(term, w) in &self.signatures[i] {
            let Some(list) = self.postings.get(term as usize) else {
                continue;
            };
            for &(j, wj) in window(list, i as u32, articles.len(), WINDOW, |p| p.0) {
                if j as usize != i {
                    if acc[j as usize] == 0.0 {
                        touched.push(j);
                    }
                    acc[j as usize] += w * wj;
                }
            }
        }
        // Only the strongest text matches are scored in full: scoring every
        // article that shares a word costs more than finding it.
        let mut pool: Vec<(u32, f32)> = touched.iter().map(|&j| (j, acc[j as usize])).collect();
        for &j in touched.iter() {
            acc[j as usize] = 0.0;
        }
        touched.clear();
        let by_text = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if pool.len() > TEXT_POOL {
            pool.select_nth_unstable_by(TEXT_POOL, by_text);
            pool.truncate(TEXT_POOL);
        }
        // Tags and stories add candidates that share no signature term.
        for &t in &article_tags[i] {
            pool.extend(
                window(
                    &self.tag_postings[t],
                    i as u32,
                    articles.len(),
                    TAG_WINDOW,
                    |p| *p,
                )
                .iter()
                .map(|&j| (j, 0.0)),
            );
        }
        if let Some(s) = &articles[i].story {
            pool.extend(
                self.by_story
                    .get(s.as_str())
                    .into_iter()
                    .flatten()
                    .map(|&j| (j, 0.0)),
            );
        }
        // One entry per article, the one carrying its text score.
        pool.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        pool.dedup_by_key(|p| p.0);
        pool.retain(|&(j, _)| j as usize != i);
        let same: Vec<usize> = pool
            .iter()
            .filter(|&&(_, text)| text >= NEAR_IDENTICAL)
            .map(|&(j, _)| j as usize)
            .collect();
        let mut candidates: Vec<(f32, u32)> = pool
            .iter()
            .map(|&(j, text)| {
                let ju = j as usize;
                let tags = tag_similarity(
                    &article_tags[i],
                    &article_tags[ju],
                    &self.tag_idf,
                    self.max_idf,
                );
                let decay = weights.decay_days.map_or(1.0, |d| {
                    (-(self.days[i] - self.days[ju]).abs() / d).exp() as f32
                });
                let time = weights.decay_floor + (1.0 - weights.decay_floor) * decay;
                let mut score = (weights.text * text + weights.tags * tags) * time;
                if articles[i].story.is_some() && articles[i].story == articles[ju].story {
                    score += weights.same_story;
                }
                (score, j)
            })
            .filter(|(s, _)| *s >= MIN_SCORE)
            .collect();

        let count = self.count;
        let mut out: Vec<usize> = Vec::with_capacity(count);
        for slug in &articles[i].related {
            if let Some(&j) = self.by_slug.get(slug.as_str()) {
                if j != i && !out.contains(&j) && out.len() < count {
                    out.push(j);
                }
            }
        }
        // Highest score first; equal scores by position (newest first), so builds repeat.
        let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        // Pins may reappear among candidates, so keep `count`, not `count - pins`.
        if candidates.len() > count {
            candidates.select_nth_unstable_by(count, order);
            candidates.truncate(count);
        }
        candidates.sort_unstable_by(order);
        for (_, j) in candidates {
            if out.len() == count {
                break;
            }
            if !out.contains(&(j as usize)) {
                out.push(j as usize);
            }
        }
        Scored {
            related: out,
            same,
            // Not `into_iter().collect()`: that would keep the buffer of every
            // article touched (thousands at 100 000 articles) for 64 entries.
            pool: pool.iter().map(|&(j, _)| j).collect(),
        }
    }
}

/// The related-stories model kept between builds of the preview server. After an
/// edit, only the edited articles are tokenised again, and only the lists that can
/// change are scored again: those of the edited articles, of the articles whose
/// lists named one of them, and of the candidates an edited article now reaches.
/// The other articles keep signatures weighted by the corpus as it was when they
/// were last computed; a full build recomputes everything.
#[derive(Default)]
pub struct Cache {
    /// By `path_id`: hashing a path's bytes is several times cheaper than `Path`'s
    /// component-wise hash, and this map is read for every article on every edit.
    articles: HashMap<u64, Cached>,
    terms: Terms,
    /// Every list was computed in one pass over the site as it is now.
    exact: bool,
    /// The next call recomputes every list (see `recompute`).
    recompute: bool,
    give_way: Option<crate::GiveWay>,
}

#[derive(Debug)]
struct Cached {
    hash: u64,
    tf: Vec<(u64, f32)>,
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

impl Cache {
    pub fn related(
        &mut self,
        articles: &[&Article],
        article_tags: &[Vec<usize>],
        n_tags: usize,
        count: usize,
    ) -> Links {
        let weights = Weights::default();
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
        // Only a recomputation of an unchanged site may give way: its cached lists
        // are still right for every article.
        let give_way = self
            .give_way
            .take()
            .filter(|_| changed.is_empty() && removed.is_empty());
        // Past a few dozen edits (a `git checkout`), recomputing is simpler and as fast.
        if self.articles.is_empty()
            || std::mem::take(&mut self.recompute)
            || changed.len() + removed.len() > (n / 20).max(64)
        {
            return self
                .rebuild(
                    articles,
                    &ids,
                    article_tags,
                    n_tags,
                    count,
                    &weights,
                    give_way.as_deref(),
                )
                .unwrap_or_else(|| self.links(&ids));
        }
        if changed.is_empty() && removed.is_empty() {
            return self.links(&ids);
        }
        self.exact = false;
        let mut gone: HashSet<u64> = removed.iter().copied().collect();
        for id in &removed {
            if let Some(c) = self.articles.remove(id) {
                self.terms.remove(&c.tf);
            }
        }
        let tfs: Vec<Vec<(u64, f32)>> = changed
            .par_iter()
            .map(|&i| term_frequencies(articles[i], false))
            .collect();
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
        let signatures: Vec<Signature> = ids
            .iter()
            .map(|id| {
                self.articles
                    .get(id)
                    .map(|c| c.signature.clone())
                    .unwrap_or_default()
            })
            .collect();
        let mut model = Model::new(articles, article_tags, n_tags, &signatures, count, &weights);
        let mut score = |which: &[usize]| -> Vec<(usize, Scored)> {
            model.index_terms(Some(which));
            let model = &model;
            which
                .par_iter()
                .map_init(Buffers::default, |buf, &i| (i, model.links(i, buf)))
                .collect()
        };
        let mut results = score(&changed);
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
        for i in &changed {
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
        self.links(&ids)
    }

    /// Every list computed afresh, or `None` (the cache untouched) when `give_way`
    /// says so first.
    #[allow(clippy::too_many_arguments)]
    fn rebuild(
        &mut self,
        articles: &[&Article],
        ids: &[u64],
        article_tags: &[Vec<usize>],
        n_tags: usize,
        count: usize,
        weights: &Weights,
        give_way: Option<&(dyn Fn() -> bool + Send + Sync)>,
    ) -> Option<Links> {
        let n = articles.len();
        let stop = || give_way.is_some_and(|g| g());
        // An article's term frequencies depend on its text alone: those of
        // unchanged articles are reused (tokenising is the larger half of the work).
        let mut fresh: Vec<Option<Vec<(u64, f32)>>> = articles
            .par_iter()
            .zip(ids)
            .map(|(a, id)| match self.articles.get(id) {
                Some(c) if c.hash == a.hash => None,
                _ => Some(term_frequencies(a, false)),
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
            let mut model = Model::new(articles, article_tags, n_tags, &signatures, count, weights);
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
        Some(self.links(ids))
    }

    /// Whether the lists are those a full computation gives, not updated in place.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// Makes the next call compute every list afresh, as a full build would, reusing
    /// only what depends on one article's text alone. If the site has not changed
    /// since the last call, `give_way` may cut it short: that call then returns the
    /// lists as they were and the cache stays inexact.
    pub fn recompute(&mut self, give_way: Option<crate::GiveWay>) {
        self.recompute = true;
        self.give_way = give_way;
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

impl From<(Vec<Vec<usize>>, Vec<Vec<usize>>)> for Links {
    fn from((related, same_coverage): (Vec<Vec<usize>>, Vec<Vec<usize>>)) -> Self {
        Links {
            related,
            same_coverage,
        }
    }
}

/// The slice of a posting list (sorted by article index, i.e. by time) that lies
/// nearest to article `i`: the whole list when short, else `WINDOW` entries around `i`.
fn window<T>(list: &[T], i: u32, n: usize, size: usize, key: impl Fn(&T) -> u32) -> &[T] {
    if list.len() <= size {
        return list;
    }
    let at = position(list, i, n, key);
    let start = at.saturating_sub(size / 2).min(list.len() - size);
    &list[start..start + size]
}

/// Where `i` goes in `list` (sorted, of articles among `n`): a search that starts
/// where `i` would sit if the list were spread evenly over the articles, and
/// gallops from there. A plain binary search over a long list misses the CPU
/// cache at every step once the lists outgrow it (100 000 articles).
fn position<T>(list: &[T], i: u32, n: usize, key: impl Fn(&T) -> u32) -> usize {
    let guess = ((list.len() as u64 * u64::from(i)) / n.max(1) as u64) as usize;
    let guess = guess.min(list.len() - 1);
    let (lo, hi) = if key(&list[guess]) < i {
        let mut step = 1;
        let mut lo = guess + 1;
        while lo + step <= list.len() && key(&list[lo + step - 1]) < i {
            lo += step;
            step *= 2;
        }
        (lo, (lo + step).min(list.len()))
    } else {
        let mut step = 1;
        let mut hi = guess;
        while hi >= step && key(&list[hi - step]) >= i {
            hi -= step;
            step *= 2;
        }
        (hi.saturating_sub(step), hi)
    };
    lo + list[lo..hi].partition_point(|p| key(p) < i)
}

fn tag_idf(article_tags: &[Vec<usize>], n_tags: usize, n: usize) -> Vec<f32> {
    let mut df = vec![0usize; n_tags];
    for tags in article_tags {
        for &t in tags {
            df[t] += 1;
        }
    }
    df.iter()
        .map(|&d| ((1.0 + n as f64) / (1.0 + d as f64)).ln() as f32 + 0.1)
        .collect()
}

/// Evidence from shared tags: the sum of their IDFs relative to the largest
/// possible IDF. Not a cosine: two articles that share one very common tag and
/// nothing else must not look identical.
fn tag_similarity(a: &[usize], b: &[usize], idf: &[f32], max_idf: f32) -> f32 {
    // Squared, so a tag on a fifth of the site weighs far less than a rare one.
    let shared: f32 = a
        .iter()
        .filter(|t| b.contains(t))
        .map(|&t| (idf[t] / max_idf).powi(2))
        .sum();
    shared.min(1.0)
}

/// Weighted term frequencies of one article, keyed by the hash of the stem.
/// Words are counted first and each distinct word stemmed once: stemming is the
/// costly part.
fn term_frequencies(a: &Article, plain: bool) -> Vec<(u64, f32)> {
    let mut words: HashMap<std::borrow::Cow<str>, f32> = HashMap::default();
    // A title in Title Case says nothing about names; one in sentence case does.
    let title_words: Vec<&str> = a.title.split_whitespace().collect();
    let capitals = title_words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    let title_names = capitals * 2 <= title_words.len();
    let fields = [
        (a.title.as_str(), TITLE_WEIGHT, usize::MAX, title_names),
        (&a.summary, SUMMARY_WEIGHT, usize::MAX, true),
        (&a.text, 1.0, BODY_WORDS, true),
    ];
    for (text, weight, limit, names) in fields {
        for (token, is_name) in tokenize::tokens_with_names(text).take(limit) {
            let boost = if names && is_name { NAME_WEIGHT } else { 1.0 };
            *words.entry(token).or_default() += if plain { 1.0 } else { weight * boost };
        }
    }
    let mut tf: HashMap<u64, f32> =
        HashMap::with_capacity_and_hasher(words.len(), Default::default());
    let stemmer = stem::Language::of(&a.lang);
    STEM_HASHES.with_borrow_mut(|memo| {
        // Bounded so that a huge vocabulary cannot grow it without limit.
        if memo[stemmer as usize].len() > STEM_MEMO_LIMIT {
            memo[stemmer as usize].clear();
        }
        for (word, w) in words {
            let memo = &mut memo[stemmer as usize];
            let h = match memo.get(word.as_ref()) {
                Some(&h) => h,
                None => {
                    let h = term_hash(&stemmer.stem(&word));
                    memo.insert(word.into_owned(), h);
                    h
                }
            };
            *tf.entry(h).or_default() += w;
        }
    });
    let mut tf: Vec<(u64, f32)> = tf.into_iter().collect();
    tf.sort_unstable_by_key(|(h, _)| *h);
    tf
}

const STEM_MEMO_LIMIT: usize = 1 << 20;

thread_local! {
    /// word → hash of its stem, per stemmer and per thread. Most of an article's
    /// words were seen in earlier articles, and stemming is the costly step of
    /// counting terms.
    static STEM_HASHES: std::cell::RefCell<[HashMap<String, u64>; stem::Language::COUNT]> =
        std::cell::RefCell::default();
}

/// Terms are identified by a 64-bit hash of the stem: no strings to intern,
/// and a collision among a few million stems is vanishingly unlikely.
fn term_hash(stem: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    stem.hash(&mut h);
    h.finish()
}

/// term → (article, weight), each list in article order; with `only`, just the
/// lists of those terms (all an incremental update reads).
fn postings(signatures: &[Signature], only: Option<&HashSet<u32>>) -> Vec<Vec<(u32, f32)>> {
    let n_terms = signatures
        .iter()
        .flat_map(|s| s.iter().map(|(t, _)| *t + 1))
        .max()
        .unwrap_or(0) as usize;
    let mut postings = vec![Vec::new(); n_terms];
    for (i, sig) in signatures.iter().enumerate() {
        for &(t, w) in sig {
            if only.is_none_or(|o| o.contains(&t)) {
                postings[t as usize].push((i as u32, w));
            }
        }
    }
    postings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    proptest::proptest! {
        /// The galloping search finds what a binary search finds, however the
        /// list is spread over the articles.
        #[test]
        fn position_agrees_with_a_binary_search(
            mut list in proptest::collection::vec(0u32..1000, 1..300),
            i in 0u32..1100,
        ) {
            list.sort_unstable();
            let n = 1000;
            proptest::prop_assert_eq!(
                position(&list, i, n, |p| *p),
                list.partition_point(|&p| p < i)
            );
        }
    }

    fn article(slug: &str, date: &str, title: &str, extra: &str, body: &str) -> Article {
        let text =
            format!("---\ntitle: \"{title}\"\ndate: {date}\nslug: {slug}\n{extra}---\n{body}\n");
        let src = crate::load::Source {
            path: format!("{slug}.md").into(),
            text: text.into(),
        };
        let config = Config::default();
        crate::parse::parse_one(&src, &config, &config.tz()).expect("valid article")
    }

    /// The corpus's football story (index 4), rewritten as flood coverage.
    fn football_rewritten_as_flood_coverage() -> Article {
        article(
            "football",
            "2024-06-17",
            "Harbour flood waters reach the sea wall",
            "",
            "Flood waters in the harbour district rose past the sea wall as pumps failed.",
        )
    }

    fn corpus() -> Vec<Article> {
        vec![
            article(
                "flood-a",
                "2024-06-20",
                "Flood waters rise in the harbour district",
                "",
                "Harbour district flood waters rise; pumps fail at the sea wall.",
            ),
            article(
                "flood-b",
                "2024-06-19",
                "Sea wall pumps fail as harbour floods",
                "story: flood\n",
                "The harbour flood worsened after pumps failed at the sea wall.",
            ),
            article(
                "budget",
                "2024-06-18",
                "Council passes the school budget",
                "story: flood\n",
                "The council passed the school budget after a long debate.",
            ),
            article(
                "flood-c",
                "2024-06-18",
                "Harbour flood: residents leave homes",
                "related: [budget]\n",
                "Residents left homes as the harbour flood spread past the sea wall.",
            ),
            article(
                "football",
                "2024-06-17",
                "Local club wins the cup final",
                "",
                "The club won the cup final on penalties.",
            ),
        ]
    }

    fn refs(a: &[Article]) -> Vec<&Article> {
        a.iter().collect()
    }

    fn names(articles: &[Article], links: &[usize]) -> Vec<String> {
        links.iter().map(|&j| articles[j].slug.clone()).collect()
    }

    #[test]
    fn similar_text_is_related_and_unrelated_text_is_not() {
        let a = corpus();
        let links = related(&refs(&a), &vec![Vec::new(); a.len()], 0, 5).related;
        let first = names(&a, &links[0]);
        assert!(
            first.contains(&"flood-b".to_string()) && first.contains(&"flood-c".to_string()),
            "{first:?}"
        );
        assert!(!first.contains(&"football".to_string()), "{first:?}");
    }

    #[test]
    fn pins_come_first_and_same_story_is_preferred() {
        let a = corpus();
        let links = related(&refs(&a), &vec![Vec::new(); a.len()], 0, 2).related;
        // flood-c pins the budget story even though nothing else links them.
        assert_eq!(names(&a, &links[3])[0], "budget");
        // flood-b shares a story id with the (textually unrelated) budget story.
        assert_eq!(names(&a, &links[1])[0], "budget");
    }

    #[test]
    fn results_do_not_depend_on_threads() {
        let a = corpus();
        let tags = vec![Vec::new(); a.len()];
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool")
            .install(|| related(&refs(&a), &tags, 0, 5).related);
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .expect("pool")
            .install(|| related(&refs(&a), &tags, 0, 5).related);
        assert_eq!(one, many);
    }

    #[test]
    fn the_cache_follows_edits_additions_and_deletions() {
        let mut a = corpus();
        let tags = |a: &[Article]| vec![Vec::new(); a.len()];
        let mut cache = Cache::default();
        let first = cache.related(&refs(&a), &tags(&a), 0, 5);
        assert_eq!(first.related, related(&refs(&a), &tags(&a), 0, 5).related);
        assert!(!names(&a, &first.related[0]).contains(&"football".to_string()));

        // The football story is rewritten as flood coverage: it joins the flood lists.
        a[4] = football_rewritten_as_flood_coverage();
        let edited = cache.related(&refs(&a), &tags(&a), 0, 5);
        assert!(names(&a, &edited.related[0]).contains(&"football".to_string()));

        // A new article is found; a deleted one leaves every list.
        a.remove(4);
        a.insert(
            0,
            article(
                "flood-d",
                "2024-06-21",
                "Harbour flood clean-up begins at the sea wall",
                "",
                "Crews began the harbour flood clean-up after pumps at the sea wall failed.",
            ),
        );
        let later = cache.related(&refs(&a), &tags(&a), 0, 5);
        assert!(names(&a, &later.related[1]).contains(&"flood-d".to_string()));
        assert!(later.related.iter().flatten().all(|&j| j < a.len()));
        assert!(
            !later
                .related
                .iter()
                .flatten()
                .any(|&j| a[j].slug == "football")
        );
    }

    #[test]
    fn a_recomputation_that_gives_way_leaves_the_cache_as_it_was() {
        let mut a = corpus();
        let tags = |a: &[Article]| vec![Vec::new(); a.len()];
        let mut cache = Cache::default();
        cache.related(&refs(&a), &tags(&a), 0, 5);
        a[4] = football_rewritten_as_flood_coverage();
        let edited = cache.related(&refs(&a), &tags(&a), 0, 5).related;
        assert!(!cache.is_exact());
        cache.recompute(Some(std::sync::Arc::new(|| true)));
        assert_eq!(cache.related(&refs(&a), &tags(&a), 0, 5).related, edited);
        assert!(!cache.is_exact());
        // Nothing was lost: the next call still updates in place.
        assert_eq!(cache.related(&refs(&a), &tags(&a), 0, 5).related, edited);
        assert!(!cache.is_exact());
        cache.recompute(Some(std::sync::Arc::new(|| false)));
        let exact = cache.related(&refs(&a), &tags(&a), 0, 5).related;
        assert!(cache.is_exact());
        assert_eq!(exact, related(&refs(&a), &tags(&a), 0, 5).related);
    }

    /// More articles change at once than the cache updates in place (a `git
    /// checkout`), or the preview asks for exact lists: every list is computed
    /// afresh, and the terms of changed articles come from their new text.
    #[test]
    fn a_recomputation_reads_the_new_text_of_changed_articles() {
        const TOPICS: [&str; 8] = [
            "harbour flood pumps seawall",
            "election ballot count parliament",
            "football league striker goal",
            "rice harvest farmers drought",
            "vaccine clinic influenza nurses",
            "railway fares commuters timetable",
            "volcano eruption ash evacuation",
            "startup software funding investors",
        ];
        // Before, story i is on topic i mod 8; after, on topic i div 12: other groups.
        let site = |grouped: bool| -> Vec<Article> {
            (0..96)
                .map(|i| {
                    let topic = TOPICS[if grouped { i / 12 } else { i % 8 }];
                    article(
                        &format!("story-{i}"),
                        &format!("2024-06-{:02}", 1 + i % 28),
                        &format!("Report {i} on {topic}"),
                        "",
                        &format!("{topic} {topic} update number {i} about {topic}."),
                    )
                })
                .collect()
        };
        let tags = |a: &[Article]| vec![Vec::new(); a.len()];
        let (before, after) = (site(false), site(true));
        let mut cache = Cache::default();
        cache.related(&refs(&before), &tags(&before), 0, 5);
        let fresh = related(&refs(&after), &tags(&after), 0, 5).related;
        assert_eq!(
            cache.related(&refs(&after), &tags(&after), 0, 5).related,
            fresh
        );
        assert!(cache.is_exact());
        cache.recompute(None);
        assert_eq!(
            cache.related(&refs(&after), &tags(&after), 0, 5).related,
            fresh
        );
    }
}
