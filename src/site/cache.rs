//! Site, build cache: the incremental engine's state (parsed articles by source stamp and
//! hash, the related model's term frequencies, a key per output file) ↔ the bytes of
//! `.NAME.kabar-cache` beside the output, checked before anything in it is trusted.
//!
//! The file is `MAGIC`, the format number, kabar's version, the payload in MessagePack
//! (rmp-serde), then the payload's length and CRC-32. A file that fails any of these
//! checks, or whose `frame` (site.yaml, templates/, static/, build options, the kabar
//! binary) or output identity is not the current one, is never used: the build runs in
//! full and says why.
//!
//! Why MessagePack through rmp-serde: it is maintained (msgpack-rust, Rust 1.85 like
//! kabar), compact (structs as arrays, no field names), fast enough to be a small part of
//! an incremental build, and self-describing, so `serde_json::Value` (an article's
//! `extra:`) round-trips and a payload of another shape is an error, not a misreading.
//! bincode 1 is unmaintained (RUSTSEC-2025-0141) and its 3.0 is a tombstone release;
//! postcard 1.2 needs Rust 1.88 and cannot read `serde_json::Value` back.
//!
//! Why a trailer with a CRC-32: the payload is streamed to the file as it is encoded (at
//! 100 000 articles it is over a gigabyte, which a buffer first would hold twice), so its
//! length and checksum can only follow it; and the checksum guards against a damaged or
//! cut file, not against an adversary, which CRC-32 does at memory speed (crc32fast, with
//! the CPU's carry-less multiply) where MD5 took about 1.7 s each way.
//! Reading checks the whole payload before decoding any of it, then decodes it as it is
//! read a second time (from the page cache, 0.15 s at 100 000).
//!
//! Why the articles go in parts: decoding a gigabyte of articles is most of what reading
//! the cache costs, and one decoder over one stream uses one core. Each part (`PART`
//! articles) is a MessagePack `bin` of their encodings, so a reader finds where each
//! part ends without decoding it, and decodes the parts of a batch in parallel.

use std::path::PathBuf;

use std::io::{self, Read, Seek, Write};

use crate::index::related;
use crate::load::Stamp;
use crate::parse::Article;

const MAGIC: &[u8; 16] = b"kabar build cach";
/// Bumped whenever `State` or anything in it changes shape, or how it is written.
const FORMAT: u32 = 3;
/// The payload's length (u64) and CRC-32 (u32), little-endian, after it.
const TRAILER: usize = 12;

/// What one build leaves for the next.
#[derive(Debug)]
pub struct State {
    /// Everything that decides how a source parses and what a page looks like besides
    /// the articles: see `Preview::frame`.
    pub frame: u64,
    /// The identity (device, inode, birth) of the output folder whose files `keys`
    /// describe: a cache left by a killed build, or beside a folder made again, is
    /// never matched with the wrong files.
    pub output: String,
    /// Each article file that parsed, with the stamp it had when it was read.
    pub sources: Vec<(PathBuf, Stamp, Article)>,
    pub related: related::Saved,
    /// Sorted by path.
    pub keys: Vec<(String, u64)>,
}

/// `State` as it is written, borrowing the engine's articles instead of copying them
/// (at 100 000 articles a copy is gigabytes).
#[derive(Debug)]
pub struct StateRef<'a> {
    pub frame: u64,
    pub output: String,
    pub sources: Vec<(&'a std::path::Path, Stamp, &'a Article)>,
    pub related: related::Saved,
    pub keys: Vec<(&'a str, u64)>,
}

impl StateRef<'_> {
    /// How many fields `encode_payload` writes: all of them, in order.
    const FIELDS: u32 = 5;
}

/// Why a cache could not be used.
pub type Unusable = String;

/// Writes the whole file to `w`: header, payload as it is encoded, trailer.
pub fn encode(state: &StateRef<'_>, w: &mut dyn Write) -> io::Result<()> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    w.write_all(MAGIC)?;
    w.write_all(&FORMAT.to_le_bytes())?;
    w.write_all(&(version.len() as u32).to_le_bytes())?;
    w.write_all(version)?;
    let mut payload = Checked {
        inner: &mut *w,
        len: 0,
        crc: crc32fast::Hasher::new(),
    };
    // Buffered above the checksum, which is slow on the few bytes of each value.
    let mut buffered = io::BufWriter::with_capacity(1 << 20, &mut payload);
    encode_payload(state, &mut buffered)?;
    buffered.flush()?;
    drop(buffered);
    let (len, crc) = (payload.len, payload.crc.finalize());
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&crc.to_le_bytes())
}

/// Articles encoded or decoded together in parallel, before the next batch is written or
/// read (about 100 MB at a time at 100 000 articles, not the whole payload).
const BATCH: usize = 8192;
/// Articles in one part: small enough to spread a batch over the cores.
const PART: usize = 64;

