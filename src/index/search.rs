//! Search, terms: one article → its terms (each stemmed term with a weight, and the
//! surface forms that stem to something else), the input of the sharded search index.
//!
//! A digest depends on the article alone — never on the rest of the archive — so a
//! shard's bytes change only when an article that holds one of its terms changes.
//!
//! Terms are kept as ids of a process-wide vocabulary, not as text: a lean build keeps
//! every article's terms until the index is written (five bytes a term instead of a
//! line of text), and each distinct word is lower-cased, looked up in the stop list and
//! stemmed once per process instead of once per article. Ids are never written out: the
//! index is laid out by the terms' text, so it does not depend on which thread met a
//! word first.

use std::sync::{Arc, LazyLock, PoisonError, RwLock, RwLockReadGuard};

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::related::features::{self, Field, TermFrequencies, term_hash};
use super::related::stem::Language;
use super::related::tokenize::{SENTENCE_ENDS, is_stop};
use crate::parse::{Article, truncate_words};

/// BM25's saturation and length normalisation, against a fixed reference length rather
/// than the archive's average, so a weight stays what it was when other articles arrive.
const K1: f32 = 1.2;
const B: f32 = 0.75;
const REFERENCE_WORDS: f32 = 400.0;
/// Weights are quantised to 1..=MAX_WEIGHT: one character of the shard alphabet.
pub(crate) const MAX_WEIGHT: u8 = 31;

/// One article's search terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    /// Stem ids and, at the same index, their weights (1..=MAX_WEIGHT).
    pub stems: Box<[u32]>,
    pub weights: Box<[u8]>,
    /// `(form, stem)` ids for each word of the article whose stem differs from it.
    pub forms: Box<[(u32, u32)]>,
    /// The opening of the body its result shows an excerpt of (`lede`), taken by
    /// `digest_and_features` for a lean build, which then needs none of the body's text;
    /// empty from `digest`, whose caller still has the whole text.
    pub lede: Box<str>,
}

impl Terms {
    pub(crate) fn weighted(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        self.stems.iter().copied().zip(self.weights.iter().copied())
    }
}

/// The article's terms: title, summary, tags, authors, source, dateline and the whole
/// body, each word weighted by its field (BM25F in spirit) and saturated (BM25).
/// An error is a body that could not be read from the build cache.
pub fn digest(a: &Article) -> std::io::Result<Terms> {
    Ok(count(a, &a.text()?, None).0)
}

/// The article's terms and its related stories' term frequencies, in one pass over its
/// words: both cut, lower-case and stem them alike, and the pass is most of the cost of
/// either.
pub fn digest_and_features(a: &Article) -> (Terms, TermFrequencies) {
    // A parse's article, whose body is in memory.
    let (terms, features) = count(a, &a.text, Some(features::fields(a)));
    let lede = self::lede(a).into();
    (Terms { lede, ..terms }, features)
}

