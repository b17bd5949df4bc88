//! kabar: a static site generator for curated news digests.

pub mod config;
pub mod diagnostics;
pub mod error;
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

pub use error::Error;

/// Asked now and then by work that may be abandoned (the preview's second pass):
/// `true` means a newer change is waiting and the work should stop.
pub type GiveWay = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;
