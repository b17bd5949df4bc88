//! Tokenize: text → lower-cased word tokens without stop words (Indonesian and English).

use std::collections::HashSet;
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
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !is_stop(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_stop_words_and_numbers_keeps_other_scripts() {
        let t: Vec<String> =
            tokens("Banjir rob yang merendam 2024 rumah-rumah, and the 東京 flood").collect();
        assert_eq!(
            t,
            [
                "banjir", "rob", "merendam", "rumah", "rumah", "東京", "flood"
            ]
        );
    }
}
