//! Tags: articles' tag names → canonical tags (aliases merged, one slug each) and each article's tag list.

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
            if slug.is_empty() {
                continue;
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
        per_article.push(slugs);
    }
    let mut tags: Vec<Tag> = spellings
        .into_iter()
        .map(|(slug, names)| {
            let name = names
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| slug.clone());
            Tag {
                name,
                slug,
                entries: Vec::new(),
            }
        })
        .collect();
    let position: BTreeMap<String, usize> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.slug.clone(), i))
        .collect();
    let article_tags: Vec<Vec<usize>> = per_article
        .into_iter()
        .enumerate()
        .map(|(i, slugs)| {
            slugs
                .iter()
                .filter_map(|s| position.get(s).copied())
                .inspect(|&t| tags[t].entries.push(i))
                .collect()
        })
        .collect();
    (tags, article_tags)
}
