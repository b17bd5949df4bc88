//! Markdown → HTML → sanitiser on arbitrary bodies. Beyond "no panic", the
//! sanitised HTML must hold no script element, no event-handler attribute and no
//! `javascript:` URL.
//!
//! The checks read the markup, not the raw string: ammonia escapes `<` in text
//! but not inside quoted attribute values, so `title="<script>"`, a paragraph
//! saying "onerror=" or a link text "javascript:" are legitimate output.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// URL-bearing attributes whose value a browser may navigate to or load.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "poster",
    "srcset",
    "data",
    "background",
    "longdesc",
    "xlink:href",
    "ping",
    "manifest",
];

fn decode_entities(v: &str) -> String {
    // ammonia's serialiser only writes &amp; &quot; &nbsp; &lt; &gt; in values;
    // numeric references are decoded too in case that ever changes.
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            match ent {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some('\u{a0}'),
                "colon" => Some(':'),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
            .map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a browser would see as the URL's scheme: controls and whitespace dropped.
fn is_javascript_url(value: &str) -> bool {
    let squeezed: String = decode_entities(value)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    squeezed.starts_with("javascript:")
        || squeezed.starts_with("vbscript:")
        || squeezed.starts_with("data:text/html")
}

/// Walks serialised HTML (as html5ever writes it: text with `<` escaped, every
/// attribute value double-quoted with `"` escaped) and checks each tag.
fn check(html: &str, input: &str) {
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with("!--") {
            // Comments: ammonia drops them; if one ever appears, skip it whole.
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        let name_end = html[i..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .map_or(html.len(), |e| i + e);
        let name = html[i..name_end].to_ascii_lowercase();
        let name = name.trim_start_matches('/');
        assert!(
            !matches!(
                name,
                "script"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "svg"
                    | "math"
                    | "style"
                    | "base"
                    | "meta"
                    | "form"
            ),
            "<{name}> survived\ninput: {input:?}\noutput: {html}"
        );
        // Attributes up to the closing '>'.
        let mut j = name_end;
        loop {
            while j < bytes.len() && (bytes[j] as char).is_whitespace()
                || bytes.get(j) == Some(&b'/')
            {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let an_end = html[j..]
                .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                .map_or(html.len(), |e| j + e);
            let attr = html[j..an_end].to_ascii_lowercase();
            assert!(
                !attr.starts_with("on"),
                "event handler {attr} survived on <{name}>\ninput: {input:?}\noutput: {html}"
            );
            assert!(
                attr != "style" && attr != "srcdoc",
                "{attr} survived\noutput: {html}"
            );
            j = an_end;
            if bytes.get(j) == Some(&b'=') {
                assert_eq!(bytes.get(j + 1), Some(&b'"'), "unquoted value in {html}");
                let v_start = j + 2;
                let v_end = html[v_start..]
                    .find('"')
                    .map(|e| v_start + e)
                    .unwrap_or_else(|| panic!("unterminated attribute in {html}"));
                let value = &html[v_start..v_end];
                if URL_ATTRS.contains(&attr.as_str()) {
                    assert!(
                        !is_javascript_url(value),
                        "{attr}={value:?} survived on <{name}>\ninput: {input:?}\noutput: {html}"
                    );
                }
                j = v_end + 1;
            }
        }
        i = j.min(html.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(r) = kabar::internals::markdown(body) else {
        return;
    };
    check(&r.html, body);
});
