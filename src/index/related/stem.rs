//! Stem: a token and its language → a stem (Snowball for English, affix stripping for Indonesian).

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// The stemmer a language tag selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Indonesian,
    /// Words are kept as they are.
    Other,
}

impl Language {
    pub const COUNT: usize = 3;

    pub fn of(lang: &str) -> Language {
        if lang.starts_with("en") {
            Language::English
        } else if lang.starts_with("id") || lang.starts_with("ms") {
            Language::Indonesian
        } else {
            Language::Other
        }
    }

    pub fn stem(self, word: &str) -> String {
        match self {
            Language::English => ENGLISH.stem(word).into_owned(),
            Language::Indonesian => indonesian(word),
            Language::Other => word.to_string(),
        }
    }
}

/// A light Indonesian stemmer in the spirit of Nazief–Adriani: particles, then
/// possessives, then derivational suffixes, then one or two prefixes, never
/// leaving fewer than four letters. It conflates the common forms
/// (`membangun`, `pembangunan`, `dibangun` → `bangun`); rarer morphology is left alone.
pub fn indonesian(word: &str) -> String {
    if !word.is_ascii() || word.len() < 5 {
        return word.to_string();
    }
    let mut w = word.to_string();
    for suffix in ["lah", "kah", "tah", "pun"] {
        if strip_suffix(&mut w, suffix) {
            break;
        }
    }
    for suffix in ["nya", "ku", "mu"] {
        if strip_suffix(&mut w, suffix) {
            break;
        }
    }
    let before_suffix = w.clone();
    for suffix in ["kan", "an", "i"] {
        if strip_suffix(&mut w, suffix) {
            break;
        }
    }
    let stripped = strip_prefixes(&w);
    if stripped.len() >= 4 {
        stripped
    } else {
        strip_prefixes(&before_suffix)
    }
}

fn strip_suffix(w: &mut String, suffix: &str) -> bool {
    if w.len() >= suffix.len() + 4 && w.ends_with(suffix) {
        w.truncate(w.len() - suffix.len());
        true
    } else {
        false
    }
}

fn strip_prefixes(word: &str) -> String {
    let mut w = word.to_string();
    for _ in 0..2 {
        match strip_prefix(&w) {
            Some(next) if next.len() >= 4 => w = next,
            _ => break,
        }
    }
    w
}

/// One prefix, with the nasal assimilation of meN-/peN- undone
/// (`menulis` → `tulis`, `memukul` → `pukul`, `menyapu` → `sapu`).
fn strip_prefix(w: &str) -> Option<String> {
    let vowel = |s: &str| s.starts_with(['a', 'e', 'i', 'o', 'u']);
    for p in ["meng", "peng"] {
        if let Some(rest) = w.strip_prefix(p) {
            return Some(if vowel(rest) {
                format!("k{rest}")
            } else {
                rest.to_string()
            })
            .filter(|_| !rest.is_empty());
        }
    }
    for p in ["meny", "peny"] {
        if let Some(rest) = w.strip_prefix(p) {
            return vowel(rest).then(|| format!("s{rest}"));
        }
    }
    for p in ["mem", "pem"] {
        if let Some(rest) = w.strip_prefix(p) {
            return Some(if vowel(rest) {
                format!("p{rest}")
            } else {
                rest.to_string()
            });
        }
    }
    for p in ["men", "pen"] {
        if let Some(rest) = w.strip_prefix(p) {
            return Some(if vowel(rest) {
                format!("t{rest}")
            } else {
                rest.to_string()
            });
        }
    }
    for p in ["ber", "ter", "per", "me", "di", "ke", "se", "be", "pe"] {
        if let Some(rest) = w.strip_prefix(p) {
            return Some(rest.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_forms_meet() {
        assert_eq!(indonesian("membangun"), "bangun");
        assert_eq!(indonesian("pembangunan"), "bangun");
        assert_eq!(indonesian("dibangun"), "bangun");
        assert_eq!(indonesian("menulis"), "tulis");
        assert_eq!(indonesian("penulis"), "tulis");
        assert_eq!(indonesian("memukul"), "pukul");
        assert_eq!(indonesian("menyapu"), "sapu");
        assert_eq!(indonesian("banjirnya"), "banjir");
        assert_eq!(indonesian("rumah"), "rumah");
    }

    #[test]
    fn english_uses_snowball() {
        assert_eq!(Language::of("en").stem("flooding"), "flood");
        assert_eq!(Language::of("en").stem("floods"), "flood");
        assert_eq!(Language::of("fr").stem("banjir"), "banjir");
    }
}
