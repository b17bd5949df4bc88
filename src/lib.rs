//! kabar: a static site generator for curated news digests.

pub mod config;
pub mod diagnostics;
pub mod import;
pub mod index;
pub mod load;
pub mod parse;
pub mod render;
pub mod review;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod write;
