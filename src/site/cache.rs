//! Site, build cache: the incremental engine's state (parsed articles by source stamp and
//! hash, the related model's term frequencies, a key per output file) ↔ the bytes of
//! `.NAME.kabar-cache` beside the output, checked before anything in it is trusted.
//!
//! The file is `MAGIC`, the format number, kabar's version, the payload's length and its
//! MD5, then the payload in MessagePack (rmp-serde). A file that fails any of these
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

use std::path::PathBuf;

use md5::Digest as _;
use serde::{Deserialize, Serialize};

use crate::index::related;
use crate::load::Stamp;
use crate::parse::Article;

const MAGIC: &[u8; 16] = b"kabar build cach";
/// Bumped whenever `State` or anything in it changes shape.
const FORMAT: u32 = 1;

/// What one build leaves for the next.
#[derive(Debug, Serialize, Deserialize)]
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
/// (at 100 000 articles a copy is gigabytes): the same fields in the same order, so it
/// encodes to the bytes `State` decodes from.
#[derive(Debug, Serialize)]
pub struct StateRef<'a> {
    pub frame: u64,
    pub output: String,
    pub sources: Vec<(&'a std::path::Path, Stamp, &'a Article)>,
    pub related: related::Saved,
    pub keys: Vec<(&'a str, u64)>,
}

/// Why a cache could not be used.
pub type Unusable = String;

/// The file's header and payload, written one after the other.
pub fn encode(state: &StateRef<'_>) -> Result<(Vec<u8>, Vec<u8>), Unusable> {
    let payload = rmp_serde::to_vec(state).map_err(|e| format!("cannot encode: {e}"))?;
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut head = Vec::with_capacity(64);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&FORMAT.to_le_bytes());
    head.extend_from_slice(&(version.len() as u32).to_le_bytes());
    head.extend_from_slice(version);
    head.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    head.extend_from_slice(&md5::Md5::digest(&payload));
    Ok((head, payload))
}

/// The state in `bytes`, or why it cannot be trusted.
pub fn decode(bytes: &[u8]) -> Result<State, Unusable> {
    let mut rest = bytes;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
        rest = tail;
        Some(head)
    };
    let truncated = || "it is truncated".to_string();
    if take(MAGIC.len()) != Some(&MAGIC[..]) {
        return Err("it is not a kabar build cache".into());
    }
    let u32_at = |b: Option<&[u8]>| b.and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let format = u32_at(take(4)).ok_or_else(truncated)?;
    if format != FORMAT {
        return Err(format!(
            "it has format {format}, this kabar reads format {FORMAT}"
        ));
    }
    let len = u32_at(take(4)).ok_or_else(truncated)? as usize;
    let version = take(len).ok_or_else(truncated)?;
    if version != env!("CARGO_PKG_VERSION").as_bytes() {
        return Err(format!(
            "it was written by kabar {}, this is kabar {}",
            String::from_utf8_lossy(version),
            env!("CARGO_PKG_VERSION")
        ));
    }
    let len = take(8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(truncated)?;
    let sum = take(16).ok_or_else(truncated)?.to_vec();
    if rest.len() as u64 != len {
        return Err(format!(
            "it is truncated or padded ({} payload bytes, {len} expected)",
            rest.len()
        ));
    }
    if md5::Md5::digest(rest).as_slice() != sum.as_slice() {
        return Err("its checksum does not match (the file is damaged)".into());
    }
    rmp_serde::from_slice(rest).map_err(|e| format!("it cannot be decoded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_reads_back_and_any_damage_is_named() {
        let state = StateRef {
            frame: 7,
            output: "1 2 3".into(),
            sources: Vec::new(),
            related: related::Saved::default(),
            keys: vec![("index.html", 42)],
        };
        let (head, payload) = encode(&state).expect("encodes");
        let bytes = [head, payload].concat();
        let back = decode(&bytes).expect("decodes");
        assert_eq!(
            (back.frame, back.keys),
            (7, vec![("index.html".into(), 42)])
        );

        let why = |b: &[u8]| decode(b).err().unwrap_or_default();
        assert!(why(b"").contains("not a kabar build cache"));
        assert!(why(&bytes[..bytes.len() - 1]).contains("truncated"));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(why(&flipped).contains("checksum"), "{}", why(&flipped));
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
