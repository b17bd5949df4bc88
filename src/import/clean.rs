//! clean: classified blocks (from the text or the HTML reader) → the body
//! Markdown, with promos, chrome, photo widgets and meta lines dropped and what
//! the meta lines said recorded in [`Meta`].

use jiff::ZonedDateTime as Zoned;

use super::classify::{
    Class, agency_name, ends_sentence, is_headline_like, is_paragraph, is_subheading,
    parse_dateline, word_count,
};

/// What kind of Markdown block a line or element became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Para,
    Heading(u8),
    List,
    Quote,
    Code,
    Table,
    /// `![alt](src)`, maybe with its caption on the next line; its plain text
    /// is the caption, or else the alt text.
    Image,
}

/// One block of the article: its Markdown, its plain text and its class.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub kind: BlockKind,
    pub md: String,
    pub plain: String,
    /// Share of the plain text that sits inside links (HTML only).
    pub link_ratio: f32,
    pub class: Class,
    /// Whether a blank line came before this line (text only).
    pub blank_before: bool,
}

/// Metadata gathered while reading lines.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    pub authors: Vec<String>,
    pub editor: Option<String>,
    pub report_authors: Vec<String>,
    pub report_editor: Option<String>,
    pub date: Option<Zoned>,
    pub dateline: Option<String>,
    pub agency: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

impl Meta {
    /// Records what a classified line tells.
    pub fn record(&mut self, class: &Class) {
        match class {
            Class::Byline(names) if self.authors.is_empty() => self.authors = names.clone(),
            Class::Editor(e) if self.editor.is_none() => self.editor = Some(e.clone()),
            Class::Report { authors, editor } => {
                if self.report_authors.is_empty() {
                    self.report_authors = authors.clone();
                }
                if self.report_editor.is_none() {
                    self.report_editor = editor.clone();
                }
            }
            Class::Date(d) if self.date.is_none() => self.date = Some(d.clone()),
            // A later line with the time of day beats a bare date for the same day.
            Class::Date(d)
                if self.date.as_ref().is_some_and(|o| {
                    o.date() == d.date() && o.time() == jiff::civil::Time::midnight()
                }) =>
            {
                self.date = Some(d.clone());
            }
            Class::Credit(c) if self.credit.is_none() => self.credit = Some(c.clone()),
            Class::Caption { caption, credit } if self.caption.is_none() => {
                self.caption = Some(caption.clone());
                if self.credit.is_none() {
                    self.credit = credit.clone();
                }
            }
            _ => {}
        }
    }
}

/// Where the footer starts among `blocks` (from `from` on): the first footer
/// marker near the end, moved back over the short chrome lines just before it.
pub(crate) fn footer_start(blocks: &[Block], from: usize) -> usize {
    let end = teaser_grid_start(blocks, from).unwrap_or(blocks.len());
    let blocks = &blocks[..end];
    // A copyright line is also how photo credits start ("© Agency"): a marker
    // with more prose after it than a third of the prose before it is inside
    // the article, not its footer.
    let prose = |b: &Block| {
        // Characters, not words: CJK text has no spaces between words.
        let chars = b.plain.chars().count();
        if b.class == Class::Text && (is_paragraph(&b.plain) || chars >= 80) {
            chars
        } else {
            0
        }
    };
    let mut after: usize = blocks.iter().skip(from).map(prose).sum();
    let mut before = 0;
    let mut found = None;
    for (i, b) in blocks.iter().enumerate().skip(from) {
        let p = prose(b);
        after -= p;
        if b.class == Class::Footer && after * 3 <= before {
            found = Some(i);
            break;
        }
        before += p;
    }
    let Some(mut f) = found else {
        return blocks.len();
    };
    while f > from {
        let b = &blocks[f - 1];
        let chrome = matches!(b.class, Class::Chrome | Class::Promo | Class::PromoHeader)
            || (b.class == Class::Text
                && b.kind == BlockKind::Para
                && word_count(&b.plain) <= 6
                && !ends_sentence(&b.plain));
        if !chrome {
            break;
        }
        f -= 1;
    }
    f
}

/// Where a grid of teasers for other stories starts: shouted kickers
/// ("'A NATIONAL TRAGEDY'", "LIFE AFTER X") each followed by a heading, with
/// no more text after the first than before it.
fn teaser_grid_start(blocks: &[Block], from: usize) -> Option<usize> {
    let shouted = |s: &str| {
        let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase()) && word_count(s) <= 8
    };
    let kickers: Vec<usize> = (from..blocks.len().saturating_sub(1))
        .filter(|&i| {
            blocks[i].kind == BlockKind::Para
                && shouted(&blocks[i].plain)
                && matches!(blocks[i + 1].kind, BlockKind::Heading(_))
        })
        .collect();
    let chars = |bs: &[Block]| bs.iter().map(|b| b.plain.chars().count()).sum::<usize>();
    // A grid is three or more kickers a few blocks apart (kicker, heading,
    // dek); an article's own section kickers stand alone.
    let mut run_start = 0;
    for w in 1..=kickers.len() {
        let run_ends = w == kickers.len() || kickers[w] - kickers[w - 1] > 4;
        if run_ends {
            let first = kickers[run_start];
            if w - run_start >= 3 && chars(&blocks[first..]) <= chars(&blocks[from..first]) {
                return Some(first);
            }
            run_start = w;
        }
    }
    None
}

