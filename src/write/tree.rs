//! Write, record: the files a build emitted (path, bytes) → the manifest of the published
//! tree (path → MD5, size, content type), kept beside the output as `.NAME.kabar-tree`.
//!
//! `kabar deploy` sends what differs between this manifest and the target's copy of the
//! last one, so the manifest never reads the tree back: each file is hashed as it is
//! emitted. MD5 because it is what S3 reports as the ETag of a single-request upload, so
//! a bucket listing can be checked against the manifest without downloading anything.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use md5::Digest as _;

use super::claim::Identity;

const TREE_MARK: &str = ".kabar-tree";
const HEADER: &str = "kabar tree 1";

/// One published file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub md5: [u8; 16],
    pub size: u64,
}

impl Entry {
    pub fn of(bytes: &[u8]) -> Entry {
        Entry {
            md5: md5::Md5::digest(bytes).into(),
            size: bytes.len() as u64,
        }
    }

    pub fn md5_hex(&self) -> String {
        let mut s = String::with_capacity(32);
        self.push_md5_hex(&mut s);
        s
    }

    fn push_md5_hex(&self, s: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for b in self.md5 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Every file of a published tree, by `/`-separated path under its root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    pub files: BTreeMap<String, Entry>,
    /// The output folder the files were written into (device, inode, birth), so a
    /// manifest left by a build killed before it was rewritten is never taken for the
    /// folder now in place. Empty for a deploy target's copy.
    pub(super) output: String,
}

/// How a new tree differs from the previous one, in files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

impl Tree {
    pub fn new(files: BTreeMap<String, Entry>) -> Tree {
        Tree {
            files,
            output: String::new(),
        }
    }

    /// A hash of every file's path, MD5 and size: equal for two builds that published the
    /// same bytes, so the build cache can tell whether it describes the files in place.
    pub fn checksum(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        for (rel, e) in &self.files {
            (rel, e.md5, e.size).hash(&mut h);
        }
        h.finish()
    }

    /// Removes the manifest beside `out` (before `out` is changed in place: without a
    /// manifest that describes it, the next build and deploy trust nothing about it).
    pub fn forget(out: &Path) -> io::Result<()> {
        match std::fs::remove_file(path(out)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub fn of_folder(files: BTreeMap<String, Entry>, folder: &Path) -> io::Result<Tree> {
        Ok(Tree {
            files,
            output: Identity::of(folder)?.fields(),
        })
    }

    /// The manifest of the last build into `out`, if there is one and it can be read.
    pub fn read(out: &Path) -> Option<Tree> {
        Tree::parse(&std::fs::read_to_string(path(out)).ok()?)
    }

    /// Whether this manifest was written for the folder now at `out` (not for one a
    /// later, killed build put there, nor for a folder made again by hand).
    pub fn describes(&self, out: &Path) -> bool {
        !self.output.is_empty() && Identity::of(out).is_ok_and(|id| id.fields() == self.output)
    }

    /// Replaces the manifest beside `out` in one rename.
    pub fn write(&self, out: &Path) -> io::Result<()> {
        let path = path(out);
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".{}", std::process::id()));
        // Streamed: at 100 000 articles the text is 17 MB, which a build's peak memory
        // need not hold.
        let mut file = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        self.write_text(&mut file)?;
        file.into_inner().map_err(io::IntoInnerError::into_error)?;
        std::fs::rename(&tmp, &path)
    }

    /// One line per file, sorted by path: `md5 TAB size TAB content type TAB path`.
    pub fn to_text(&self) -> io::Result<String> {
        let mut text = Vec::with_capacity(self.files.len() * 100);
        self.write_text(&mut text)?;
        String::from_utf8(text).map_err(io::Error::other)
    }

    fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "{HEADER}\noutput\t{}", self.output)?;
        let mut line = String::new();
        for (rel, e) in &self.files {
            if rel.contains(['\n', '\r']) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("cannot record a file name with a line break: {rel:?}"),
                ));
            }
            line.clear();
            e.push_md5_hex(&mut line);
            let _ = write!(line, "\t{}\t", e.size);
            for part in [content_type(rel), "\t", rel, "\n"] {
                line.push_str(part);
            }
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    /// A manifest in the form `to_text` writes; anything else is `None`, never trusted.
    pub fn parse(text: &str) -> Option<Tree> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let output = lines.next()?.strip_prefix("output\t")?.to_string();
        let mut files = Vec::new();
        for line in lines {
            let mut fields = line.splitn(4, '\t');
            let (hex, size, _, rel) = (
                fields.next()?,
                fields.next()?,
                fields.next()?,
                fields.next()?,
            );
            let entry = Entry {
                md5: parse_md5(hex)?,
                size: size.parse().ok()?,
            };
            if rel.is_empty() {
                return None;
            }
            files.push((rel.to_string(), entry));
        }
        // Written sorted; sorted again (a no-op then) only to find a path listed twice.
        files.sort_by(|a, b| a.0.cmp(&b.0));
        if files.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        Some(Tree {
            files: files.into_iter().collect(),
            output,
        })
    }

    pub fn changes(&self, previous: Option<&Tree>) -> Changes {
        let empty = BTreeMap::new();
        let before = previous.map_or(&empty, |p| &p.files);
        let mut c = Changes::default();
        for (_, old, new) in merged(before, &self.files) {
            match (old, new) {
                (Some(_), None) => c.removed += 1,
                (None, Some(_)) => c.added += 1,
                (Some(old), Some(new)) if old != new => c.changed += 1,
                _ => {}
            }
        }
        c
    }
}

