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

use rustc_hash::FxHashMap as HashMap;

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
    articles: &[Article],
    article_tags: &[Vec<usize>],
    n_tags: usize,
    count: usize,
) -> Links {
    related_with(articles, article_tags, n_tags, count, &Weights::default())
}

pub fn related_with(
    articles: &[Article],
    article_tags: &[Vec<usize>],
    n_tags: usize,
    count: usize,
    weights: &Weights,
) -> Links {
    let n = articles.len();
    if n == 0 {
        return Links::default();
    }
    let signatures = signatures(articles, weights.plain_terms);
    let postings = postings(&signatures);
    let tag_idf = tag_idf(article_tags, n_tags, n);
    let max_idf = ((1.0 + n as f64).ln() as f32 + 0.1).max(f32::EPSILON);
    let tag_postings = {
        let mut p = vec![Vec::new(); n_tags];
        for (i, tags) in article_tags.iter().enumerate() {
            for &t in tags {
                p[t].push(i as u32);
            }
        }
        p
    };
    let by_slug: HashMap<&str, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.slug.as_str(), i))
        .collect();
    let mut by_story: HashMap<&str, Vec<u32>> = HashMap::default();
    for (i, a) in articles.iter().enumerate() {
        if let Some(s) = &a.story {
            by_story.entry(s.as_str()).or_default().push(i as u32);
        }
    }
    let days: Vec<f64> = articles
        .iter()
        .map(|a| a.date.timestamp().as_second() as f64 / 86_400.0)
        .collect();

    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0f32; n], Vec::<u32>::new()),
            |(acc, touched), i| {
                // Text: dot products through the inverted index.
                for &(term, w) in &signatures[i] {
                    for &(j, wj) in window(&postings[term as usize], i as u32, WINDOW, |p| p.0) {
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
                let mut pool: Vec<(u32, f32)> =
                    touched.iter().map(|&j| (j, acc[j as usize])).collect();
                for &j in touched.iter() {
                    acc[j as usize] = 0.0;
                }
                touched.clear();
                let by_text =
                    |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
                if pool.len() > TEXT_POOL {
                    pool.select_nth_unstable_by(TEXT_POOL, by_text);
                    pool.truncate(TEXT_POOL);
                }
                // Tags and stories add candidates that share no signature term.
                for &t in &article_tags[i] {
                    pool.extend(
                        window(&tag_postings[t], i as u32, TAG_WINDOW, |p| *p)
                            .iter()
                            .map(|&j| (j, 0.0)),
                    );
                }
                if let Some(s) = &articles[i].story {
                    pool.extend(
                        by_story
                            .get(s.as_str())
                            .into_iter()
                            .flatten()
                            .map(|&j| (j, 0.0)),
                    );
                }
                // One entry per article, the one carrying its text score.
                pool.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
                pool.dedup_by_key(|p| p.0);
                let same: Vec<usize> = pool
                    .iter()
                    .filter(|&&(j, text)| j as usize != i && text >= NEAR_IDENTICAL)
                    .map(|&(j, _)| j as usize)
                    .collect();
                let mut candidates: Vec<(f32, u32)> = pool
                    .into_iter()
                    .filter(|&(j, _)| j as usize != i)
                    .map(|(j, text)| {
                        let ju = j as usize;
                        let tags =
                            tag_similarity(&article_tags[i], &article_tags[ju], &tag_idf, max_idf);
                        let decay = weights
                            .decay_days
                            .map_or(1.0, |d| (-(days[i] - days[ju]).abs() / d).exp() as f32);
                        let time = weights.decay_floor + (1.0 - weights.decay_floor) * decay;
                        let mut score = (weights.text * text + weights.tags * tags) * time;
                        if articles[i].story.is_some() && articles[i].story == articles[ju].story {
                            score += weights.same_story;
                        }
                        (score, j)
                    })
                    .filter(|(s, _)| *s >= MIN_SCORE)
                    .collect();

                let mut out: Vec<usize> = Vec::with_capacity(count);
                for slug in &articles[i].related {
                    if let Some(&j) = by_slug.get(slug.as_str()) {
                        if j != i && !out.contains(&j) && out.len() < count {
                            out.push(j);
                        }
                    }
                }
                // Highest score first; equal scores by position (newest first), so builds repeat.
                let order =
                    |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
                // Pins may reappear among candidates, so keep `count`, not `count - pins`.
                let want = count;
                if candidates.len() > want {
                    candidates.select_nth_unstable_by(want, order);
                    candidates.truncate(want);
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
                (out, same)
            },
        )
        .unzip::<_, _, Vec<_>, Vec<_>>()
        .into()
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
fn window<T>(list: &[T], i: u32, size: usize, key: impl Fn(&T) -> u32) -> &[T] {
    if list.len() <= size {
        return list;
    }
    let at = list.partition_point(|p| key(p) < i);
    let start = at.saturating_sub(size / 2).min(list.len() - size);
    &list[start..start + size]
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
    for (word, w) in words {
        *tf.entry(term_hash(&stem::stem(&word, &a.lang)))
            .or_default() += w;
    }
    let mut tf: Vec<(u64, f32)> = tf.into_iter().collect();
    tf.sort_unstable_by_key(|(h, _)| *h);
    tf
}

/// Terms are identified by a 64-bit hash of the stem: no strings to intern,
/// and a collision among a few million stems is vanishingly unlikely.
fn term_hash(stem: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    stem.hash(&mut h);
    h.finish()
}

/// Top-`SIGNATURE` TF-IDF terms per article, L2-normalised, sorted by term id.
/// Term ids follow the sorted hashes, so ids never depend on thread timing.
fn signatures(articles: &[Article], plain: bool) -> Vec<Signature> {
    let tfs: Vec<Vec<(u64, f32)>> = articles
        .par_iter()
        .map(|a| term_frequencies(a, plain))
        .collect();
    let mut df: HashMap<u64, u32> = HashMap::default();
    for tf in &tfs {
        for (h, _) in tf {
            *df.entry(*h).or_default() += 1;
        }
    }
    // A term in one article links nothing; it only dilutes the norm.
    let mut kept: Vec<u64> = df
        .iter()
        .filter(|(_, d)| **d >= 2)
        .map(|(h, _)| *h)
        .collect();
    kept.par_sort_unstable();
    let ids: HashMap<u64, u32> = kept
        .iter()
        .enumerate()
        .map(|(i, h)| (*h, i as u32))
        .collect();
    let n = articles.len() as f32;
    tfs.into_par_iter()
        .map(|tf| {
            let mut sig: Vec<(u32, f32)> = tf
                .into_iter()
                .filter_map(|(h, f)| {
                    let id = *ids.get(&h)?;
                    let d = df[&h] as f32;
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
        })
        .collect()
}

/// term → (article, weight), each list in article order.
fn postings(signatures: &[Signature]) -> Vec<Vec<(u32, f32)>> {
    let n_terms = signatures
        .iter()
        .flat_map(|s| s.iter().map(|(t, _)| *t + 1))
        .max()
        .unwrap_or(0) as usize;
    let mut postings = vec![Vec::new(); n_terms];
    for (i, sig) in signatures.iter().enumerate() {
        for &(t, w) in sig {
            postings[t as usize].push((i as u32, w));
        }
    }
    postings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

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

    fn names(articles: &[Article], links: &[usize]) -> Vec<String> {
        links.iter().map(|&j| articles[j].slug.clone()).collect()
    }

    #[test]
    fn similar_text_is_related_and_unrelated_text_is_not() {
        let a = corpus();
        let links = related(&a, &vec![Vec::new(); a.len()], 0, 5).related;
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
        let links = related(&a, &vec![Vec::new(); a.len()], 0, 2).related;
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
            .install(|| related(&a, &tags, 0, 5).related);
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .expect("pool")
            .install(|| related(&a, &tags, 0, 5).related);
        assert_eq!(one, many);
    }
}
