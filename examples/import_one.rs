//! Imports one file and prints the resulting Markdown (nothing is written).
//!
//! `cargo run --example import_one -- FILE [--date YYYY-MM-DD] [--url URL] [--source NAME]`

use kabar::{ImportOptions, import_str};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut opts = ImportOptions::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--date" => opts.date = args.next().map(|d| d.parse()).transpose()?,
            "--url" => opts.url = args.next(),
            "--source" => opts.source = args.next(),
            _ => file = Some(a),
        }
    }
    let file =
        file.ok_or("usage: import_one FILE [--date YYYY-MM-DD] [--url URL] [--source NAME]")?;
    let input = String::from_utf8_lossy(&std::fs::read(&file)?).into_owned();
    let imported = import_str(&file, &input, &opts)?;
    println!("# path: {}", imported.relative_path().display());
    print!("{}", imported.to_markdown());
    Ok(())
}
