//! Command line: arguments → a command for main to run (binary only; the library knows nothing of clap).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kabar",
    version,
    about = "A static site generator for curated news digests"
)]
pub struct Cli {
    /// The site folder (holds site.yaml and content/).
    #[arg(long, short = 'C', global = true, default_value = ".")]
    pub root: PathBuf,
    /// No progress bar and no summary line.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the publishable set into the output folder, atomically.
    Build(Build),
    /// Preview the site with drafts and review items, reloading on every change.
    Serve(Serve),
    /// Validate content, templates and internal links, and run the lints.
    Check(Check),
    /// The editorial queue: drafts and review items, newest first, with their lints.
    Review,
    /// Scaffold a draft article dated today.
    New(New),
    /// Clean raw scraped articles (plain text or HTML) into content/ with `status: review`.
    Import(Import),
    /// Create a new site in DIR.
    Init { dir: PathBuf },
    /// Send the files that changed since the last deploy to a bucket or a folder.
    Deploy(Deploy),
}

impl Command {
    /// What failing on bad content means for this command, after the problems are listed.
    pub fn failure_summary(&self) -> &'static str {
        match self {
            Command::Build(_) | Command::Serve(_) => "nothing was published",
            Command::Import(_) => "those files were not imported; the others were",
            Command::Check(_) => "the site does not build",
            Command::Review => "fix them to see the queue",
            Command::New(_) | Command::Init { .. } => "nothing was written",
            Command::Deploy(_) => "nothing was sent",
        }
    }
}

#[derive(Debug, Args)]
pub struct Build {
    /// Include drafts, review items and future-dated articles.
    #[arg(long)]
    pub drafts: bool,
    /// Include future-dated published articles.
    #[arg(long)]
    pub future: bool,
    /// Override base_url from site.yaml.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Output folder (default: public/ in the site).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Rebuild even if nothing changed since the last build (and ignore the build cache).
    #[arg(long)]
    pub force: bool,
    /// Keep a build cache beside the output and rebuild only what changed since it.
    #[arg(long)]
    pub incremental: bool,
    /// Print how long each stage took (reading, parsing, indexing, rendering…).
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct Serve {
    /// Address to listen on; anything but loopback exposes unpublished drafts.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Open the front page in a browser.
    #[arg(long)]
    pub open: bool,
    /// Preview output folder (default: .kabar-preview/ in the site).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Check {
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub strict: bool,
    /// Check as the preview builds: drafts and review items included.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Args)]
pub struct New {
    pub title: String,
    /// Comma-separated tags.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct Import {
    /// Files or folders of .txt/.html pages.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The original article's URL (when the page does not say).
    #[arg(long)]
    pub url: Option<String>,
    /// Publication date to use when the page has none (YYYY-MM-DD).
    #[arg(long)]
    pub date: Option<jiff::civil::Date>,
    /// The source's name (when the page does not say).
    #[arg(long)]
    pub source: Option<String>,
}

#[derive(Debug, Args)]
pub struct Deploy {
    /// `s3://bucket/prefix` (credentials and region from the AWS_* environment
    /// variables) or a local folder.
    pub target: String,
    /// List what would be uploaded and deleted; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse to delete more files than this from the target.
    #[arg(long, default_value_t = 256)]
    pub max_deletes: usize,
    /// S3 endpoint URL (MinIO, R2, …); default AWS_ENDPOINT_URL or AWS's.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// The built output folder to deploy (default: public/ in the site).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Compare with a listing of the bucket, not its manifest, and send what differs.
    #[arg(long)]
    pub verify: bool,
}
