//! Related: articles (newest first) + their tags → up to `count` related entries per article.
//!
//! Text similarity is a cosine over bounded TF-IDF signatures (title weighted up,
//! stop words removed, light stemming); tags count by rarity (IDF, like terms counted
//! over a base of the older stories: `vocab::base`); a smooth time
//! decay favours stories close in time; an explicit `story:` id is strongly
//! preferred and `related:` pins come first. The stages: `features` (one article's
//! terms), `vocab` (the corpus's term ids and each article's signature), `score`
//! (one article's lists through an inverted index), and `cache` (the model kept between
//! builds and edits, scoring again only the lists a change can change).

mod cache;
pub(super) mod features;
mod score;
pub mod stem;
pub mod tokenize;
mod vocab;

use rayon::prelude::*;

use crate::parse::Article;
pub use cache::{Cache, Lists, ListsRef, Pass, Saved};
use features::{TermFrequencies, counted, term_frequencies};
use score::{Buffers, Model};
use vocab::{Signature, Terms};

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
    /// Below this blended score a candidate is not shown at all: on a small site the
    /// fifth-best story is often unrelated, and fewer links read better than a wrong one.
    pub min_score: f32,
    /// And below this share of the best candidate's score.
    pub min_share: f32,
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
            min_score: MIN_SCORE,
            min_share: MIN_SHARE,
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
            min_score: 0.0,
            min_share: 0.0,
        }
    }
}

/// The articles one computation relates, with their tags: what every stage reads.
#[derive(Debug, Clone, Copy)]
pub struct Corpus<'a> {
    /// Newest first; the lists are indices into it.
    pub articles: &'a [&'a Article],
    /// Per article, indices into the site's tag list.
    pub article_tags: &'a [Vec<usize>],
    /// The length of the site's tag list.
    pub n_tags: usize,
}

impl<'a> Corpus<'a> {
    pub fn new(articles: &'a [&'a Article], article_tags: &'a [Vec<usize>], n_tags: usize) -> Self {
        Corpus {
            articles,
            article_tags,
            n_tags,
        }
    }
}

/// The default `Weights::min_score`, measured with bench/related.sh (see README).
pub const MIN_SCORE: f32 = 0.04;
/// The default `Weights::min_share`, measured the same way.
pub const MIN_SHARE: f32 = 0.15;

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

/// One article's term frequencies as the model counts them, for the build cache to keep
/// with an article the model does not hold (an unpublished one).
pub fn term_frequencies_of(a: &Article) -> Vec<(u64, f32)> {
    counted(a)
}

/// Indices into `corpus.articles` for each article.
pub fn related(corpus: Corpus<'_>, count: usize) -> Links {
    related_with(corpus, count, &Weights::default())
}

