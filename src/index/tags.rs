//! Tags (and the other ways to browse: sections, authors, sources): articles' names →
//! canonical groups (aliases merged, one slug each) and each article's list of them.

use std::collections::BTreeMap;

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
    let aliases: BTreeMap<String, &str> = config
        .tag_aliases
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.as_str()))
        .collect();
    let canonical = |t: &str| {
        aliases
            .get(&t.to_lowercase())
            .map_or_else(|| t.to_string(), |c| (*c).to_string())
    };

    let mut spellings: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut per_article: Vec<Vec<String>> = Vec::with_capacity(articles.len());
    // A site has a few hundred tag spellings used thousands of times: slugify each once.
    let mut slugs_of: rustc_hash::FxHashMap<&str, (String, String)> = Default::default();
    for a in articles {
        let mut slugs = Vec::new();
        for t in &a.tags {
            let (name, slug) = slugs_of
                .entry(t.as_str())
                .or_insert_with(|| {
                    let name = canonical(t);
                    let slug = slugify(&name);
                    (name, slug)
                })
                .clone();
            count(&mut spellings, &mut slugs, name, slug);
        }
        per_article.push(slugs);
    }
    let mut tags: Vec<Tag> = spellings
        .into_iter()
        .map(|(slug, names)| {
            let name = most_used(&names, &slug);
            Tag {
                name,
                slug,
                entries: Vec::new(),
            }
        })
        .collect();
    let article_tags = assign(&mut tags, per_article);
    (tags, article_tags)
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
    let aliases: BTreeMap<String, &str> = aliases
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.as_str()))
        .collect();
    let mut spellings: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    // Listed names have a group (and a page) before their first story.
    for n in order {
        let slug = slugify(n);
        if !slug.is_empty() {
            spellings.entry(slug).or_default();
        }
    }
    let per_article: Vec<Vec<String>> = names
        .map(|list| {
            let mut slugs: Vec<String> = Vec::new();
            for n in list {
                let name = aliases
                    .get(&n.to_lowercase())
                    .map_or(n, |c| *c)
                    .trim()
                    .to_string();
                let slug = slugify(&name);
                count(&mut spellings, &mut slugs, name, slug);
            }
            slugs
        })
        .collect();
    let rank: BTreeMap<String, usize> = order
        .iter()
        .enumerate()
        .map(|(i, n)| (slugify(n), i))
        .collect();
    let mut groups: Vec<Tag> = spellings
        .into_iter()
        .map(|(slug, names)| {
            // A listed name is spelled as site.yaml spells it.
            let listed = order.iter().find(|n| slugify(n) == slug).cloned();
            let name = listed.unwrap_or_else(|| most_used(&names, &slug));
            Tag {
                name,
                slug,
                entries: Vec::new(),
            }
        })
        .collect();
    groups.sort_by_key(|g| {
        (
            rank.get(&g.slug).copied().unwrap_or(usize::MAX),
            g.slug.clone(),
        )
    });
    let per_article = assign(&mut groups, per_article);
    (groups, per_article)
}

/// Counts one use of `name` under `slug` and lists the slug once for its article; an
/// empty slug (a name of punctuation only) is no group.
fn count(
    spellings: &mut BTreeMap<String, BTreeMap<String, usize>>,
    slugs: &mut Vec<String>,
    name: String,
    slug: String,
) {
    if slug.is_empty() {
        return;
    }
    *spellings
        .entry(slug.clone())
        .or_default()
        .entry(name)
        .or_default() += 1;
    if !slugs.contains(&slug) {
        slugs.push(slug);
    }
}

/// A group's display name: its most used spelling, ties broken alphabetically.
fn most_used(names: &BTreeMap<String, usize>, slug: &str) -> String {
    names
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map_or_else(|| slug.to_string(), |(n, _)| n.clone())
}

/// Each article's slugs → its group indices, filling the groups' entry lists.
fn assign(groups: &mut [Tag], per_article: Vec<Vec<String>>) -> Vec<Vec<usize>> {
    let position: BTreeMap<String, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, t)| (t.slug.clone(), i))
        .collect();
    per_article
        .into_iter()
        .enumerate()
        .map(|(i, slugs)| {
            slugs
                .iter()
                .filter_map(|s| position.get(s).copied())
                .inspect(|&g| groups[g].entries.push(i))
                .collect()
        })
        .collect()
}
