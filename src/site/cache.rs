//! Site, build cache: the incremental engine's state (parsed articles by source stamp and
//! hash, the related model's term frequencies, a key per output file) ↔ the file
//! `.NAME.kabar-cache` beside the output, checked before anything in it is trusted.
//!
//! The file is a header (`MAGIC`, the format number, kabar's version), records, the head,
//! and a trailer: where the head is, then `END`. Each article has three records: its
//! record (the article without its body or its links, with the lede its search result
//! shows, which is decoded only when a block of results is rebuilt), its
//! term frequencies (for related stories) and its body (HTML and text). The head lists
//! every source with its stamp and where its records are, the frame, the output's
//! identity, the keys and the related model's last exact pass (`related::Lists`), in
//! four parts followed by their lengths, so that they are decoded side by side and
//! encoded straight into the file (lengths first would hold them in memory). The
//! head and every record are found by a `Span` holding their CRC-32, checked whenever
//! they are read. A file that fails any check, or whose `frame` (site.yaml,
//! templates/, static/, build options, the kabar binary) or output identity is not the
//! current one, is never used: the build runs in full and says why.
//!
//! Why the bodies and term frequencies apart: the bodies are most of the bytes (about a
//! gigabyte at 100 000 articles), and a build reads only those of the pages it renders
//! again (`Article::html`), from this file, kept open for the build; a build after new
//! stories reads the term frequencies of none of the others (`Article::stored_terms`).
//! The records of the articles written together come first, back to back, and are
//! read in runs of up to a megabyte, not with a call each.
//!
//! Why appended: a build that started from the cache appends the records of the articles
//! it parsed again and a new head, and the other records stay where they were, read by
//! the next build as they were by this one. When dead records outweigh live ones the file
//! is written afresh beside and renamed over it (`write::write_cache`). An append cut
//! short is cut off again (`write::append_cache`), or leaves a file without a trailer:
//! the next build runs in full and writes it afresh.
//!
//! Why MessagePack through rmp-serde: it is maintained (msgpack-rust, Rust 1.85 like
//! kabar), compact (structs as arrays, no field names), fast enough to be a small part of
//! an incremental build, and self-describing, so `serde_json::Value` (an article's
//! `extra:`) round-trips and a payload of another shape is an error, not a misreading.
//! bincode 1 is unmaintained (RUSTSEC-2025-0141) and its 3.0 is a tombstone release;
//! postcard 1.2 needs Rust 1.88 and cannot read `serde_json::Value` back.
//!
//! Why CRC-32: it guards against a damaged or cut file, not against an adversary, which
//! it does at memory speed (crc32fast, with the CPU's carry-less multiply).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::index::related;
use crate::load::Stamp;
use crate::packed::{Packed, Unpacked};
use crate::parse::{Article, Bodies, Body, Span, Stored};

const MAGIC: &[u8; 16] = b"kabar build cach";
/// Bumped whenever anything written here changes shape, or how it is written.
const FORMAT: u32 = 11;
/// The trailer's last bytes: a file cut short while written does not end with them.
const END: &[u8; 8] = b"kabar.ok";
/// The head's span (offset u64, length u32, CRC-32 u32, little-endian), then `END`.
const TRAILER: u64 = 24;
/// Articles whose records are encoded (or copied) together in parallel before they
/// are written: a few megabytes at a time, not the whole file.
const BATCH: usize = 1024;
/// The most bytes of records read in one call (`runs`).
const RUN: u64 = 1 << 20;
/// Dead bytes an append may leave before the file is written afresh, whatever the live
/// ones: a small site's cache need not be rewritten for every few edits.
const MIN_DEAD: u64 = 1 << 24;

/// What one build leaves for the next, read back.
#[derive(Debug)]
pub struct State {
    /// Everything that decides how a source parses and what a page looks like besides
    /// the articles: see `Preview::frame`.
    pub frame: u64,
    /// The identity (device, inode, birth) of the output folder whose files `keys`
    /// describe: a cache left by a killed build, or beside a folder made again, is
    /// never matched with the wrong files.
    pub output: String,
    /// Each article file that parsed, with the stamp it had when it was read; every
    /// article's body waits in `store`.
    pub sources: Vec<(PathBuf, Stamp, Arc<Article>)>,
    pub related: related::Saved,
    /// Sorted by path.
    pub keys: Vec<(String, u64)>,
    pub store: Arc<Store>,
}

