//! A small DSL for tests: make a site in a temporary folder, run kabar on it, read what it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Site {
    dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success; stderr:\n{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn fails(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}; stderr:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

pub const SITE_YAML: &str = "title: \"Test Digest\"\nbase_url: \"https://news.example.org/\"\nlang: id\ntimezone: Asia/Jakarta\npaginate: 2\n";

/// Front matter + body for a published article.
pub fn article(title: &str, date: &str, tags: &[&str], body: &str) -> String {
    let tags = tags
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "---\ntitle: {title:?}\ndate: {date}\ntags: [{tags}]\nauthors: [Tester]\n---\n\n{body}\n"
    )
}

impl Site {
    pub fn new() -> Site {
        Site::empty().file("site.yaml", SITE_YAML)
    }

    pub fn empty() -> Site {
        Site {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A copy of a fixture folder under tests/fixtures.
    pub fn fixture(name: &str) -> Site {
        let site = Site::empty();
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        copy_tree(&src, site.path());
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, text: &str) -> Site {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_kabar"))
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run kabar");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs kabar through a wrapper command: `wrapper`, then kabar's path, then
    /// `args` (`setpriv --reuid=… kabar build`, `sh -c '…; exec "$0" "$@"' kabar build`).
    pub fn run_via(&self, wrapper: &[&str], args: &[&str]) -> Run {
        self.run_bin_via(Path::new(env!("CARGO_BIN_EXE_kabar")), wrapper, args)
    }

    /// [`Site::run_via`] with another copy of the kabar binary.
    pub fn run_bin_via(&self, kabar: &Path, wrapper: &[&str], args: &[&str]) -> Run {
        let (program, rest) = wrapper.split_first().expect("a wrapper command");
        let out = Command::new(program)
            .args(rest)
            .arg(kabar)
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn build(&self) -> Run {
        self.run(&["build", "--quiet"])
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    /// Staging or old-output folders a build left beside the output.
    pub fn build_leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.path())
            .expect("read")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("kabar-staging") || n.contains("kabar-old"))
            .collect()
    }

    /// Every file under `rel` with its bytes, keyed by relative path.
    pub fn tree(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let root = self.path().join(rel);
        walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&root).expect("prefix").to_path_buf();
                (rel, std::fs::read(e.path()).expect("read"))
            })
            .collect()
    }
}

/// Copies a file, or a folder with everything in it.
pub fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(src).expect("prefix");
        // `join("")` would add a trailing slash, which a file path cannot take.
        let target = if rel.as_os_str().is_empty() {
            dst.to_path_buf()
        } else {
            dst.join(rel)
        };
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Parses HTML with a real parser.
pub fn html(text: &str) -> scraper::Html {
    scraper::Html::parse_document(text)
}

pub fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel).collect()
}

pub fn text_of(doc: &scraper::Html, css: &str) -> String {
    select(doc, css)
        .first()
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default()
}