/// Two maps walked together in key order: each key with its value in `a` and in `b`.
/// Both are sorted, so this is one pass where lookups would compare paths again and again.
pub fn merged<'a, V>(
    a: &'a BTreeMap<String, V>,
    b: &'a BTreeMap<String, V>,
) -> impl Iterator<Item = (&'a str, Option<&'a V>, Option<&'a V>)> + 'a {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    std::iter::from_fn(move || {
        let order = match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((x, _)), Some((y, _))) => x.cmp(y),
        };
        Some(match order {
            Ordering::Less => a.next().map(|(k, v)| (k.as_str(), Some(v), None))?,
            Ordering::Greater => b.next().map(|(k, v)| (k.as_str(), None, Some(v)))?,
            Ordering::Equal => {
                let (k, v) = a.next()?;
                (k.as_str(), Some(v), b.next().map(|p| p.1))
            }
        })
    })
}

pub fn parse_md5(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut md5 = [0u8; 16];
    for (i, byte) in md5.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(md5)
}

fn path(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}{TREE_MARK}", super::output_name(out)))
}

/// The Content-Type a web server should send for a published file, by its name.
pub fn content_type(rel: &str) -> &'static str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    // Lowercased on the stack: this runs for every file of every build.
    let mut buf = [0u8; 12];
    let ext = match name.rsplit_once('.') {
        Some((_, e)) if e.len() <= buf.len() => {
            let lower = &mut buf[..e.len()];
            lower.copy_from_slice(e.as_bytes());
            lower.make_ascii_lowercase();
            std::str::from_utf8(lower).unwrap_or_default()
        }
        _ => "",
    };
    match (name, ext) {
        ("atom.xml", _) => "application/atom+xml; charset=utf-8",
        ("rss.xml", _) => "application/rss+xml; charset=utf-8",
        ("feed.json", _) => "application/feed+json; charset=utf-8",
        (_, "html" | "htm") => "text/html; charset=utf-8",
        (_, "xml") => "application/xml; charset=utf-8",
        (_, "json" | "map") => "application/json; charset=utf-8",
        (_, "webmanifest") => "application/manifest+json; charset=utf-8",
        (_, "txt") => "text/plain; charset=utf-8",
        (_, "css") => "text/css; charset=utf-8",
        (_, "js" | "mjs") => "text/javascript; charset=utf-8",
        (_, "svg") => "image/svg+xml",
        (_, "png") => "image/png",
        (_, "jpg" | "jpeg") => "image/jpeg",
        (_, "gif") => "image/gif",
        (_, "webp") => "image/webp",
        (_, "avif") => "image/avif",
        (_, "ico") => "image/x-icon",
        (_, "woff2") => "font/woff2",
        (_, "woff") => "font/woff",
        (_, "ttf") => "font/ttf",
        (_, "otf") => "font/otf",
        (_, "pdf") => "application/pdf",
        (_, "wasm") => "application/wasm",
        (_, "mp4") => "video/mp4",
        (_, "mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written_and_rejects_anything_else() {
        let mut files = BTreeMap::new();
        files.insert("index.html".to_string(), Entry::of(b"<p>hi</p>"));
        files.insert("images/a b.svg".to_string(), Entry::of(b"<svg/>"));
        let tree = Tree {
            files,
            output: "1 2 3".into(),
        };
        let text = tree.to_text().expect("text");
        assert_eq!(Tree::parse(&text), Some(tree));
        assert!(Tree::parse("kabar tree 2\noutput\t\n").is_none());
        assert!(Tree::parse(&text.replace("\t9\t", "\tnine\t")).is_none());
        assert!(Tree::parse(&format!("{text}{text}")).is_none());
    }

    #[test]
    fn md5_is_the_etag_s3_would_report() {
        assert_eq!(Entry::of(b"").md5_hex(), "d41d8cd98f00b204e9800998ecf8427e");
        let md5 = parse_md5("d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5, Some(Entry::of(b"").md5));
    }

    #[test]
    fn changes_count_added_changed_and_removed_files() {
        let tree = |files: &[(&str, &str)]| {
            Tree::new(
                files
                    .iter()
                    .map(|(p, b)| (p.to_string(), Entry::of(b.as_bytes())))
                    .collect(),
            )
        };
        let old = tree(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = tree(&[("a", "1"), ("b", "two"), ("d", "4"), ("e", "5")]);
        let c = new.changes(Some(&old));
        assert_eq!((c.added, c.changed, c.removed), (2, 1, 1));
        assert_eq!(new.changes(None).added, 4);
    }
}