/// What a build saves, borrowed from the engine (at 100 000 articles a copy is
/// gigabytes).
#[derive(Debug)]
pub struct StateRef<'a> {
    pub frame: u64,
    pub output: String,
    /// Sorted by path.
    pub sources: Vec<Source<'a>>,
    pub keys: Vec<(&'a str, u64)>,
    /// The related lists, when they are exact.
    pub lists: Option<related::ListsRef<'a>>,
}

#[derive(Debug)]
pub struct Source<'a> {
    pub path: &'a Path,
    pub stamp: Stamp,
    pub article: &'a Article,
    /// The related model's term frequencies for it, when the model holds them; an
    /// article it does not (an unpublished one) has them counted again.
    pub tf: Option<&'a [(u64, f32)]>,
}

/// Why a cache could not be used.
pub type Unusable = String;

struct HeadRef<'a> {
    frame: u64,
    output: &'a str,
    sources: Vec<(&'a Path, Stamp, Spans)>,
    keys: &'a [(&'a str, u64)],
    lists: &'a Option<related::ListsRef<'a>>,
}

/// The head's parts, in this order, each its own MessagePack value: the frame and the
/// output's identity, the sources, the keys and the lists.
const HEAD_PARTS: usize = 4;

/// Where one article's records are.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Spans {
    record: Span,
    terms: Span,
    body: Span,
}

impl Spans {
    fn of(st: &Stored) -> Spans {
        Spans {
            record: st.record,
            terms: st.terms,
            body: st.body,
        }
    }

    fn len(&self) -> u64 {
        [self.record, self.terms, self.body]
            .iter()
            .map(|s| u64::from(s.len))
            .sum()
    }
}

/// The cache file a build started from, open for the bodies its pages read.
#[derive(Debug)]
pub struct Store {
    file: File,
    /// Its length when it was read: appends go after it.
    len: u64,
}

impl Store {
    /// The bytes of `span`, checked.
    fn read(&self, span: Span) -> io::Result<Vec<u8>> {
        let buf = self.read_unchecked(span.at, u64::from(span.len))?;
        checked(span, &buf)?;
        Ok(buf)
    }

    /// `len` bytes from `at`, for the caller to check record by record.
    fn read_unchecked(&self, at: u64, len: u64) -> io::Result<Vec<u8>> {
        if at.checked_add(len).is_none_or(|end| end > self.len) {
            return Err(damaged("a record lies past its end"));
        }
        let mut buf = vec![0; len as usize];
        read_at(&self.file, &mut buf, at)?;
        Ok(buf)
    }

    /// Whether `stored` is in this file.
    fn holds(self: &Arc<Self>, stored: &Stored) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&stored.from), Arc::as_ptr(self))
    }
}

impl Bodies for Store {
    fn body(&self, at: Span) -> io::Result<Body> {
        rmp_serde::from_slice(&self.read(at)?)
            .map_err(|e| damaged(&format!("a body cannot be decoded: {e}")))
    }

    fn terms(&self, at: Span) -> io::Result<Vec<(u64, f32)>> {
        rmp_serde::from_slice(&self.read(at)?)
            .map(|Unpacked(tf)| tf)
            .map_err(|e| damaged(&format!("term frequencies cannot be decoded: {e}")))
    }

    fn raw(&self, at: Span) -> io::Result<Vec<u8>> {
        self.read(at)
    }

    fn lede(&self, at: Span) -> io::Result<String> {
        rmp_serde::from_slice(&self.read(at)?)
            .map(|(_, lede): (serde::de::IgnoredAny, String)| lede)
            .map_err(|e| damaged(&format!("a record cannot be decoded: {e}")))
    }
}

/// `bytes`, if they are those `span` was written with.
fn checked(span: Span, bytes: &[u8]) -> io::Result<&[u8]> {
    if crc32fast::hash(bytes) != span.crc {
        return Err(damaged("a record's checksum does not match"));
    }
    Ok(bytes)
}

fn damaged(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the build cache is damaged: {why}"),
    )
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.seek_read(&mut buf[done..], at + done as u64)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => done += n,
        }
    }
    Ok(())
}

