//! Command line: arguments → a command for main to run (binary only; the library knows nothing of clap).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    Build {
        /// Include drafts, review items and future-dated articles.
        #[arg(long)]
        drafts: bool,
        /// Include future-dated published articles.
        #[arg(long)]
        future: bool,
        /// Override base_url from site.yaml.
        #[arg(long)]
        base_url: Option<String>,
        /// Output folder (default: public/ in the site).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Rebuild even if nothing changed since the last build.
        #[arg(long)]
        force: bool,
        /// Print how long each stage took (reading, parsing, indexing, rendering…).
        #[arg(long)]
        timings: bool,
    },
    /// Preview the site with drafts and review items, reloading on every change.
    Serve {
        /// Address to listen on; anything but loopback exposes unpublished drafts.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Port to listen on (0 picks a free one).
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Open the front page in a browser.
        #[arg(long)]
        open: bool,
        /// Preview output folder (default: .kabar-preview/ in the site).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Validate content, templates and internal links, and run the lints.
    Check {
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        strict: bool,
        /// Check as the preview builds: drafts and review items included.
        #[arg(long)]
        drafts: bool,
    },
    /// The editorial queue: drafts and review items, newest first, with their lints.
    Review,
    /// Scaffold a draft article dated today.
    New {
        title: String,
        /// Comma-separated tags.
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
    },
    /// Clean raw scraped articles (plain text or HTML) into content/ with `status: review`.
    Import {
        /// Files or folders of .txt/.html pages.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The original article's URL (when the page does not say).
        #[arg(long)]
        url: Option<String>,
        /// Publication date to use when the page has none (YYYY-MM-DD).
        #[arg(long)]
        date: Option<jiff::civil::Date>,
        /// The source's name (when the page does not say).
        #[arg(long)]
        source: Option<String>,
    },
    /// Create a new site in DIR.
    Init { dir: PathBuf },
    /// Send the files that changed since the last deploy to a bucket or a folder.
    Deploy {
        /// `s3://bucket/prefix` (credentials and region from the AWS_* environment
        /// variables) or a local folder.
        target: String,
        /// List what would be uploaded and deleted; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Refuse to delete more files than this from the target.
        #[arg(long, default_value_t = 256)]
        max_deletes: usize,
        /// S3 endpoint URL (MinIO, R2, …); default AWS_ENDPOINT_URL or AWS's.
        #[arg(long)]
        endpoint: Option<String>,
        /// The built output folder to deploy (default: public/ in the site).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Compare with a listing of the bucket, not its manifest, and send what differs.
        #[arg(long)]
        verify: bool,
    },
}