/// Cleans the body blocks: drops promos (and the headline lists after promo
/// headers), chrome, photo widgets, meta lines (recording them in `meta`),
/// strips the dateline from the first paragraph, and, for plain text
/// (`promote`), turns short unpunctuated lines into `##` subheadings.
pub(crate) fn clean(blocks: &[Block], meta: &mut Meta, promote: bool) -> String {
    let mut kept: Vec<(BlockKind, String, String)> = Vec::new();
    let mut skipping_list = false;
    let mut first_para = true;
    let mut seen = std::collections::HashSet::new();
    for b in blocks {
        meta.record(&b.class);
        if skipping_list {
            let headline = match b.kind {
                // A linked teaser is a headline whatever its punctuation.
                BlockKind::Para | BlockKind::Heading(_) => {
                    is_headline_like(&b.plain) && (!is_paragraph(&b.plain) || b.link_ratio > 0.5)
                }
                BlockKind::List => b.link_ratio > 0.5,
                _ => false,
            };
            if headline && !(b.class == Class::Text && b.blank_before && promote) {
                continue;
            }
            skipping_list = false;
        }
        match b.class {
            Class::PromoHeader => {
                skipping_list = true;
                continue;
            }
            Class::Text => {}
            _ => continue,
        }
        if b.kind == BlockKind::List && b.link_ratio > 0.8 {
            continue;
        }
        // Galleries and sticky headers repeat captions and teasers word for word.
        if b.plain.chars().count() >= 20 && !seen.insert(b.plain.as_str()) {
            continue;
        }
        let mut md = b.md.clone();
        let mut plain = b.plain.clone();
        if first_para && b.kind == BlockKind::Para {
            first_para = false;
            if let Some(d) = parse_dateline(&plain) {
                if meta.dateline.is_none() {
                    meta.dateline = d.city.clone();
                }
                if meta.agency.is_none() {
                    meta.agency = d.agency.clone().map(|a| agency_name(&a));
                }
                if let Some(md_d) = parse_dateline(&md) {
                    md = md_d.rest;
                } else {
                    md = d.rest.clone();
                }
                plain = d.rest;
            }
        }
        kept.push((b.kind, md, plain));
    }
    // Drop trailing short lines (chrome that survived), then promote.
    while let Some((k, _, p)) = kept.last() {
        if *k == BlockKind::Para
            && !is_paragraph(p)
            && word_count(p) <= 8
            && p.chars().count() < 80
            && !ends_sentence(p)
        {
            kept.pop();
        } else {
            break;
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(kept.len());
    for i in 0..kept.len() {
        let (k, md, p) = &kept[i];
        let next_is_para = kept
            .get(i + 1)
            .is_some_and(|(nk, _, np)| *nk == BlockKind::Para && is_paragraph(np));
        if promote
            && *k == BlockKind::Para
            && i > 0
            && next_is_para
            && is_subheading(p)
            && !is_paragraph(p)
        {
            out.push(format!("## {}", md.trim()));
        } else {
            out.push(md.trim().to_string());
        }
    }
    let mut s = out
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(kind: BlockKind, text: &str) -> Block {
        Block {
            kind,
            md: text.to_string(),
            plain: text.to_string(),
            link_ratio: 0.0,
            class: Class::Text,
            blank_before: true,
        }
    }

    fn para(text: &str) -> Block {
        block(BlockKind::Para, text)
    }

    const PROSE: &str = "The council said the drainage channels along the embankment would be inspected this week, after residents complained that debris had blocked them.";

    #[test]
    fn a_teaser_grid_after_the_article_is_cut() {
        let mut blocks = vec![para(PROSE), para(PROSE), para(PROSE), para(PROSE)];
        for (kicker, head) in [
            ("STORM WATCH", "Rain Record Broken"),
            ("'NOT AGAIN'", "Drains To Get Upgrade"),
            ("CITY HALL", "Budget Vote Delayed"),
        ] {
            blocks.push(para(kicker));
            blocks.push(block(BlockKind::Heading(2), head));
            blocks.push(para("A short teaser line for another story."));
        }
        assert_eq!(footer_start(&blocks, 0), 4);
    }

    #[test]
    fn an_article_s_own_kicker_is_not_a_grid() {
        let blocks = vec![
            para(PROSE),
            para("TL;DR"),
            block(BlockKind::Heading(2), "What The Council Decided"),
            para(PROSE),
            para(PROSE),
        ];
        assert_eq!(footer_start(&blocks, 0), blocks.len());
    }

    #[test]
    fn a_copyright_credit_inside_the_article_is_not_its_footer() {
        let mut credit = para("© Harbour Wire");
        credit.class = Class::Footer;
        let mut end = para("© 2024 Eastside Courier");
        end.class = Class::Footer;
        let blocks = vec![para(PROSE), credit, para(PROSE), para(PROSE), end];
        assert_eq!(footer_start(&blocks, 0), 4);
    }
}
