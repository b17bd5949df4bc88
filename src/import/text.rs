//! text: plain text copied from a news page → [`Extracted`] (headline, dek,
//! byline, date, body, …). Every line is classified, the header (banner,
//! headline, dek, byline, date, photo widget), the body and the footer are
//! found, and the body goes to the shared cleaner.

use super::Extracted;
use super::ImportOptions;
use super::classify::{self, Class, ClassifyState};
use super::clean::{self, Block, BlockKind, Meta};
use super::rules;

/// How many leading lines may hold the header.
const HEADER_WINDOW: usize = 40;

pub(crate) fn extract(input: &str, opts: &ImportOptions) -> Extracted {
    let site = rules::site_for(opts.url.as_deref(), input);
    let mut lines: Vec<(String, bool)> = Vec::new();
    let mut blank = false;
    for raw in input.lines() {
        let l =
            classify::collapse_ws(raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'));
        if l.is_empty() {
            blank = true;
            continue;
        }
        lines.push((l, blank));
        blank = false;
    }
    join_lone_datelines(&mut lines);
    let has_blank_lines = lines.iter().any(|(_, b)| *b);
    let mut st = ClassifyState::default();
    let blocks: Vec<Block> = lines
        .into_iter()
        .map(|(l, blank_before)| {
            let contiguous = !blank_before || !has_blank_lines;
            let class = classify::classify(&l, &mut st, contiguous, site, &opts.timezone);
            Block {
                kind: BlockKind::Para,
                md: l.clone(),
                plain: l,
                link_ratio: 0.0,
                class,
                blank_before,
            }
        })
        .collect();

    let body_start = find_body_start(&blocks);
    let header = &blocks[..body_start];
    let mut meta = Meta::default();
    for b in header {
        meta.record(&b.class);
    }
    let (title, summary, banner) = find_title(header);
    let footer = clean::footer_start(&blocks, body_start);
    let body_md = clean::clean(&blocks[body_start..footer], &mut meta, true);
    for b in &blocks[footer..] {
        meta.record(&b.class);
    }

    let mut authors = meta.authors;
    if authors.is_empty() {
        authors = meta.report_authors;
    }
    let source_name = site.map(|s| s.name.clone()).or(meta.agency).or(banner);
    Extracted {
        title,
        summary,
        authors,
        editor: meta.editor.or(meta.report_editor),
        date: meta.date,
        updated: None,
        tags: Vec::new(),
        section: None,
        source_name,
        url: None,
        dateline: meta.dateline,
        image_src: None,
        image_alt: None,
        image_caption: meta.caption,
        image_credit: meta.credit,
        body: body_md,
    }
}

/// A dateline on a line of its own ("Kupang -") opens the paragraph after it.
fn join_lone_datelines(lines: &mut Vec<(String, bool)>) {
    let mut i = 0;
    while i + 1 < lines.len() {
        if let Some(d) = classify::lone_dateline(&lines[i].0)
            && classify::is_paragraph(&lines[i + 1].0)
        {
            let joined = format!("{d} {}", lines[i + 1].0);
            lines[i + 1].0 = joined;
            lines[i + 1].1 = lines[i].1;
            lines.remove(i);
        }
        i += 1;
    }
}

fn is_header_meta(c: &Class) -> bool {
    matches!(
        c,
        Class::Byline(_)
            | Class::Editor(_)
            | Class::Report { .. }
            | Class::Date(_)
            | Class::PhotoMarker
            | Class::Credit(_)
            | Class::Caption { .. }
    )
}

/// The index of the first body line.
fn find_body_start(blocks: &[Block]) -> usize {
    let window = blocks.len().min(HEADER_WINDOW);
    // 1. A dateline opens the body.
    if let Some(i) = blocks[..window].iter().position(|b| {
        b.class == Class::Text
            && classify::is_dateline_start(&b.plain)
            && classify::is_paragraph(&b.plain)
    }) {
        return i;
    }
    // 2. After the last header meta line that comes before the second
    //    paragraph (the first may be the dek).
    let paras: Vec<usize> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.class == Class::Text && classify::is_paragraph(&b.plain))
        .map(|(i, _)| i)
        .collect();
    let limit = paras.get(1).copied().unwrap_or(blocks.len()).min(window);
    if let Some(m) = blocks[..limit]
        .iter()
        .rposition(|b| is_header_meta(&b.class))
    {
        return m + 1;
    }
    // 3. The first paragraph.
    paras.first().copied().unwrap_or(0)
}

fn title_like(s: &str) -> bool {
    let w = classify::word_count(s);
    (3..=30).contains(&w) && !s.trim_end().ends_with(['.', ',', ';', ':'])
}

/// Headline, dek and banner from the header lines.
fn find_title(header: &[Block]) -> (Option<String>, Option<String>, Option<String>) {
    let cands: Vec<(usize, &str)> = header
        .iter()
        .enumerate()
        .filter(|(_, b)| b.class == Class::Text)
        .map(|(i, b)| (i, b.plain.as_str()))
        .collect();
    let first_meta = header
        .iter()
        .position(|b| is_header_meta(&b.class))
        .unwrap_or(header.len());
    let dek_pos = cands.iter().position(|(_, s)| {
        classify::ends_sentence(s) && classify::word_count(s) >= 6 && !title_like(s)
    });
    let title_pos = match dek_pos {
        Some(d) => cands[..d].iter().rposition(|(_, s)| title_like(s)),
        None => None,
    }
    .or_else(|| {
        cands
            .iter()
            .rposition(|(i, s)| *i < first_meta && title_like(s))
    })
    .or_else(|| cands.iter().rposition(|(_, s)| title_like(s)));
    let title = title_pos.map(|p| cands[p].1.to_string());
    let summary = match (dek_pos, title_pos) {
        (Some(d), Some(t)) if d > t => Some(cands[d].1.to_string()),
        _ => None,
    };
    let banner = title_pos.and_then(|t| {
        cands[..t]
            .iter()
            .find(|(_, s)| classify::word_count(s) <= 3 && !classify::ends_sentence(s))
            .map(|(_, s)| s.to_string())
    });
    (title, summary, banner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal() {
        let opts = ImportOptions::default();
        let ex = extract(
            "Portal\n\nHarga Cabai Naik Tajam di Pasar Induk\n\nPenulis: Rina Sari\nSelasa, 18 Juni 2024 09:00 WIB\n\nJAKARTA, PORTAL.com - Harga cabai rawit di pasar induk naik tajam sepanjang pekan ini menurut para pedagang.\n\nBaca juga: Harga Bawang Turun\n\nPedagang berharap pasokan dari daerah segera pulih agar harga kembali normal.\n",
            &opts,
        );
        assert_eq!(
            ex.title.as_deref(),
            Some("Harga Cabai Naik Tajam di Pasar Induk")
        );
        assert_eq!(ex.authors, vec!["Rina Sari".to_string()]);
        assert_eq!(ex.dateline.as_deref(), Some("JAKARTA"));
        assert!(ex.body.starts_with("Harga cabai rawit"), "{}", ex.body);
        assert!(!ex.body.contains("Baca juga"));
        assert!(ex.date.is_some());
    }
}
