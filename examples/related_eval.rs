//! Related-stories evaluation: recall@5 of same-story siblings with `story:` hidden
//! from the engine, against a plain TF-IDF baseline, plus the time of the related step.
//!
//!     cargo run --release --example related_eval -- target/bench/3000
//!
//! The corpus must carry `story:` (bench/gen_corpus.py without --hide-story): it is
//! read as ground truth and cleared before the engine sees the articles.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use kabar::Config;
use kabar::internals::{
    Article, Corpus, IndexOptions, Weights, index as build, related_with, tags,
};

fn main() {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/bench/3000".into()),
    );
    let config = Config::load(&root).unwrap_or_default();
    let parsed = kabar::internals::parse(
        kabar::internals::load(&root, "content"),
        &config,
        Some(kabar::internals::Lean::Digest(
            kabar::internals::search_digest,
        )),
    );
    let mut articles = parsed.articles;
    let truth: BTreeMap<String, String> = articles
        .iter()
        .filter_map(|a| Some((a.slug.clone(), a.story.clone()?)))
        .collect();
    for a in &mut articles {
        a.story = None;
    }
    let opts = IndexOptions {
        future: true,
        ..Default::default()
    };
    let articles = articles.into_iter().map(std::sync::Arc::new).collect();
    let index = build(articles, &config, &opts, None);
    let articles: Vec<&Article> = index.entries.iter().map(|e| e.article.as_ref()).collect();
    let (tag_list, article_tags) = tags::collect(&articles, &config);

    println!(
        "{} articles, {} with same-story siblings",
        articles.len(),
        count_with_siblings(&articles, &truth)
    );
    // KABAR_WEIGHTS="text,tags,decay_days,floor" tries other blends (a tuning aid).
    let mut tuned = Weights::default();
    if let Ok(w) = std::env::var("KABAR_WEIGHTS") {
        let v: Vec<f32> = w.split(',').filter_map(|x| x.parse().ok()).collect();
        if let [text, tags, days, floor] = v[..] {
            tuned = Weights {
                text,
                tags,
                decay_days: Some(f64::from(days)),
                decay_floor: floor,
                ..tuned
            };
        }
    }
    // KABAR_MIN_SCORE=0.1 tries another floor under which no link is shown.
    if let Some(m) = std::env::var("KABAR_MIN_SCORE")
        .ok()
        .and_then(|m| m.parse().ok())
    {
        tuned.min_score = m;
    }
    // KABAR_MIN_SHARE=0.3 tries a floor relative to each article's best match.
    if let Some(m) = std::env::var("KABAR_MIN_SHARE")
        .ok()
        .and_then(|m| m.parse().ok())
    {
        tuned.min_share = m;
    }
    for (name, weights) in [
        ("kabar (text+tags+time)", tuned),
        ("plain TF-IDF baseline", Weights::text_only()),
    ] {
        let mut times = Vec::new();
        let mut links = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            links = related_with(
                Corpus::new(&articles, &article_tags, tag_list.len()),
                5,
                &weights,
            )
            .related;
            times.push(started.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let shown = links.iter().map(Vec::len).sum::<usize>() as f64 / links.len().max(1) as f64;
        println!(
            "{name:<26} recall@5 {:.3}   links per article {shown:.2}   related step median {:.3}s",
            recall_at_5(&articles, &links, &truth),
            times[1]
        );
    }
}

fn count_with_siblings(articles: &[&Article], truth: &BTreeMap<String, String>) -> usize {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for a in articles {
        if let Some(s) = truth.get(&a.slug) {
            *sizes.entry(s).or_default() += 1;
        }
    }
    articles
        .iter()
        .filter(|a| truth.get(&a.slug).is_some_and(|s| sizes[s.as_str()] > 1))
        .count()
}

/// Share of each article's siblings found among its five links (at most five can be).
fn recall_at_5(
    articles: &[&Article],
    links: &[Vec<usize>],
    truth: &BTreeMap<String, String>,
) -> f64 {
    let mut by_story: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        if let Some(s) = truth.get(&a.slug) {
            by_story.entry(s).or_default().push(i);
        }
    }
    let (mut sum, mut n) = (0.0, 0usize);
    for (i, a) in articles.iter().enumerate() {
        let Some(members) = truth.get(&a.slug).and_then(|s| by_story.get(s.as_str())) else {
            continue;
        };
        let sibs: Vec<usize> = members.iter().copied().filter(|&j| j != i).collect();
        if sibs.is_empty() {
            continue;
        }
        let found = links[i].iter().filter(|j| sibs.contains(j)).count();
        if std::env::var_os("KABAR_EVAL_MISSES").is_some() && found < sibs.len().min(5) {
            let name = |j: &usize| {
                format!(
                    "{} [{}]",
                    articles[*j].slug,
                    truth.get(&articles[*j].slug).map_or("-", |s| s.as_str())
                )
            };
            println!(
                "MISS {}\n  siblings: {:?}\n  links:    {:?}",
                name(&i),
                sibs.iter().map(name).collect::<Vec<_>>(),
                links[i].iter().map(name).collect::<Vec<_>>()
            );
        }
        sum += found as f64 / sibs.len().min(5) as f64;
        n += 1;
    }
    sum / n.max(1) as f64
}