fn header() -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut h = MAGIC.to_vec();
    h.extend(FORMAT.to_le_bytes());
    h.extend((version.len() as u32).to_le_bytes());
    h.extend(version);
    h
}

/// Saves `state` beside `out`: appended to `store` (the file the build started from)
/// when it is still there and mostly live, else written afresh.
pub fn save(
    state: &StateRef<'_>,
    store: Option<&Arc<Store>>,
    out: &Path,
    root: &Path,
) -> io::Result<()> {
    if let Some(store) = store {
        let live: u64 = state
            .sources
            .iter()
            .filter_map(|s| s.article.stored.as_ref().filter(|st| store.holds(st)))
            .map(|st| Spans::of(st).len())
            .sum();
        let dead = store.len.saturating_sub(live);
        if dead <= live.max(MIN_DEAD) {
            let appended =
                crate::write::append_cache(out, root, store.len, |w| append(state, store, w))?;
            if appended {
                return Ok(());
            }
        }
    }
    crate::write::write_cache(out, root, |w| write_fresh(state, w))
}

/// The whole file, every record written (or copied from the file it was in).
pub fn write_fresh(state: &StateRef<'_>, w: &mut dyn Write) -> io::Result<()> {
    let header = header();
    w.write_all(&header)?;
    let mut w = Counting {
        inner: w,
        at: header.len() as u64,
    };
    write_rest(state, |_| None, &mut w)
}

/// What follows `store`'s bytes: the records of the articles not in it, a head, a trailer.
fn append(state: &StateRef<'_>, store: &Arc<Store>, w: &mut dyn Write) -> io::Result<()> {
    let mut w = Counting {
        inner: w,
        at: store.len,
    };
    write_rest(
        state,
        |a| {
            a.stored
                .as_ref()
                .filter(|st| store.holds(st))
                .map(Spans::of)
        },
        &mut w,
    )
}

/// Records of the articles `kept` does not place, then the head and the trailer.
fn write_rest(
    state: &StateRef<'_>,
    kept: impl Fn(&Article) -> Option<Spans> + Sync,
    w: &mut Counting<'_>,
) -> io::Result<()> {
    let mut placed = Vec::with_capacity(state.sources.len());
    for batch in state.sources.chunks(BATCH) {
        let records = batch
            .par_iter()
            .map(|s| match kept(s.article) {
                Some(spans) => Ok(Err(spans)),
                None => records(s).map(Ok),
            })
            .collect::<io::Result<Vec<_>>>()?;
        let mut spans: Vec<Spans> = records
            .iter()
            .map(|r| r.as_ref().err().copied().unwrap_or_default())
            .collect();
        // The records first: every build reads them all, and back to back they are
        // read in runs (`runs`), not one call each.
        for (at, r) in spans.iter_mut().zip(&records) {
            if let Ok([record, ..]) = r {
                at.record = w.put(&[record])?;
            }
        }
        for (at, r) in spans.iter_mut().zip(&records) {
            if let Ok([_, terms, body]) = r {
                at.terms = w.put(&[terms])?;
                at.body = w.put(&[body])?;
            }
        }
        placed.extend(
            batch
                .iter()
                .zip(spans)
                .map(|(s, spans)| (s.path, s.stamp, spans)),
        );
    }
    let at = write_head(
        &HeadRef {
            frame: state.frame,
            output: &state.output,
            sources: placed,
            keys: &state.keys,
            lists: &state.lists,
        },
        w,
    )?;
    w.write_all(&at.at.to_le_bytes())?;
    w.write_all(&at.len.to_le_bytes())?;
    w.write_all(&at.crc.to_le_bytes())?;
    w.write_all(END)
}

/// Writes `head` (its parts, then their lengths as u32, little-endian) and says where it
/// went. Each part is encoded straight into the file: at 100 000 articles the head is
/// 60 MB, which encoded in memory first was the build's peak. (Encoded side by side in
/// memory, as they are decoded, the parts took no less time.)
fn write_head(head: &HeadRef<'_>, w: &mut Counting<'_>) -> io::Result<Span> {
    let at = w.at;
    let mut out = Checksummed {
        inner: w,
        crc: crc32fast::Hasher::new(),
    };
    let mut ends = Vec::with_capacity(HEAD_PARTS);
    encode_into(&mut out, &(head.frame, head.output))?;
    ends.push(out.inner.at);
    encode_into(&mut out, &head.sources)?;
    ends.push(out.inner.at);
    encode_into(&mut out, head.keys)?;
    ends.push(out.inner.at);
    encode_into(&mut out, head.lists)?;
    ends.push(out.inner.at);
    let mut start = at;
    for end in ends {
        let len = u32::try_from(end - start).map_err(io::Error::other)?;
        out.write_all(&len.to_le_bytes())?;
        start = end;
    }
    Ok(Span {
        at,
        len: u32::try_from(out.inner.at - at).map_err(io::Error::other)?,
        crc: out.crc.finalize(),
    })
}