fn count(a: &Article, text: &str, related: Option<[Field<'_>; 3]>) -> (Terms, TermFrequencies) {
    let lang = Language::of(&a.lang);
    let source = a.source.as_ref().map(|s| s.name.as_str()).unwrap_or("");
    let dateline = a.dateline.as_deref().unwrap_or("");
    let [title, summary, lede] = related.map_or([None, None, None], |f| f.map(Some));
    TOKENS.with_borrow_mut(|cache| {
        let mut words = cache.start(lang);
        // Field boosts: a title word counts as five body words. Authors and tags are
        // read one by one (a separator is not a word).
        words.add(&a.title, Some(5.0), title.as_ref());
        words.add(&a.summary, a.has_summary.then_some(2.0), summary.as_ref());
        for t in &a.tags {
            words.add(t, Some(3.0), None);
        }
        for p in &a.authors {
            words.add(p, Some(3.0), None);
        }
        words.add(source, Some(2.0), None);
        words.add(dateline, Some(1.0), None);
        let body_words = words.add(text, Some(1.0), lede.as_ref());
        words.finish(body_words)
    })
}

/// Enough opening text for an excerpt of about 180 characters around a word in it.
const LEDE_BYTES: usize = 320;

/// The opening of the body that the results page cuts its excerpt from (a window around
/// the first matched word): the text after the summary when the summary is the first
/// paragraph, so no record carries it twice.
pub(crate) fn lede(a: &Article) -> String {
    let text = a.text.trim_start();
    let rest = if a.has_summary {
        text
    } else {
        text.strip_prefix(a.summary.trim())
            .unwrap_or(text)
            .trim_start()
    };
    truncate_words(rest.trim_end(), LEDE_BYTES)
}

/// What a lower-cased word is for the index: a stop word, or a term with its stem's id
/// and its own id when it is a form of that stem (`NO_FORM` otherwise).
#[derive(Debug, Clone, Copy)]
enum Token {
    Stop,
    Term(u32, u32, u64),
}
const NO_FORM: u32 = u32::MAX;

/// A cached word: its token, the last article it was met in, and its slot in that
/// article's counts.
#[derive(Debug, Clone, Copy)]
struct Known {
    token: Token,
    seen: u32,
    slot: u32,
}

/// What the current article counts of one word: per word, not per stem, so that a word
/// finds its counts through its own cache entry; forms of one stem are merged once the
/// article is read.
#[derive(Debug, Clone, Copy)]
struct Slot {
    stem: u32,
    form: u32,
    feature: u64,
    search: f32,
    related: f32,
}

/// Per thread: word → token for each stemmer, and the current article's term
/// frequencies by stem id (and by related stories' term hash). A body's words are nearly
/// all known ones, and one lookup here replaces the stop-word check, the stemmer, the
/// vocabulary's lock and a map of the article's words; nothing is allocated per word.
#[derive(Default)]
struct TokenCache {
    /// Keyed by `word_hash`, not by the word: the key is compared in the table itself,
    /// where a boxed word would cost a cache miss on nearly every word of a body.
    by_language: [FxHashMap<u64, Known>; Language::COUNT],
    /// Counts articles, for `Known::seen`.
    article: u32,
    /// The current article's words, in the order met.
    slots: Vec<Slot>,
    /// Stem → its first slot, to merge the forms of a stem.
    first: FxHashMap<u32, u32>,
    lower: String,
}

/// Bounded so that a huge vocabulary (a long preview session) cannot grow it without
/// limit; a cleared cache only costs a few lookups in `VOCAB` again.
const TOKEN_CACHE_LIMIT: usize = 1 << 20;

impl TokenCache {
    fn start(&mut self, lang: Language) -> Words<'_> {
        let map = &mut self.by_language[lang as usize];
        if map.len() > TOKEN_CACHE_LIMIT {
            map.clear();
        }
        self.article = self.article.wrapping_add(1);
        if self.article == 0 {
            // A stale `seen` could now match and name a slot of another article.
            self.by_language.iter_mut().for_each(FxHashMap::clear);
        }
        Words { cache: self, lang }
    }
}

struct Words<'a> {
    cache: &'a mut TokenCache,
    lang: Language,
}

impl Words<'_> {
    /// Counts the words of `text` with `boost` for the search index, and the first of
    /// them as `related` says for related stories; returns how many were not stop words.
    fn add(&mut self, text: &str, boost: Option<f32>, related: Option<&Field>) -> usize {
        if boost.is_none() && related.is_none() {
            return 0;
        }
        let c = &mut *self.cache;
        let (lang, article) = (self.lang, c.article);
        let map = &mut c.by_language[lang as usize];
        let slots = &mut c.slots;
        let mut n = 0;
        for_each_word(text, &mut c.lower, |word, is_name| {
            let known = map.entry(word_hash(word)).or_insert_with(|| Known {
                token: token(lang, word),
                seen: article.wrapping_sub(1),
                slot: 0,
            });
            let Token::Term(stem, form, feature) = known.token else {
                return;
            };
            n += 1;
            if known.seen != article {
                known.seen = article;
                known.slot = slots.len() as u32;
                slots.push(Slot {
                    stem,
                    form,
                    feature,
                    search: 0.0,
                    related: 0.0,
                });
            }
            let slot = &mut slots[known.slot as usize];
            if let Some(field) = related.filter(|f| n <= f.limit) {
                slot.related += field.weight(is_name);
            }
            if let Some(boost) = boost {
                slot.search += boost;
            }
        });
        n
    }

    /// The article's terms, saturated by BM25 against the body's length, and its related
    /// stories' term frequencies; leaves the cache ready for the next article.
    fn finish(self, body_words: usize) -> (Terms, TermFrequencies) {
        let c = self.cache;
        let forms: Box<[(u32, u32)]> = c
            .slots
            .iter()
            .filter(|s| s.form != NO_FORM && s.search > 0.0)
            .map(|s| (s.form, s.stem))
            .collect();
        merge_forms(&mut c.slots, &mut c.first);
        let norm = K1 * (1.0 - B + B * body_words as f32 / REFERENCE_WORDS);
        // In the order the words come: two parses of one article give equal values.
        let (stems, weights): (Vec<u32>, Vec<u8>) = c
            .slots
            .iter()
            .filter(|s| s.search > 0.0)
            .map(|s| {
                let saturated = s.search * (K1 + 1.0) / (s.search + norm) / (K1 + 1.0);
                let weight = (saturated * f32::from(MAX_WEIGHT)).ceil() as u8;
                (s.stem, weight.clamp(1, MAX_WEIGHT))
            })
            .unzip();
        let mut features: TermFrequencies = c
            .slots
            .iter()
            .filter(|s| s.related > 0.0)
            .map(|s| (s.feature, s.related))
            .collect();
        features.sort_unstable_by_key(|&(h, _)| h);
        c.slots.clear();
        let terms = Terms {
            stems: stems.into(),
            weights: weights.into(),
            forms,
            lede: Box::default(),
        };
        (terms, features)
    }
}

