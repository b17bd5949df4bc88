//! Related, scoring: a corpus with its signatures → for one article, its related
//! list, its same-coverage list and the candidates it looked at.
//!
//! Candidates come only from an inverted index whose postings are read in a
//! bounded window around the article, so the cost grows with N, not N².

use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;

use super::vocab::Signature;
use super::{Corpus, NEAR_IDENTICAL, Weights};

/// Postings read per term and article, centred on the article in time (small in unit
/// tests, so that windows matter in a corpus of a few hundred articles).
const WINDOW: usize = if cfg!(test) { 6 } else { 128 };
/// Articles sharing a tag considered per tag, the nearest in time.
const TAG_WINDOW: usize = if cfg!(test) { 4 } else { 32 };
/// Text matches kept for full scoring.
const TEXT_POOL: usize = if cfg!(test) { 5 } else { 64 };

/// Per-thread scratch space for scoring: a dense accumulator and the slots it touched.
#[derive(Default)]
pub(super) struct Buffers {
    acc: Vec<f32>,
    touched: Vec<u32>,
}

/// What scoring one article gives.
pub(super) struct Scored {
    pub(super) related: Vec<usize>,
    pub(super) same: Vec<usize>,
    /// Every candidate looked at: the articles whose own lists this one may enter.
    pub(super) pool: Vec<u32>,
}

/// Everything scoring needs, shared by all articles of one build.
pub(super) struct Model<'a> {
    corpus: Corpus<'a>,
    signatures: &'a [Signature],
    postings: Vec<Vec<(u32, f32)>>,
    tag_idf: Vec<f32>,
    tag_postings: Vec<Vec<u32>>,
    max_idf: f32,
    /// Built when a pin is first looked up: most articles pin nothing, and an
    /// incremental pass scores a few hundred of them.
    by_slug: OnceLock<HashMap<&'a str, usize>>,
    by_story: HashMap<&'a str, Vec<u32>>,
    days: Vec<f64>,
    count: usize,
    weights: &'a Weights,
}