/// The parts `write_head` wrote, if their lengths add up to the head's.
fn head_parts(raw: &[u8]) -> Option<[&[u8]; HEAD_PARTS]> {
    let (mut rest, lens) = raw.split_at_checked(raw.len().checked_sub(4 * HEAD_PARTS)?)?;
    let mut parts = [&[][..]; HEAD_PARTS];
    for (part, len) in parts.iter_mut().zip(lens.chunks_exact(4)) {
        let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
        (*part, rest) = rest.split_at_checked(len)?;
    }
    rest.is_empty().then_some(parts)
}

/// `value` encoded into `w` through a buffer: the encoder writes a few bytes at a time.
fn encode_into<T: serde::Serialize + ?Sized>(w: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(1 << 16, w);
    rmp_serde::encode::write(&mut buffered, value).map_err(io::Error::other)?;
    buffered.flush()
}

fn encode<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    rmp_serde::to_vec(value).map_err(io::Error::other)
}

/// One article's three records: encoded, or copied from the file it was read from.
fn records(s: &Source<'_>) -> io::Result<[Vec<u8>; 3]> {
    let a = s.article;
    if let Some(st) = &a.stored {
        let raw = |at| st.from.raw(at);
        return Ok([raw(st.record)?, raw(st.terms)?, raw(st.body)?]);
    }
    let counted;
    let tf = match s.tf {
        Some(tf) => tf,
        None => {
            counted = related::term_frequencies_of(a);
            &counted
        }
    };
    let lede = crate::index::search::lede(a);
    Ok([
        encode(&(a, lede))?,
        encode(&Packed(tf))?,
        encode(&(&a.html, &a.text))?,
    ])
}

/// A writer that passes everything on to `inner` and keeps its CRC-32.
struct Checksummed<'a, 'w> {
    inner: &'a mut Counting<'w>,
    crc: crc32fast::Hasher,
}

impl Write for Checksummed<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that knows where in the file it is.
struct Counting<'w> {
    inner: &'w mut dyn Write,
    at: u64,
}

