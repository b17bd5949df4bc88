//! Related, term features: one article → its weighted term frequencies, keyed by
//! the hash of each word's stem.
//!
//! An article's features depend on its own text alone, which is what lets the
//! preview's cache keep them across edits to other articles.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use super::{stem, tokenize};
use crate::parse::Article;

const TITLE_WEIGHT: f32 = 3.0;
const SUMMARY_WEIGHT: f32 = 1.5;
/// Extra weight for names (capitalised inside a sentence): they carry across outlets and languages.
const NAME_WEIGHT: f32 = 2.5;
/// Body words read: the lede carries the story; tails add noise and time.
const BODY_WORDS: usize = 400;

/// Weighted term frequencies, sorted by term hash.
pub(crate) type TermFrequencies = Vec<(u64, f32)>;

/// A field related stories read: its text, its weight, how many of its words, and
/// whether names in it weigh more.
pub(crate) struct Field<'a> {
    pub text: &'a str,
    pub weight: f32,
    pub limit: usize,
    pub names: bool,
}

impl Field<'_> {
    /// The weight of one of its words.
    pub(crate) fn weight(&self, is_name: bool) -> f32 {
        if self.names && is_name {
            self.weight * NAME_WEIGHT
        } else {
            self.weight
        }
    }
}

/// Title, summary and lede, as related stories read them.
pub(crate) fn fields(a: &Article) -> [Field<'_>; 3] {
    // A title in Title Case says nothing about names; one in sentence case does.
    let title_words: Vec<&str> = a.title.split_whitespace().collect();
    let capitals = title_words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    let field = |text, weight, limit, names| Field {
        text,
        weight,
        limit,
        names,
    };
    [
        field(
            &a.title,
            TITLE_WEIGHT,
            usize::MAX,
            capitals * 2 <= title_words.len(),
        ),
        field(&a.summary, SUMMARY_WEIGHT, usize::MAX, true),
        field(&a.text, 1.0, BODY_WORDS, true),
    ]
}

/// The article's term frequencies: those its lean parse counted (taken, so they are
/// freed once read), or counted now.
pub(super) fn counted(a: &Article) -> TermFrequencies {
    a.features
        .take()
        .unwrap_or_else(|| term_frequencies(a, false))
}

/// Weighted term frequencies of one article, keyed by the hash of the stem.
/// Words are counted first and each distinct word stemmed once: stemming is the
/// costly part.
pub(super) fn term_frequencies(a: &Article, plain: bool) -> TermFrequencies {
    let words = weighted_words(a, plain);
    let tf = stem_hashes(words, stem::Language::of(&a.lang));
    let mut tf: TermFrequencies = tf.into_iter().collect();
    tf.sort_unstable_by_key(|(h, _)| *h);
    tf
}

/// Each distinct word of title, summary and lede with its summed weight.
fn weighted_words(a: &Article, plain: bool) -> HashMap<Cow<'_, str>, f32> {
    let mut words: HashMap<Cow<str>, f32> = HashMap::default();
    for field in fields(a) {
        for (token, is_name) in tokenize::tokens_with_names(field.text).take(field.limit) {
            *words.entry(token).or_default() += if plain { 1.0 } else { field.weight(is_name) };
        }
    }
    words
}

/// The weights of `words` summed by the hash of their stems, through the memo.
fn stem_hashes(words: HashMap<Cow<'_, str>, f32>, stemmer: stem::Language) -> HashMap<u64, f32> {
    let mut tf: HashMap<u64, f32> =
        HashMap::with_capacity_and_hasher(words.len(), Default::default());
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
pub(crate) fn term_hash(stem: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    stem.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(title: &str, front: &str, body: &str) -> Article {
        let front = format!("title: \"{title}\"\ndate: 2024-06-20\n{front}");
        crate::parse::test_article("content/a.md", &front, body)
    }

    /// A lean parse counts related stories' terms in its pass for the search digest;
    /// what it counts must be what related stories count themselves.
    #[test]
    fn the_lean_parse_counts_the_terms_related_stories_count() {
        let long_lede = "Warga Sembira bilang: \"Banjir datang lagi.\" ".repeat(300);
        let cases = [
            article(
                "Banjir Rob Di Pesisir",
                "lang: id\n",
                "Warga mengungsi. Kata Budi, air naik.",
            ),
            article(
                "Banjir rob di pesisir Lerengwangi",
                "lang: id\nsummary: \"Pemkot Sembira menutup jalan. Dinas bilang aman.\"\n",
                "Hujan (deras) turun — Budi: \"Air naik!\" lalu Rina?\n\nJakarta 2024 rumah-rumah «Kota» Москва's.",
            ),
            article(
                "Floods return to the Valley",
                "lang: en\n",
                "The river flooded. Then Anna said: \"Leave.\" 東京 ÉCOLE Ärzte a1 7",
            ),
            article("Panjang", "lang: id\n", &long_lede),
        ];
        for a in &cases {
            let (_, shared) = crate::index::search::digest_and_features(a);
            assert_eq!(shared, term_frequencies(a, false), "{}", a.title);
            assert!(!shared.is_empty());
        }
    }
}
