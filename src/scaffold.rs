//! Scaffold: a title or a folder name → a new draft article or a new site on disk.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::index::archive::day_path;
use crate::parse::slug::slugify;

/// Writes `content/YYYY/MM/DD/<slug>.md` as a draft dated `date`; never overwrites.
pub fn new_article(
    root: &Path,
    title: &str,
    tags: &[String],
    date: jiff::civil::Date,
) -> Result<PathBuf, Error> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::Usage("the title is empty".into()));
    }
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(Error::Usage(format!(
            "the title `{title}` gives an empty slug; use a title with letters or digits"
        )));
    }
    let rel = PathBuf::from(format!("content/{}{slug}.md", day_path(date)));
    let path = root.join(&rel);
    if path.exists() {
        return Err(Error::Usage(format!("{} already exists", rel.display())));
    }
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let tags = tags
        .iter()
        .map(|t| quoted(t.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "---\ntitle: {}\ndate: {date}\nslug: {slug}\nsummary: \"\"\ntags: [{tags}]\nauthors: []\nstatus: draft\n---\n\nWrite the story here.\n",
        quoted(title)
    );
    write_new(&path, &text)?;
    Ok(rel)
}

/// A minimal site: configuration, one published welcome article, empty theme folders.
pub fn init(dir: &Path, today: jiff::civil::Date) -> Result<(), Error> {
    if dir.exists() && dir.read_dir().map_or(true, |mut d| d.next().is_some()) {
        return Err(Error::Usage(format!(
            "{} exists and is not empty",
            dir.display()
        )));
    }
    let name = dir
        .file_name()
        .map_or_else(|| "Kabar".to_string(), |n| n.to_string_lossy().into_owned());
    let files = [
        (
            "site.yaml".to_string(),
            format!(
                "title: {}\nbase_url: \"https://example.org/\"\nlang: id\ntimezone: Asia/Jakarta\ndescription: \"\"\npaginate: 20\ntag_aliases: {{}}\nrelated: {{count: 5}}\n",
                serde_json::to_string(&name).unwrap_or_default()
            ),
        ),
        (
            format!("content/{}selamat-datang.md", day_path(today)),
            format!(
                "---\ntitle: \"Selamat datang\"\ndate: {today}\ntags: [Kabar]\n---\n\nThis is the first article of the digest. Edit or delete it, then run `kabar serve`.\n"
            ),
        ),
        ("templates/.keep".to_string(), String::new()),
        ("static/.keep".to_string(), String::new()),
    ];
    for (rel, body) in files {
        write_new(&dir.join(&rel), &body)?;
    }
    Ok(())
}

fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io("create", parent))?;
    }
    std::fs::write(path, text).map_err(Error::io("write", path))
}
