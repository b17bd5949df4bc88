//! Markdown: an article body → sanitised HTML, plain text, first paragraph and links.

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use super::{highlight, sanitize};

/// Deeper nesting is refused: the HTML sanitiser is quadratic in depth, and no
/// real article nests a hundred quotes or lists.
pub const MAX_NESTING: usize = 100;

#[derive(Debug, Default, Clone)]
pub struct Body {
    pub html: String,
    /// Body text without markup, for search, related stories and word counts.
    pub text: String,
    pub first_paragraph: String,
    pub word_count: usize,
    /// Link targets with their byte offsets in the body, for link checking.
    pub links: Vec<(String, usize)>,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `body`; on refusal returns the byte offset and the reason.
pub fn render(body: &str) -> Result<Body, (usize, String)> {
    let mut out = Body::default();
    let mut events: Vec<Event> = Vec::new();
    let mut depth = 0usize;
    let mut raw_depth = 0usize;
    let mut code: Option<(String, String)> = None;
    let mut heading: Option<usize> = None;
    let mut ids = HashSet::new();
    let mut para_depth: Option<usize> = None;
    let mut first_done = false;

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match &event {
            Event::Start(_) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err((
                        range.start,
                        format!("Markdown nested more than {MAX_NESTING} levels deep"),
                    ));
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(h) | Event::InlineHtml(h) => {
                raw_depth = raw_html_depth(h, raw_depth);
                if raw_depth > MAX_NESTING {
                    return Err((
                        range.start,
                        format!("raw HTML nested more than {MAX_NESTING} levels deep"),
                    ));
                }
            }
            _ => {}
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => highlight::language(&info),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Text(t) if code.is_some() => {
                if let Some((_, buf)) = code.as_mut() {
                    buf.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, buf)) = code.take() {
                    events.push(Event::Html(highlight::highlight(&buf, &lang).into()));
                }
            }
            Event::Start(Tag::Heading { .. }) => {
                heading = Some(events.len());
                events.push(event);
            }
            Event::End(TagEnd::Heading(level)) => {
                // The id comes from the heading's text, known only at its end.
                if let Some(at) = heading.take() {
                    let text = plain(&events[at + 1..]);
                    if let Event::Start(Tag::Heading {
                        id, classes, attrs, ..
                    }) = &mut events[at]
                    {
                        let id = id
                            .take()
                            .unwrap_or_else(|| CowStr::from(unique_id(&text, &mut ids)));
                        events[at] = Event::Start(Tag::Heading {
                            level,
                            id: Some(id),
                            classes: std::mem::take(classes),
                            attrs: std::mem::take(attrs),
                        });
                    }
                    out.text.push_str(&text);
                    out.text.push('\n');
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Paragraph) => {
                if !first_done && para_depth.is_none() && depth == 1 {
                    para_depth = Some(out.text.len());
                }
                events.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(start) = para_depth.take() {
                    out.first_paragraph = out.text[start..].trim().to_string();
                    first_done = !out.first_paragraph.is_empty();
                }
                out.text.push('\n');
                events.push(Event::End(TagEnd::Paragraph));
            }
            Event::Start(Tag::Link { ref dest_url, .. } | Tag::Image { ref dest_url, .. }) => {
                out.links.push((dest_url.to_string(), range.start));
                events.push(event);
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if heading.is_none() {
                    out.text.push_str(t);
                }
                events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                out.text.push(' ');
                events.push(event);
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    out.html = sanitize::clean(&html);
    out.word_count = out.text.split_whitespace().count();
    Ok(out)
}

fn plain(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        if let Event::Text(t) | Event::Code(t) = e {
            s.push_str(t);
        }
    }
    s
}

fn unique_id(text: &str, seen: &mut HashSet<String>) -> String {
    let base = match super::slug::slugify(text) {
        s if s.is_empty() => "section".to_string(),
        s => s,
    };
    let mut id = base.clone();
    let mut n = 1;
    while !seen.insert(id.clone()) {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// Tracks element depth across raw HTML fragments (open tags minus closing tags).
fn raw_html_depth(html: &str, mut depth: usize) -> usize {
    const VOID: &[&str] = &[
        "br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source",
        "track", "wbr",
    ];
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(pos) = html[i..].find('<') {
        let start = i + pos + 1;
        i = start;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = if closing { start + 1 } else { start };
        let name: String = html[name_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || VOID.contains(&name.as_str()) {
            continue;
        }
        let self_closing = html[name_start..]
            .find('>')
            .is_some_and(|e| html[name_start..name_start + e].ends_with('/'));
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_ids_and_first_paragraph_is_found() {
        let r = render("## Latar\n\nPertama *sekali*.\n\nKedua.\n\n## Latar\n").expect("render");
        assert!(
            r.html.contains(r#"<h2 id="latar">Latar</h2>"#),
            "{}",
            r.html
        );
        assert!(r.html.contains(r#"<h2 id="latar-2">"#), "{}", r.html);
        assert_eq!(r.first_paragraph, "Pertama sekali.");
        assert_eq!(r.word_count, 5);
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let quotes = ">".repeat(100_000);
        assert!(render(&quotes).is_err());
        let divs = "<div>".repeat(200_000);
        assert!(render(&divs).is_err());
    }

    #[test]
    fn code_blocks_are_highlighted() {
        let r = render("```rust\nfn main() {}\n```\n").expect("render");
        assert!(r.html.contains("hl-"), "{}", r.html);
    }
}
