//! kabar: a static site generator for curated news digests.

pub mod config;
pub mod deploy;
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

/// Asked now and then by work that may be abandoned (the preview's second pass):
/// `true` means a newer change is waiting and the work should stop.
pub type GiveWay = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;
