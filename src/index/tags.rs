//! Tags (and the other ways to browse: sections, authors, sources): articles' names →
//! canonical groups (aliases merged, one slug each) and each article's list of them.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::parse::{Article, slug::slugify};

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub slug: String,
    /// Entry indices, newest first.
    pub entries: Vec<usize>,
}

/// Spellings that slugify alike (`AI`, `ai`, `A.I.` after aliasing) become one tag; its
/// display name is the most used spelling, ties broken alphabetically, so the result
/// never depends on file order.
pub fn collect(articles: &[&Article], config: &Config) -> (Vec<Tag>, Vec<Vec<usize>>) {
    let aliases = lowercase_keys(&config.tag_aliases);
    let canonical = |t: &str| {
        aliases
            .get(&t.to_lowercase())
            .map_or_else(|| t.to_string(), |c| (*c).to_string())
    };
    let mut groups = Grouping::new(canonical);
    for a in articles {
        groups.add(a.tags.iter().map(String::as_str));
    }
    groups.finish(&[])
}

/// Names per article (each list in entry order) → groups and each article's group
/// indices. Spellings that slugify alike merge into one group named by its most used
/// spelling (ties alphabetical), like tags. `order` lists names that come first, in
/// that order (site.yaml's `sections:`); the rest follow by slug.
pub fn group<'a>(
    names: impl Iterator<Item = Vec<&'a str>>,
    aliases: &BTreeMap<String, String>,
    order: &[String],
) -> (Vec<Tag>, Vec<Vec<usize>>) {
    let aliases = lowercase_keys(aliases);
    let canonical = |n: &str| {
        aliases
            .get(&n.to_lowercase())
            .map_or(n, |c| *c)
            .trim()
            .to_string()
    };
    let mut groups = Grouping::new(canonical);
    // Listed names have a group (and a page) before their first story.
    for n in order {
        let slug = slugify(n);
        if !slug.is_empty() {
            groups.slug_id(slug);
        }
    }
    for list in names {
        groups.add(list.into_iter());
    }
    groups.finish(order)
}

fn lowercase_keys(aliases: &BTreeMap<String, String>) -> BTreeMap<String, &str> {
    aliases
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.as_str()))
        .collect()
}

/// Groups being gathered. Each name as written is canonicalised and slugified once: a
/// site has a few hundred spellings, used hundreds of thousands of times.
struct Grouping<'a, F> {
    canonical: F,
    /// A name as written → its spelling, `None` when it slugifies to nothing (a name
    /// of punctuation only is no group).
    written: FxHashMap<&'a str, Option<usize>>,
    /// Canonical name → its spelling.
    spelling_of: FxHashMap<String, usize>,
    /// Each spelling's name, group and uses.
    spellings: Vec<(String, usize, usize)>,
    slug_of: FxHashMap<String, usize>,
    slugs: Vec<String>,
    /// Each article's groups, each once, in the order it names them.
    per_article: Vec<Vec<usize>>,
}

impl<'a, F: Fn(&str) -> String> Grouping<'a, F> {
    fn new(canonical: F) -> Self {
        Grouping {
            canonical,
            written: FxHashMap::default(),
            spelling_of: FxHashMap::default(),
            spellings: Vec::new(),
            slug_of: FxHashMap::default(),
            slugs: Vec::new(),
            per_article: Vec::new(),
        }
    }

    fn slug_id(&mut self, slug: String) -> usize {
        let next = self.slugs.len();
        *self.slug_of.entry(slug).or_insert_with_key(|slug| {
            self.slugs.push(slug.clone());
            next
        })
    }

    fn spelling(&mut self, written: &'a str) -> Option<usize> {
        if let Some(&s) = self.written.get(written) {
            return s;
        }
        let name = (self.canonical)(written);
        let slug = slugify(&name);
        let s = (!slug.is_empty()).then(|| match self.spelling_of.get(&name) {
            Some(&s) => s,
            None => {
                let group = self.slug_id(slug);
                self.spelling_of.insert(name.clone(), self.spellings.len());
                self.spellings.push((name, group, 0));
                self.spellings.len() - 1
            }
        });
        self.written.insert(written, s);
        s
    }

    /// One article's names.
    fn add(&mut self, names: impl Iterator<Item = &'a str>) {
        let mut groups = Vec::new();
        for n in names {
            if let Some(s) = self.spelling(n) {
                let (_, group, uses) = &mut self.spellings[s];
                *uses += 1;
                if !groups.contains(group) {
                    groups.push(*group);
                }
            }
        }
        self.per_article.push(groups);
    }

    /// The groups, listed ones first in `order` and spelled as listed, the rest by slug,
    /// each named by its most used spelling (ties alphabetical); and each article's.
    fn finish(self, order: &[String]) -> (Vec<Tag>, Vec<Vec<usize>>) {
        let mut best: Vec<Option<(usize, &str)>> = vec![None; self.slugs.len()];
        for (name, group, uses) in &self.spellings {
            let better =
                best[*group].is_none_or(|(u, n)| *uses > u || (*uses == u && name.as_str() < n));
            if better {
                best[*group] = Some((*uses, name));
            }
        }
        let rank: BTreeMap<String, usize> = order
            .iter()
            .enumerate()
            .map(|(i, n)| (slugify(n), i))
            .collect();
        let mut ids: Vec<usize> = (0..self.slugs.len()).collect();
        ids.sort_by(|&a, &b| {
            let key = |g: usize| {
                let slug = &self.slugs[g];
                (rank.get(slug).copied().unwrap_or(usize::MAX), slug)
            };
            key(a).cmp(&key(b))
        });
        let mut position = vec![0; ids.len()];
        let mut tags: Vec<Tag> = ids
            .iter()
            .enumerate()
            .map(|(p, &g)| {
                position[g] = p;
                let slug = self.slugs[g].clone();
                // A listed name is spelled as site.yaml spells it.
                let listed = rank
                    .contains_key(&slug)
                    .then(|| order.iter().find(|n| slugify(n) == slug))
                    .flatten();
                let name = match (listed, best[g]) {
                    (Some(n), _) => n.clone(),
                    (None, Some((_, n))) => n.to_string(),
                    (None, None) => slug.clone(),
                };
                Tag {
                    name,
                    slug,
                    entries: Vec::new(),
                }
            })
            .collect();
        let per_article = self
            .per_article
            .into_iter()
            .enumerate()
            .map(|(i, groups)| {
                groups
                    .into_iter()
                    .map(|g| {
                        tags[position[g]].entries.push(i);
                        position[g]
                    })
                    .collect()
            })
            .collect();
        (tags, per_article)
    }
}