pub fn related_with(corpus: Corpus<'_>, count: usize, weights: &Weights) -> Links {
    let articles = corpus.articles;
    if articles.is_empty() {
        return Links::default();
    }
    let tfs: Vec<TermFrequencies> = articles
        .par_iter()
        .map(|a| match weights.plain_terms {
            true => term_frequencies(a, true),
            false => counted(a),
        })
        .collect();
    let terms = Terms::new(&tfs);
    let n = articles.len();
    let signatures: Vec<Signature> = tfs.into_par_iter().map(|tf| terms.signature(&tf)).collect();
    drop(terms);
    let mut model = Model::new(corpus, &signatures, count, weights);
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

impl From<(Vec<Vec<usize>>, Vec<Vec<usize>>)> for Links {
    fn from((related, same_coverage): (Vec<Vec<usize>>, Vec<Vec<usize>>)) -> Self {
        Links {
            related,
            same_coverage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(slug: &str, date: &str, title: &str, extra: &str, body: &str) -> Article {
        let front = format!("title: \"{title}\"\ndate: {date}\nslug: {slug}\n{extra}");
        crate::parse::test_article(&format!("{slug}.md"), &front, body)
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
        let links = related(Corpus::new(&refs(&a), &vec![Vec::new(); a.len()], 0), 5).related;
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
        let links = related(Corpus::new(&refs(&a), &vec![Vec::new(); a.len()], 0), 2).related;
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
            .install(|| related(Corpus::new(&refs(&a), &tags, 0), 5).related);
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .expect("pool")
            .install(|| related(Corpus::new(&refs(&a), &tags, 0), 5).related);
        assert_eq!(one, many);
    }

    #[test]
    fn the_cache_follows_edits_additions_and_deletions() {
        let mut a = corpus();
        let tags = |a: &[Article]| vec![Vec::new(); a.len()];
        let mut cache = Cache::default();
        let first = cache.related(Corpus::new(&refs(&a), &tags(&a), 0), 5, Pass::Update);
        assert_eq!(
            first.related,
            related(Corpus::new(&refs(&a), &tags(&a), 0), 5).related
        );
        assert!(!names(&a, &first.related[0]).contains(&"football".to_string()));

        // The football story is rewritten as flood coverage: it joins the flood lists.
        a[4] = football_rewritten_as_flood_coverage();
        let edited = cache.related(Corpus::new(&refs(&a), &tags(&a), 0), 5, Pass::Update);
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
        let later = cache.related(Corpus::new(&refs(&a), &tags(&a), 0), 5, Pass::Update);
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
        cache.related(Corpus::new(&refs(&a), &tags(&a), 0), 5, Pass::Update);
        a[4] = football_rewritten_as_flood_coverage();
        let edited = cache
            .related(Corpus::new(&refs(&a), &tags(&a), 0), 5, Pass::Update)
            .related;
        assert!(!cache.is_exact());
        let waiting: crate::GiveWay = std::sync::Arc::new(|| true);
        assert_eq!(
            cache
                .related(
                    Corpus::new(&refs(&a), &tags(&a), 0),
                    5,
                    Pass::Exact {
                        give_way: Some(&waiting)
                    }
                )
                .related,
            edited
        );
        assert!(!cache.is_exact());
        // Nothing was lost: the next call still updates in place.
        assert_eq!(
            cache
                .related(Corpus::new(&refs(&a), &tags(&a), 0), 5, Pass::Update)
                .related,
            edited
        );
        assert!(!cache.is_exact());
        let idle: crate::GiveWay = std::sync::Arc::new(|| false);
        let exact = cache
            .related(
                Corpus::new(&refs(&a), &tags(&a), 0),
                5,
                Pass::Exact {
                    give_way: Some(&idle),
                },
            )
            .related;
        assert!(cache.is_exact());
        assert_eq!(
            exact,
            related(Corpus::new(&refs(&a), &tags(&a), 0), 5).related
        );
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
        cache.related(
            Corpus::new(&refs(&before), &tags(&before), 0),
            5,
            Pass::Update,
        );
        let fresh = related(Corpus::new(&refs(&after), &tags(&after), 0), 5).related;
        assert_eq!(
            cache
                .related(
                    Corpus::new(&refs(&after), &tags(&after), 0),
                    5,
                    Pass::Update
                )
                .related,
            fresh
        );
        assert!(cache.is_exact());
        assert_eq!(
            cache
                .related(
                    Corpus::new(&refs(&after), &tags(&after), 0),
                    5,
                    Pass::Exact { give_way: None }
                )
                .related,
            fresh
        );
    }

    /// New stories, one at a time and a few at once, into a corpus where the windows
    /// matter (unit tests shrink them): after each, the exact pass gives the lists a full
    /// computation gives, and most of the time it scores only some of them.
    #[test]
    fn new_stories_rescore_only_what_they_can_change_and_match_a_full_computation() {
        const WORDS: [&str; 24] = [
            "harbour",
            "flood",
            "pumps",
            "seawall",
            "ballot",
            "parliament",
            "striker",
            "league",
            "harvest",
            "drought",
            "vaccine",
            "clinic",
            "railway",
            "fares",
            "volcano",
            "ash",
            "startup",
            "funding",
            "river",
            "bridge",
            "school",
            "budget",
            "market",
            "prices",
        ];
        let mut seed = 7u64;
        let mut next = move |m: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % m
        };
        // Story `k` of the first 150 falls in the first half of 2024; later ones are
        // newer than all of them, as news is, but for one in eight, back-dated.
        let make = |k: usize, next: &mut dyn FnMut(usize) -> usize| {
            let words: Vec<&str> = (0..6).map(|_| WORDS[next(WORDS.len())]).collect();
            // A word of its own now and then: one-off words that a later story shares.
            let own = format!("name{}", next(400));
            let story = match next(5) {
                0 => format!("story: s{}\n", next(6)),
                _ => String::new(),
            };
            let pin = match next(9) {
                0 => format!("related: [story-{}]\n", next(k.max(1))),
                _ => String::new(),
            };
            let tags = format!("tags: [t{}, t{}]\n", next(4), next(7));
            let date = match k {
                0..150 => format!("2024-{:02}-{:02}", 1 + next(6), 1 + next(28)),
                _ if next(8) == 0 => format!("2024-{:02}-{:02}", 1 + next(6), 1 + next(28)),
                _ => format!("2024-07-01T{:02}:{:02}:00Z", (k - 150) / 60, (k - 150) % 60),
            };
            article(
                &format!("story-{k}"),
                &date,
                &format!("{} {} {own}", words[0], words[1]),
                &format!("{story}{pin}{tags}"),
                &format!("{} {own} {}.", words.join(" "), words[2]),
            )
        };
        let mut site: Vec<Article> = (0..150).map(|k| make(k, &mut next)).collect();
        let mut cache = Cache::default();
        let mut partial = 0;
        for round in 0..40 {
            let added = if round % 7 == 6 { 3 } else { 1 };
            for _ in 0..added {
                let k = site.len();
                site.push(make(k, &mut next));
            }
            site.sort_by(|a, b| b.date.cmp(&a.date).then(a.slug.cmp(&b.slug)));
            let tag_names: Vec<String> = {
                let mut t: Vec<String> = site.iter().flat_map(|a| a.tags.clone()).collect();
                t.sort();
                t.dedup();
                t
            };
            let tags: Vec<Vec<usize>> = site
                .iter()
                .map(|a| {
                    let mut t: Vec<usize> = a
                        .tags
                        .iter()
                        .filter_map(|x| tag_names.iter().position(|n| n == x))
                        .collect();
                    t.sort_unstable();
                    t
                })
                .collect();
            let articles = refs(&site);
            let corpus = Corpus::new(&articles, &tags, tag_names.len());
            let links = cache.related(corpus, 4, Pass::Exact { give_way: None });
            let fresh = related(corpus, 4);
            assert_eq!(links.related, fresh.related, "round {round}");
            assert_eq!(links.same_coverage, fresh.same_coverage, "round {round}");
            if cache.scored() < site.len() {
                partial += 1;
            }
            // The lists as a build cache writes them (borrowed) read back whole, and
            // written again from what was read: the same bytes.
            let bytes = rmp_serde::to_vec(&cache.lists()).expect("encodes");
            let lists: Option<Lists> = rmp_serde::from_slice(&bytes).expect("decodes");
            assert!(
                lists.is_some(),
                "round {round}: an exact pass keeps its lists"
            );
            assert_eq!(rmp_serde::to_vec(&lists).expect("encodes"), bytes);
        }
        assert!(partial >= 12, "only {partial} of 40 passes were partial");
    }
}
