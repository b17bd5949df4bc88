//! kabar: a static site generator for curated news digests.

pub mod config;
pub mod diagnostics;
pub mod load;
pub mod parse;