impl Counting<'_> {
    /// Writes `pieces` one after the other and says where they went, as one span.
    fn put(&mut self, pieces: &[&[u8]]) -> io::Result<Span> {
        let len = pieces.iter().map(|p| p.len()).sum::<usize>();
        let mut crc = crc32fast::Hasher::new();
        let at = self.at;
        for piece in pieces {
            crc.update(piece);
            self.write_all(piece)?;
        }
        Ok(Span {
            at,
            len: u32::try_from(len).map_err(io::Error::other)?,
            crc: crc.finalize(),
        })
    }
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The state in the `len` bytes of `file`, or why it cannot be trusted. Each record is
/// checked as it is read; bodies are read later, by the pages that need them.
pub fn decode(file: File, len: u64) -> Result<State, Unusable> {
    let store = Arc::new(Store { file, len });
    let header = header();
    let head_len = header.len() as u64;
    let mut start = vec![0; header.len().min(len as usize)];
    read_at(&store.file, &mut start, 0).map_err(|e| format!("cannot read it: {e}"))?;
    if !start.starts_with(MAGIC) {
        return Err("it is not a kabar build cache".into());
    }
    let at = MAGIC.len();
    let format = start
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes);
    if format != Some(FORMAT) {
        return Err(match format {
            Some(f) => format!("it has format {f}, this kabar reads format {FORMAT}"),
            None => "it is truncated".into(),
        });
    }
    if start != header {
        let version = start.get(at + 8..).unwrap_or_default();
        return Err(format!(
            "it was written by kabar {}, this is kabar {}",
            String::from_utf8_lossy(version),
            env!("CARGO_PKG_VERSION")
        ));
    }
    if len < head_len + TRAILER {
        return Err("it is truncated".into());
    }
    let mut trailer = [0; TRAILER as usize];
    read_at(&store.file, &mut trailer, len - TRAILER)
        .map_err(|e| format!("cannot read it: {e}"))?;
    let (span, end) = trailer.split_at(16);
    if end != END {
        return Err("it is truncated (a build was stopped while writing it)".into());
    }
    let span = Span {
        at: u64::from_le_bytes(span[..8].try_into().unwrap_or_default()),
        len: u32::from_le_bytes(span[8..12].try_into().unwrap_or_default()),
        crc: u32::from_le_bytes(span[12..].try_into().unwrap_or_default()),
    };
    if span.at < head_len || span.at + u64::from(span.len) != len - TRAILER {
        return Err("its trailer is damaged".into());
    }
    let raw = store
        .read(span)
        .map_err(|_| "its checksum does not match (the file is damaged)".to_string())?;
    let [frame, sources, keys, lists] =
        head_parts(&raw).ok_or("its head is damaged (its parts do not add up)")?;
    let decode_err = |e: rmp_serde::decode::Error| format!("it cannot be decoded: {e}");
    let (frame, output): (u64, String) = rmp_serde::from_slice(frame).map_err(decode_err)?;
    // The articles (most of the work, itself parallel) beside the keys and the lists.
    let (articles, (keys, lists)) = rayon::join(
        || {
            let sources: Vec<(PathBuf, Stamp, Spans)> =
                rmp_serde::from_slice(sources).map_err(decode_err)?;
            articles(&store, &sources).map(|a| (sources, a))
        },
        || {
            rayon::join(
                || rmp_serde::from_slice::<Vec<(String, u64)>>(keys).map_err(decode_err),
                || rmp_serde::from_slice::<Option<related::Lists>>(lists).map_err(decode_err),
            )
        },
    );
    let (sources, articles) = articles?;
    drop(raw);
    let related = related::Saved::new(articles.iter().map(|a| a.as_ref()), lists?);
    let sources = sources
        .into_iter()
        .zip(articles)
        .map(|((path, stamp, _), a)| (path, stamp, a))
        .collect();
    Ok(State {
        frame,
        output,
        sources,
        related,
        keys: keys?,
        store,
    })
}

/// The record of each source, checked and decoded, its body and term frequencies left
/// in `store`.
fn articles(
    store: &Arc<Store>,
    sources: &[(PathBuf, Stamp, Spans)],
) -> Result<Vec<Arc<Article>>, Unusable> {
    let bodies: Arc<dyn Bodies> = store.clone();
    runs(sources)
        .into_par_iter()
        .flat_map_iter(|run| read_run(store, &sources[run], &bodies))
        .collect()
}

/// The records of `run`, read in one call and checked one by one. Each article is
/// decoded into the allocation it keeps: at 100 000 articles, moving them from one
/// vector into another shows.
fn read_run(
    store: &Store,
    run: &[(PathBuf, Stamp, Spans)],
    bodies: &Arc<dyn Bodies>,
) -> Vec<Result<Arc<Article>, Unusable>> {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return Vec::new();
    };
    let (first, last) = (first.2.record, last.2.record);
    let end = last.at.saturating_add(u64::from(last.len));
    let bytes = match store.read_unchecked(first.at, end.saturating_sub(first.at)) {
        Ok(bytes) => bytes,
        Err(e) => return vec![Err(e.to_string())],
    };
    run.iter()
        .map(|(path, _, spans)| {
            let start = (spans.record.at - first.at) as usize;
            let raw = bytes
                .get(start..start + spans.record.len as usize)
                .ok_or("a record lies past its end")?;
            let raw = checked(spans.record, raw).map_err(|e| e.to_string())?;
            article(raw, path, spans, bodies)
        })
        .collect()
}

/// One source's record, decoded, with where its body and term frequencies are.
fn article(
    raw: &[u8],
    path: &Path,
    spans: &Spans,
    bodies: &Arc<dyn Bodies>,
) -> Result<Arc<Article>, Unusable> {
    // The lede is read again only for the search results rebuilt (`Stored::lede`).
    let (mut a, _): (Article, serde::de::IgnoredAny) =
        rmp_serde::from_slice(raw).map_err(|e| format!("it cannot be decoded: {e}"))?;
    if a.path != *path {
        return Err("a record belongs to another file (the file is damaged)".into());
    }
    a.stored = Some(Stored {
        from: bodies.clone(),
        record: spans.record,
        terms: spans.terms,
        body: spans.body,
    });
    Ok(Arc::new(a))
}

