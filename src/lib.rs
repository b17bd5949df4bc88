//! kabar: a static site generator for curated news digests.
//!
//! A build is five stages, each taking the previous one's output and returning its own;
//! nothing below `site` calls back up:
//!
//! ```text
//! load     site folder        → Loaded files (sorted walk, no symlinks out of the root)
//! parse    files              → Articles (front matter, Markdown, highlighting, sanitising)
//! index    articles           → Index (dates, editions, tags, stories, related stories)
//! render   index + templates  → bytes per output path (plan → render in parallel → emit)
//! write    bytes              → a staging folder, exchanged with the output in one step
//! ```
//!
//! `site` is the only module that knows that order (`build`, `prepare`, and the
//! incremental `Preview`). Around it: `serve` (the preview server) and `review` (lints,
//! link checks, the editorial queue) read a prepared site; `import` turns raw scraped
//! pages into articles; `scaffold` writes new ones. Problems with content travel as
//! `Diagnostic`s (file:line:col, message, hint); what stops a command is an `Error`,
//! which decides the exit code.

mod config;
mod deploy;
mod diagnostics;
mod error;
mod import;
mod index;
mod load;
mod packed;
mod parse;
mod render;
mod review;
mod scaffold;
mod serve;
mod site;
mod write;

pub use config::Config;
pub use deploy::{DeployOptions, deploy};
pub use diagnostics::{Diagnostic, Severity};
pub use error::Error;
pub use import::{ImportError, ImportOptions, Problem, import_paths, import_str};
pub use review::{LintOptions, check, lint, queue, queue_text};
pub use scaffold::{init, new_article};
pub use serve::{ServeOptions, run as serve};
pub use site::preview::Preview;
pub use site::{
    BuildOptions, BuildReport, CacheUse, Mode, Prepared, build, output_paths, prepare, today,
};
pub use write::Refusal;

/// What the fuzz targets and the evaluation examples reach below the commands.
#[doc(hidden)]
pub mod internals {
    pub use crate::import::{MAX_INPUT_BYTES, decode_input, jakarta};
    pub use crate::index::related::{Corpus, Weights, related_with};
    pub use crate::index::search::digest_and_features as search_digest;
    pub use crate::index::{IndexOptions, build as index, tags};
    pub use crate::load::load;
    pub use crate::parse::frontmatter::{MAX_FRONT_MATTER_BYTES, parse as front_matter, split};
    pub use crate::parse::markdown::render as markdown;
    pub use crate::parse::{Article, Lean, parse};
    pub use crate::serve::{Resolved, resolve_in, safe_path};
    pub use crate::write::Entry;
}

/// Asked now and then by work that may be abandoned (the preview's second pass):
/// `true` means a newer change is waiting and the work should stop.
pub type GiveWay = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;
