//! Tokenize: text → lower-cased word tokens without stop words (Indonesian and English).

use std::borrow::Cow;

use rustc_hash::FxHashSet as HashSet;
use std::sync::LazyLock;

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
/// Lower-case words borrow from `text`; only words with capitals are copied.
pub fn tokens(text: &str) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 2 && !w.bytes().all(|b| b.is_ascii_digit()))
        .map(|w| {
            if w.chars().any(char::is_uppercase) {
                Cow::Owned(w.to_lowercase())
            } else {
                Cow::Borrowed(w)
            }
        })
        .filter(|w| !is_stop(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_stop_words_and_numbers_keeps_other_scripts() {
        let t: Vec<Cow<str>> =
            tokens("Banjir rob yang merendam 2024 rumah-rumah, and the 東京 flood").collect();
        assert_eq!(
            t,
            [
                "banjir", "rob", "merendam", "rumah", "rumah", "東京", "flood"
            ]
        );
    }
}