/// The sources in runs whose records lie back to back in the file (as a fresh write
/// puts them, `write_rest`), of at most `RUN` bytes: each run is read in one call.
fn runs(sources: &[(PathBuf, Stamp, Spans)]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=sources.len() {
        let at = |i: usize| sources[i].2.record;
        let ends = i == sources.len() || {
            let (last, next) = (at(i - 1), at(i));
            let joined = last.at.checked_add(u64::from(last.len)) == Some(next.at);
            !joined || next.at.saturating_add(u64::from(next.len)) - at(start).at > RUN
        };
        if ends {
            runs.push(start..i);
            start = i;
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn articles(n: usize) -> Vec<Article> {
        (0..n)
            .map(|i| {
                let front = format!("title: \"T {i}\"\ndate: 2024-06-20\n");
                crate::parse::test_article(
                    &format!("content/{i}.md"),
                    &front,
                    &format!("Body {i}."),
                )
            })
            .collect()
    }

    const STAMP: Stamp = Stamp {
        len: 9,
        modified: None,
    };

    fn state<'a>(articles: &'a [Article], keys: Vec<(&'a str, u64)>) -> StateRef<'a> {
        StateRef {
            frame: 7,
            output: "1 2 3".into(),
            sources: articles
                .iter()
                .map(|a| Source {
                    path: &a.path,
                    stamp: STAMP,
                    article: a,
                    tf: None,
                })
                .collect(),
            keys,
            lists: None,
        }
    }

    /// Writes with `write` into a file in `dir` and reads it back.
    fn round_trip(
        dir: &Path,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<State, Unusable> {
        let path = dir.join("cache");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .expect("open");
        write(&mut file).expect("writes");
        let len = file.metadata().expect("meta").len();
        decode(File::open(&path).expect("open"), len)
    }

    fn titles(state: &State) -> Vec<String> {
        state
            .sources
            .iter()
            .map(|(_, _, a)| a.title.clone())
            .collect()
    }

    #[test]
    fn articles_read_back_in_order_and_bodies_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let written = articles(BATCH + 3);
        let back = round_trip(dir.path(), |w| {
            write_fresh(&state(&written, vec![("index.html", 42)]), w)
        })
        .expect("decodes");
        let want: Vec<String> = written.iter().map(|a| a.title.clone()).collect();
        assert_eq!(titles(&back), want);
        let (_, _, last) = back.sources.last().expect("articles");
        assert!(last.html.is_empty(), "bodies stay in the file");
        assert_eq!(last.html().expect("body"), written[BATCH + 2].html);
        assert_eq!(last.text().expect("body").trim(), "Body 1026.");
        assert_eq!(back.keys, vec![("index.html".to_string(), 42)]);
    }

    #[test]
    fn an_append_keeps_the_old_records_and_adds_the_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = articles(3);
        let back =
            round_trip(dir.path(), |w| write_fresh(&state(&first, vec![]), w)).expect("decodes");
        let store = back.store.clone();
        let mut next: Vec<Article> = back
            .sources
            .into_iter()
            .map(|(_, _, a)| Arc::unwrap_or_clone(a))
            .collect();
        next[1] = crate::parse::test_article(
            "content/1.md",
            "title: Edited\ndate: 2024-06-21\n",
            "New body.",
        );
        let again =
            round_trip(dir.path(), |w| append(&state(&next, vec![]), &store, w)).expect("decodes");
        assert_eq!(titles(&again), ["T 0", "Edited", "T 2"]);
        let (_, _, kept) = &again.sources[0];
        assert_eq!(
            kept.stored.as_ref().map(|s| s.record),
            next[0].stored.as_ref().map(|s| s.record),
            "an unchanged article keeps its record"
        );
        assert!(
            again.sources[1]
                .2
                .text()
                .expect("body")
                .contains("New body.")
        );
        assert!(again.sources[2].2.text().expect("body").contains("Body 2."));
    }

    #[test]
    fn a_head_whose_parts_do_not_add_up_is_refused() {
        let span = Span {
            at: 1,
            len: 2,
            crc: 3,
        };
        let spans = Spans {
            record: span,
            terms: span,
            body: span,
        };
        let path = Path::new("content/a.md");
        let mut head = Vec::new();
        let span = write_head(
            &HeadRef {
                frame: 7,
                output: "1 2 3",
                sources: vec![(path, STAMP, spans), (path, STAMP, spans)],
                keys: &[("index.html", 9), ("a/index.html", 10)],
                lists: &Some(related::ListsRef::default()),
            },
            &mut Counting {
                inner: &mut head,
                at: 0,
            },
        )
        .expect("encode");
        assert_eq!(span.len as usize, head.len());
        assert_eq!(span.crc, crc32fast::hash(&head));
        let parts = head_parts(&head).expect("parts");
        let keys: Vec<(String, u64)> = rmp_serde::from_slice(parts[2]).expect("keys");
        assert_eq!(keys[1], ("a/index.html".to_string(), 10));
        assert!(head_parts(&head[..head.len() - 1]).is_none());
        assert!(head_parts(&[head.as_slice(), b"x"].concat()).is_none());
        assert!(head_parts(&head[..15]).is_none());
    }

    #[test]
    fn any_damage_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let written = articles(2);
        let mut bytes = Vec::new();
        write_fresh(&state(&written, vec![("index.html", 42)]), &mut bytes).expect("encodes");
        let why = |b: &[u8]| {
            let path = dir.path().join("damaged");
            std::fs::write(&path, b).expect("write");
            decode(File::open(&path).expect("open"), b.len() as u64)
                .err()
                .unwrap_or_default()
        };
        assert!(why(b"").contains("not a kabar build cache"));
        assert!(why(&bytes[..bytes.len() - 1]).contains("truncated"));
        let head_at = bytes.len() - TRAILER as usize - 1;
        for at in [head_at, bytes.len() - 10] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1;
            assert!(
                why(&flipped).contains("checksum") || why(&flipped).contains("trailer"),
                "{}",
                why(&flipped)
            );
        }
        let mut other = bytes.clone();
        other[MAGIC.len()] = FORMAT as u8 + 1;
        let another = format!("format {}", FORMAT + 1);
        assert!(why(&other).contains(&another), "{}", why(&other));
        let mut version = bytes.clone();
        version[MAGIC.len() + 8] = b'9';
        assert!(
            why(&version).contains("written by kabar 9"),
            "{}",
            why(&version)
        );
        // A damaged record is found when the cache is read, though read in one run
        // with the others; a damaged body when a page reads it.
        let [record, body] = {
            let clean = dir.path().join("clean");
            std::fs::write(&clean, &bytes).expect("write");
            let state = decode(File::open(&clean).expect("open"), bytes.len() as u64);
            let stored = state.expect("decodes").sources[1].2.stored.clone();
            let stored = stored.expect("from the file");
            [stored.record, stored.body].map(|span| span.at as usize + 1)
        };
        let mut flipped = bytes.clone();
        flipped[record] ^= 1;
        assert!(why(&flipped).contains("checksum"), "{}", why(&flipped));
        let path = dir.path().join("body");
        let mut flipped = bytes;
        flipped[body] ^= 1;
        std::fs::write(&path, &flipped).expect("write");
        let state = decode(File::open(&path).expect("open"), flipped.len() as u64);
        let damage = state.expect("records are whole").sources[1].2.html().err();
        let damage = damage.map(|e| e.to_string()).unwrap_or_default();
        assert!(damage.contains("checksum"), "{damage}");
    }

    #[test]
    fn records_back_to_back_are_read_in_runs_of_at_most_run_bytes() {
        let source = |at: u64, len: u32| {
            let record = Span { at, len, crc: 0 };
            (
                PathBuf::new(),
                STAMP,
                Spans {
                    record,
                    ..Spans::default()
                },
            )
        };
        let big = (RUN / 2) as u32;
        let sources = [
            source(100, 10),
            source(110, 5),
            // After another kind of record: a new run.
            source(200, 10),
            source(210, big),
            // Would make the run longer than RUN.
            source(210 + u64::from(big), big),
        ];
        assert_eq!(runs(&sources), vec![0..2, 2..4, 4..5]);
        assert_eq!(runs(&[]), Vec::<std::ops::Range<usize>>::new());
    }
}