impl<'a> Model<'a> {
    pub(super) fn new(
        corpus: Corpus<'a>,
        signatures: &'a [Signature],
        count: usize,
        weights: &'a Weights,
    ) -> Self {
        let Corpus {
            articles,
            article_tags,
            n_tags,
        } = corpus;
        let n = articles.len();
        let base = super::vocab::base(n);
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
            corpus,
            signatures,
            postings: Vec::new(),
            // Weighed over the base, as terms are.
            tag_idf: tag_idf(&article_tags[n - base..], n_tags, base),
            tag_postings,
            max_idf: ((1.0 + base as f64).ln() as f32 + 0.1).max(f32::EPSILON),
            by_slug: OnceLock::new(),
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
    pub(super) fn index_terms(&mut self, ids: Option<&[usize]>) {
        let signatures = self.signatures;
        match ids {
            None => self.postings = postings(signatures, None),
            Some(ids) => self.index_only(
                ids.iter()
                    .flat_map(|&i| signatures[i].iter().map(|&(t, _)| t)),
            ),
        }
    }

    /// Indexes only `terms`: each posting list it builds is whole, and the others are
    /// left empty, which at 100 000 articles is most of the 4 million postings.
    pub(super) fn index_only(&mut self, terms: impl IntoIterator<Item = u32>) {
        let mut only = Vec::new();
        for t in terms {
            let t = t as usize;
            if only.len() <= t {
                only.resize(t + 1, false);
            }
            only[t] = true;
        }
        self.postings = postings(self.signatures, Some(&only));
    }

    pub(super) fn links(&self, i: usize, buf: &mut Buffers) -> Scored {
        let pool = self.candidates(i, buf);
        let same: Vec<usize> = pool
            .iter()
            .filter(|&&(_, text)| text >= NEAR_IDENTICAL)
            .map(|&(j, _)| j as usize)
            .collect();
        let mut scored: Vec<(f32, u32)> = pool
            .iter()
            .map(|&(j, text)| (self.score(i, j as usize, text), j))
            .filter(|(s, _)| *s >= self.weights.min_score)
            .collect();
        // Relative to the best match too: a candidate far weaker than the best is noise
        // next to it (a rice-price story's fifth link a North Korea story).
        let best = scored.iter().map(|(s, _)| *s).fold(0.0, f32::max);
        scored.retain(|(s, _)| *s >= best * self.weights.min_share);
        Scored {
            related: self.pick(i, scored),
            same,
            // Not `into_iter().collect()`: that would keep the buffer of every
            // article touched (thousands at 100 000 articles) for 64 entries.
            pool: pool.iter().map(|&(j, _)| j).collect(),
        }
    }

    /// The articles worth scoring against `i`, each once with its text cosine
    /// (0 for those that share no signature term).
    fn candidates(&self, i: usize, buf: &mut Buffers) -> Vec<(u32, f32)> {
        let Corpus {
            articles,
            article_tags,
            ..
        } = self.corpus;
        let mut pool = self.text_matches(i, buf);
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
        pool
    }

    /// The strongest text matches of `i`: dot products through the inverted index.
    fn text_matches(&self, i: usize, buf: &mut Buffers) -> Vec<(u32, f32)> {
        let n = self.corpus.articles.len();
        let Buffers { acc, touched } = buf;
        if acc.len() != n {
            *acc = vec![0f32; n];
        }
        for &(term, w) in &self.signatures[i] {
            let Some(list) = self.postings.get(term as usize) else {
                continue;
            };
            for &(j, wj) in window(list, i as u32, n, WINDOW, |p| p.0) {
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
        pool
    }

    /// The articles whose lists may change when `s`'s signature changes, or when `s`
    /// enters or leaves the corpus at its place: those within reach of `s` in the posting
    /// list of any of `terms` (the term ids it has or had) and of its tags, those of its
    /// story, and those that pin it. Reach is a window's width either side: a window
    /// that does not hold `s`'s place holds the same articles with or without `s`.
    pub(super) fn neighbours(&self, s: usize, terms: &[u32], out: &mut Vec<u32>) {
        let near = |list: &[u32], size: usize, out: &mut Vec<u32>| {
            if list.len() <= size + 1 {
                out.extend_from_slice(list);
                return;
            }
            let at = list.partition_point(|&j| (j as usize) < s);
            out.extend_from_slice(
                &list[at.saturating_sub(size + 1)..(at + size + 2).min(list.len())],
            );
        };
        let mut members = Vec::new();
        for &t in terms {
            if let Some(list) = self.postings.get(t as usize) {
                members.clear();
                members.extend(list.iter().map(|&(j, _)| j));
                near(&members, WINDOW, out);
            }
        }
        for &t in &self.corpus.article_tags[s] {
            near(&self.tag_postings[t], TAG_WINDOW, out);
        }
        let a = self.corpus.articles[s];
        if let Some(story) = &a.story {
            out.extend(self.by_story.get(story.as_str()).into_iter().flatten());
        }
        out.extend(
            (0..self.corpus.articles.len())
                .filter(|&j| self.corpus.articles[j].related.contains(&a.slug))
                .map(|j| j as u32),
        );
    }

    /// The blended score of candidate `j` for article `i`, given their text cosine.
    fn score(&self, i: usize, j: usize, text: f32) -> f32 {
        let Corpus {
            articles,
            article_tags,
            ..
        } = self.corpus;
        let weights = self.weights;
        let tags = tag_similarity(
            &article_tags[i],
            &article_tags[j],
            &self.tag_idf,
            self.max_idf,
        );
        let decay = weights.decay_days.map_or(1.0, |d| {
            (-(self.days[i] - self.days[j]).abs() / d).exp() as f32
        });
        let time = weights.decay_floor + (1.0 - weights.decay_floor) * decay;
        let mut score = (weights.text * text + weights.tags * tags) * time;
        if articles[i].story.is_some() && articles[i].story == articles[j].story {
            score += weights.same_story;
        }
        score
    }

    fn by_slug(&self) -> &HashMap<&'a str, usize> {
        self.by_slug.get_or_init(|| {
            let articles = self.corpus.articles;
            articles
                .iter()
                .enumerate()
                .map(|(i, a)| (a.slug.as_str(), i))
                .collect()
        })
    }

    /// `i`'s pins, then its best-scoring candidates, up to `count`.
    fn pick(&self, i: usize, mut candidates: Vec<(f32, u32)>) -> Vec<usize> {
        let count = self.count;
        let mut out: Vec<usize> = Vec::with_capacity(count);
        for slug in &self.corpus.articles[i].related {
            if let Some(&j) = self.by_slug().get(slug.as_str()) {
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
        out
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

/// term → (article, weight), each list in article order; with `only`, just the
/// lists of the terms it marks (by term id): all an incremental pass reads.
fn postings(signatures: &[Signature], only: Option<&[bool]>) -> Vec<Vec<(u32, f32)>> {
    let n_terms = match only {
        Some(only) => only.len(),
        None => signatures
            .iter()
            .flat_map(|s| s.iter().map(|(t, _)| *t + 1))
            .max()
            .unwrap_or(0) as usize,
    };
    let mut postings = vec![Vec::new(); n_terms];
    for (i, sig) in signatures.iter().enumerate() {
        for &(t, w) in sig {
            if only.is_none_or(|o| o.get(t as usize) == Some(&true)) {
                postings[t as usize].push((i as u32, w));
            }
        }
    }
    postings
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
