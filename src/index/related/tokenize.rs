//! Tokenize: text → lower-cased word tokens without stop words (Indonesian and English).

use std::borrow::Cow;

use rustc_hash::FxHashSet as HashSet;
use std::sync::LazyLock;

/// What ends a sentence for the name heuristic: a capitalised word after one of these is
/// a sentence start, not a name.
pub(crate) const SENTENCE_ENDS: [char; 7] = ['.', '!', '?', ':', '\n', '"', '“'];

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("stopwords-id.txt")
        .lines()
        .chain(include_str!("stopwords-en.txt").lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

pub fn is_stop(word: &str) -> bool {
    STOP.contains(word)
}

/// Words are runs of alphanumeric characters (any script); an inner hyphen or
/// apostrophe splits (Indonesian reduplication `rumah-rumah` counts as `rumah`).
/// Lower-case words borrow from `text`; only words with capitals are copied. Each says
/// whether it looks like a name: capitalised where a sentence does not start. Names survive paraphrase and translation, so they are
/// the best evidence that two outlets cover the same event.
pub fn tokens_with_names(text: &str) -> impl Iterator<Item = (Cow<'_, str>, bool)> + '_ {
    let mut sentence_start = true;
    text.split_inclusive(|c: char| !c.is_alphanumeric())
        .filter_map(move |piece| {
            let word = piece.trim_end_matches(|c: char| !c.is_alphanumeric());
            let tail = &piece[word.len()..];
            let starts_sentence = sentence_start;
            if !word.is_empty() || !tail.trim().is_empty() {
                sentence_start = tail.contains(SENTENCE_ENDS) && !word.is_empty()
                    || word.is_empty() && (sentence_start || tail.contains(SENTENCE_ENDS));
            }
            if word.len() < 2 || word.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let is_name = !starts_sentence && word.chars().next().is_some_and(char::is_uppercase);
            let lower = if word.chars().any(char::is_uppercase) {
                Cow::Owned(word.to_lowercase())
            } else {
                Cow::Borrowed(word)
            };
            (!is_stop(&lower)).then_some((lower, is_name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_capitalised_words_inside_sentences() {
        let names: Vec<String> =
            tokens_with_names("Warga Lerengwangi mengungsi. Banjir datang ke Sembira, kata Budi.")
                .filter(|(_, name)| *name)
                .map(|(w, _)| w.into_owned())
                .collect();
        assert_eq!(names, ["lerengwangi", "sembira", "budi"]);
    }

    #[test]
    fn drops_stop_words_and_numbers_keeps_other_scripts() {
        let t: Vec<Cow<str>> =
            tokens_with_names("Banjir rob yang merendam 2024 rumah-rumah, and the 東京 flood")
                .map(|(word, _)| word)
                .collect();
        assert_eq!(
            t,
            [
                "banjir", "rob", "merendam", "rumah", "rumah", "東京", "flood"
            ]
        );
    }
}