/// An array of the fields: frame, output, the articles as an array of parts (each a
/// `bin` holding its articles' encodings one after another), related, keys.
fn encode_payload(state: &StateRef<'_>, w: &mut impl Write) -> io::Result<()> {
    use rayon::prelude::*;
    let failed = |e: rmp_serde::encode::Error| io::Error::other(format!("cannot encode: {e}"));
    rmp::encode::write_array_len(w, StateRef::FIELDS)?;
    rmp_serde::encode::write(w, &state.frame).map_err(failed)?;
    rmp_serde::encode::write(w, &state.output).map_err(failed)?;
    let parts = u32::try_from(state.sources.len().div_ceil(PART)).map_err(io::Error::other)?;
    rmp::encode::write_array_len(w, parts)?;
    for batch in state.sources.chunks(BATCH) {
        let parts = batch
            .par_chunks(PART)
            .map(|sources| {
                let mut buf = Vec::new();
                for source in sources {
                    rmp_serde::encode::write(&mut buf, source)?;
                }
                Ok(buf)
            })
            .collect::<Result<Vec<Vec<u8>>, _>>()
            .map_err(failed)?;
        parts
            .iter()
            .try_for_each(|part| rmp::encode::write_bin(w, part))?;
    }
    rmp_serde::encode::write(w, &state.related).map_err(failed)?;
    rmp_serde::encode::write(w, &state.keys).map_err(failed)
}

/// What `encode_payload` wrote, read from `r`, whose `len` bytes have been checked.
fn decode_payload(r: &mut impl Read, len: u64) -> Result<State, String> {
    use rayon::prelude::*;
    let fields = rmp::decode::read_array_len(r).map_err(text)?;
    if fields != StateRef::FIELDS {
        return Err(format!("it has {fields} fields, not {}", StateRef::FIELDS));
    }
    let frame = rmp_serde::from_read(&mut *r).map_err(text)?;
    let output = rmp_serde::from_read(&mut *r).map_err(text)?;
    let parts = rmp::decode::read_array_len(r).map_err(text)? as usize;
    let mut sources = Vec::new();
    let mut left = parts;
    while left > 0 {
        let batch = left.min(BATCH / PART);
        left -= batch;
        let bytes = (0..batch)
            .map(|_| {
                let n = rmp::decode::read_bin_len(r).map_err(text)?;
                // A length past the payload is damage, not a reason to allocate it.
                if u64::from(n) > len {
                    return Err(format!("a part claims {n} bytes"));
                }
                let mut part = vec![0; n as usize];
                r.read_exact(&mut part).map_err(text)?;
                Ok(part)
            })
            .collect::<Result<Vec<Vec<u8>>, String>>()?;
        let decoded = bytes
            .par_iter()
            .map(|part| {
                let mut rest = part.as_slice();
                let mut out = Vec::with_capacity(PART);
                while !rest.is_empty() {
                    out.push(rmp_serde::from_read(&mut rest).map_err(text)?);
                }
                Ok(out)
            })
            .collect::<Result<Vec<Vec<_>>, String>>()?;
        sources.extend(decoded.into_iter().flatten());
    }
    Ok(State {
        frame,
        output,
        sources,
        related: rmp_serde::from_read(&mut *r).map_err(text)?,
        keys: rmp_serde::from_read(&mut *r).map_err(text)?,
    })
}

/// A decoding error as `decode` reports it.
fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Passes bytes on, either way, counting and checksumming them.
struct Checked<T> {
    inner: T,
    len: u64,
    crc: crc32fast::Hasher,
}

impl<T> Checked<T> {
    fn saw(&mut self, bytes: &[u8]) {
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
    }
}

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.saw(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.saw(&buf[..n]);
        Ok(n)
    }
}