/// Adds the counts of each stem's later slots (its other forms) to its first, leaving
/// them empty. The weights are multiples of a quarter, so the sums are exact in any order.
fn merge_forms(slots: &mut [Slot], first: &mut FxHashMap<u32, u32>) {
    if slots.iter().all(|s| s.form == NO_FORM) {
        return;
    }
    first.clear();
    for i in 0..slots.len() {
        let j = *first.entry(slots[i].stem).or_insert(i as u32) as usize;
        if j != i {
            let (search, related) = (slots[i].search, slots[i].related);
            slots[j].search += search;
            slots[j].related += related;
            slots[i].search = 0.0;
            slots[i].related = 0.0;
        }
    }
}

/// 64-bit FNV-1a with a final mix: two of a million distinct words share a hash with a
/// probability of about 10⁻⁸ (the related-stories model names terms the same way).
fn word_hash(word: &str) -> u64 {
    let mut h = word.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn token(lang: Language, word: &str) -> Token {
    if is_stop(word) {
        Token::Stop
    } else {
        let s = VOCAB.stem(lang, word);
        Token::Term(s.stem, s.form.unwrap_or(NO_FORM), s.feature)
    }
}

thread_local! {
    static TOKENS: std::cell::RefCell<TokenCache> = std::cell::RefCell::default();
}

/// The words of `text` as the related-stories tokenizer cuts them (runs of alphanumeric
/// characters of any script, lower-cased, at least two bytes, not all digits; stop words
/// are left to the caller), each with whether it looks like a name as that tokenizer
/// says — with a byte loop for ASCII text, which is most of an archive. `search.js` cuts
/// queries the same way. `lower` is the buffer a word with capitals is lower-cased into.
fn for_each_word(text: &str, lower: &mut String, mut f: impl FnMut(&str, bool)) {
    let bytes = text.as_bytes();
    let mut sentence_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let (mut upper, mut digits, mut ascii) = (false, true, true);
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                upper |= b.is_ascii_uppercase();
                digits &= b.is_ascii_digit();
                i += 1;
            } else {
                let Some(c) = text[i..].chars().next() else {
                    break;
                };
                if !c.is_alphanumeric() {
                    break;
                }
                upper |= c.is_uppercase();
                digits = false;
                ascii = false;
                i += c.len_utf8();
            }
        }
        if i == start {
            // Not a word character: skip it whole (it may be several bytes). A mark
            // between words may start a sentence; white space leaves it as it was.
            let c = text[i..].chars().next().unwrap_or(' ');
            sentence_start |= !c.is_whitespace() && SENTENCE_ENDS.contains(&c);
            i += c.len_utf8();
            continue;
        }
        let word = &text[start..i];
        let starts_sentence = sentence_start;
        sentence_start = text[i..]
            .chars()
            .next()
            .is_some_and(|c| SENTENCE_ENDS.contains(&c));
        if word.len() < 2 || digits {
            continue;
        }
        if !upper {
            f(word, false);
            continue;
        }
        let is_name = !starts_sentence && word.chars().next().is_some_and(char::is_uppercase);
        lower.clear();
        if ascii {
            lower.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            // `str::to_lowercase`, not per char: a final sigma lower-cases differently.
            lower.push_str(&word.to_lowercase());
        }
        f(lower, is_name);
    }
}

/// Lower-cased words and stems of every article this process has read, as ids.
pub(crate) static VOCAB: LazyLock<Vocab> = LazyLock::new(Vocab::default);

/// Shards of the vocabulary (by the word's hash): threads rarely wait for each other.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

#[derive(Default)]
struct Strings {
    ids: FxHashMap<Arc<str>, u32>,
    text: Vec<Arc<str>>,
}

/// A word's stem id, the word's own id when the stem differs from it, and the stem's
/// related-stories term hash.
#[derive(Debug, Clone, Copy)]
struct Stemmed {
    stem: u32,
    form: Option<u32>,
    feature: u64,
}
type StemShard = RwLock<FxHashMap<Box<str>, Stemmed>>;

pub(crate) struct Vocab {
    strings: Box<[RwLock<Strings>]>,
    /// Per stemmer: word → its stem, so each word is stemmed once.
    stems: Box<[StemShard]>,
}