/// The state in the `len` bytes of `file`, or why it cannot be trusted. The payload is
/// checked first, in one pass with a small buffer, then decoded as it is read a second
/// time, never held whole: a damaged length in it could otherwise ask the decoder for
/// gigabytes before the checksum failed.
pub fn decode(mut file: impl Read + Seek, len: u64) -> Result<State, Unusable> {
    let failed = |e: io::Error| match e.kind() {
        io::ErrorKind::UnexpectedEof => "it is truncated".to_string(),
        _ => format!("cannot read it: {e}"),
    };
    let mut read = |n: usize| -> Result<Vec<u8>, Unusable> {
        let mut buf = vec![0; n];
        file.read_exact(&mut buf).map_err(failed)?;
        Ok(buf)
    };
    let u32_of = |b: Vec<u8>| b.try_into().map(u32::from_le_bytes).unwrap_or_default();
    if len < MAGIC.len() as u64 || read(MAGIC.len())? != MAGIC {
        return Err("it is not a kabar build cache".into());
    }
    let format = u32_of(read(4)?);
    if format != FORMAT {
        return Err(format!(
            "it has format {format}, this kabar reads format {FORMAT}"
        ));
    }
    let version_len = u32_of(read(4)?) as usize;
    // A damaged length must not make a huge buffer; a version is a few bytes.
    if version_len > 64 {
        return Err("its header is damaged".into());
    }
    let version = read(version_len)?;
    if version != env!("CARGO_PKG_VERSION").as_bytes() {
        return Err(format!(
            "it was written by kabar {}, this is kabar {}",
            String::from_utf8_lossy(&version),
            env!("CARGO_PKG_VERSION")
        ));
    }
    let head = (MAGIC.len() + 8 + version_len + TRAILER) as u64;
    let payload_len = len.checked_sub(head).ok_or("it is truncated")?;
    let start = file.stream_position().map_err(failed)?;
    let mut payload = Checked {
        inner: (&mut file).take(payload_len),
        len: 0,
        crc: crc32fast::Hasher::new(),
    };
    // A large buffer: the payload is over a gigabyte at 100 000 articles.
    let mut buf = vec![0; 1 << 20];
    while payload.read(&mut buf).map_err(failed)? > 0 {}
    let (read_len, crc) = (payload.len, payload.crc.finalize());
    let mut trailer = [0; TRAILER];
    file.read_exact(&mut trailer).map_err(failed)?;
    let (expected_len, expected_crc) = trailer.split_at(8);
    let expected_len = expected_len
        .try_into()
        .map(u64::from_le_bytes)
        .unwrap_or_default();
    if read_len != payload_len || expected_len != payload_len {
        return Err(format!(
            "it is truncated or padded ({payload_len} payload bytes, {expected_len} expected)"
        ));
    }
    if crc.to_le_bytes() != expected_crc {
        return Err("its checksum does not match (the file is damaged)".into());
    }
    file.seek(io::SeekFrom::Start(start)).map_err(failed)?;
    let mut payload = io::BufReader::with_capacity(1 << 20, (&mut file).take(payload_len));
    decode_payload(&mut payload, payload_len).map_err(|e| format!("it cannot be decoded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_read_back_in_order_across_parts() {
        // Three parts, the last one short.
        let articles: Vec<Article> = (0..2 * PART + 3)
            .map(|i| {
                let front = format!("title: \"T {i}\"\ndate: 2024-06-20\n");
                crate::parse::test_article(
                    &format!("content/{i}.md"),
                    &front,
                    &format!("Body {i}."),
                )
            })
            .collect();
        let stamp = Stamp {
            len: 9,
            modified: None,
        };
        let paths: Vec<PathBuf> = (0..articles.len())
            .map(|i| format!("content/{i}.md").into())
            .collect();
        let state = StateRef {
            frame: 7,
            output: "1 2 3".into(),
            sources: paths
                .iter()
                .zip(&articles)
                .map(|(p, a)| (p.as_path(), stamp, a))
                .collect(),
            related: related::Saved::default(),
            keys: vec![("index.html", 42), ("z/index.html", 43)],
        };
        let mut bytes = Vec::new();
        encode(&state, &mut bytes).expect("encodes");
        let back = decode(io::Cursor::new(&bytes), bytes.len() as u64).expect("decodes");
        let titles: Vec<&str> = back
            .sources
            .iter()
            .map(|(_, _, a)| a.title.as_str())
            .collect();
        let want: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, want);
        let read: Vec<&PathBuf> = back.sources.iter().map(|(p, _, _)| p).collect();
        assert_eq!(read, paths.iter().collect::<Vec<_>>());
        assert_eq!(back.keys.len(), 2);
    }

    #[test]
    fn a_cache_reads_back_and_any_damage_is_named() {
        let state = StateRef {
            frame: 7,
            output: "1 2 3".into(),
            sources: Vec::new(),
            related: related::Saved::default(),
            keys: vec![("index.html", 42)],
        };
        let mut bytes = Vec::new();
        encode(&state, &mut bytes).expect("encodes");
        let back = decode(io::Cursor::new(&bytes), bytes.len() as u64).expect("decodes");
        assert_eq!(
            (back.frame, back.keys),
            (7, vec![("index.html".into(), 42)])
        );

        let why = |b: &[u8]| {
            decode(io::Cursor::new(b), b.len() as u64)
                .err()
                .unwrap_or_default()
        };
        assert!(why(b"").contains("not a kabar build cache"));
        assert!(why(&bytes[..bytes.len() - 1]).contains("truncated"));
        for at in [bytes.len() - 1, bytes.len() - TRAILER - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1;
            assert!(why(&flipped).contains("checksum"), "{}", why(&flipped));
        }
        let mut other = bytes.clone();
        other[MAGIC.len()] = 9;
        assert!(why(&other).contains("format 9"), "{}", why(&other));
        let mut version = bytes;
        version[MAGIC.len() + 8] = b'9';
        assert!(
            why(&version).contains("written by kabar 9"),
            "{}",
            why(&version)
        );
    }
}