impl Default for Vocab {
    fn default() -> Self {
        Vocab {
            strings: (0..SHARDS).map(|_| RwLock::default()).collect(),
            stems: (0..SHARDS * Language::COUNT)
                .map(|_| RwLock::default())
                .collect(),
        }
    }
}

fn shard_of(s: &str) -> usize {
    use std::hash::BuildHasher;
    FxBuildHasher.hash_one(s) as usize % SHARDS
}

impl Vocab {
    pub(crate) fn id(&self, s: &str) -> u32 {
        let shard = shard_of(s);
        let lock = &self.strings[shard];
        if let Some(&id) = lock
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .ids
            .get(s)
        {
            return id;
        }
        let mut w = lock.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&id) = w.ids.get(s) {
            return id;
        }
        let id = ((w.text.len() as u32) << SHARD_BITS) | shard as u32;
        let text: Arc<str> = Arc::from(s);
        w.text.push(text.clone());
        w.ids.insert(text, id);
        id
    }

    fn stem(&self, lang: Language, word: &str) -> Stemmed {
        let lock = &self.stems[lang as usize * SHARDS + shard_of(word)];
        if let Some(&s) = lock
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(word)
        {
            return s;
        }
        let stem = lang.stem(word);
        let stemmed = Stemmed {
            stem: self.id(&stem),
            form: (stem != word).then(|| self.id(word)),
            feature: term_hash(&stem),
        };
        lock.write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(word.into(), stemmed);
        stemmed
    }

    /// Reads ids back as text while the returned value lives (other threads may still
    /// add words, they wait).
    pub(crate) fn reader(&self) -> Reader<'_> {
        Reader(
            self.strings
                .iter()
                .map(|l| l.read().unwrap_or_else(PoisonError::into_inner))
                .collect(),
        )
    }
}

pub(crate) struct Reader<'a>(Vec<RwLockReadGuard<'a, Strings>>);

impl Reader<'_> {
    /// The word, to keep after the locks are released.
    pub(crate) fn shared(&self, id: u32) -> Arc<str> {
        let shard = &self.0[id as usize % SHARDS];
        shard
            .text
            .get((id >> SHARD_BITS) as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn article(lang: &str, title: &str, body: &str) -> Article {
        let front = format!(
            "title: \"{title}\"\ndate: 2024-06-20\nlang: {lang}\nauthors: [Budi Santoso]\n"
        );
        crate::parse::test_article("content/a.md", &front, body)
    }

    fn terms(t: &Terms) -> BTreeMap<String, u8> {
        let r = VOCAB.reader();
        t.weighted()
            .map(|(s, w)| (r.shared(s).to_string(), w))
            .collect()
    }

    fn forms(t: &Terms) -> BTreeMap<String, String> {
        let r = VOCAB.reader();
        t.forms
            .iter()
            .map(|&(f, s)| (r.shared(f).to_string(), r.shared(s).to_string()))
            .collect()
    }

    #[test]
    fn stems_weights_and_forms() {
        let a = article(
            "id",
            "Banjir rob",
            "Warga kebanjiran lagi. Pembangunan tanggul.",
        );
        let d = digest(&a).expect("in memory");
        let t = terms(&d);
        assert!(t["banjir"] > t["bangun"], "title words weigh more: {t:?}");
        assert!(t.contains_key("budi") && t.contains_key("santoso"), "{t:?}");
        assert_eq!(
            forms(&d).get("pembangunan").map(String::as_str),
            Some("bangun")
        );
        assert!(t.values().all(|&w| (1..=MAX_WEIGHT).contains(&w)));
        assert_eq!(
            digest(&a).expect("in memory"),
            d,
            "the same article gives the same terms"
        );
    }

    #[test]
    fn english_forms_meet_at_their_stem() {
        let d = digest(&article(
            "en",
            "Floods return",
            "The river flooded the town.",
        ))
        .expect("in memory");
        let f = forms(&d);
        assert_eq!(f.get("floods").map(String::as_str), Some("flood"));
        assert_eq!(f.get("flooded").map(String::as_str), Some("flood"));
    }

    #[test]
    fn words_are_cut_like_the_related_stories_tokenizer() {
        let text = "Banjir rob yang merendam 2024 rumah-rumah, and the 東京 flood. \
                    ÉCOLE Ärzte a1 7 x ǅungla «Kota» – Москва's ΟΔΟΣ";
        let mut ours = Vec::new();
        for_each_word(text, &mut String::new(), |w, _| {
            if !is_stop(w) {
                ours.push(w.to_string())
            }
        });
        let theirs: Vec<String> = super::super::related::tokenize::tokens_with_names(text)
            .map(|(w, _)| w.into_owned())
            .collect();
        assert_eq!(ours, theirs);
        assert!(ours.contains(&"école".to_string()) && ours.contains(&"a1".to_string()));
    }
}
