//! kabar's binary: parses arguments, runs one command, and decides the exit code.

mod cli;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use kabar::Error;
use kabar::{BuildOptions, Diagnostic};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let summary = cli.command.failure_summary();
    let ui = Ui {
        quiet: cli.quiet,
        interactive: std::io::stderr().is_terminal() && !cli.quiet,
    };
    let root = cli.root;
    let result = match cli.command {
        cli::Command::Build(args) => build(&root, &ui, args),
        cli::Command::Serve(args) => serve(root, args),
        cli::Command::Check(args) => check(&root, &ui, args),
        cli::Command::Review => review(&root),
        cli::Command::New(args) => new(&root, args),
        cli::Command::Import(args) => import(&root, args),
        cli::Command::Init { dir } => init(&dir, &ui),
        cli::Command::Deploy(args) => deploy(root, args, ui.quiet),
    };
    result.unwrap_or_else(|e| fail(e, summary))
}

/// How much the user wants to hear.
struct Ui {
    quiet: bool,
    /// A terminal is watching: progress bars are welcome.
    interactive: bool,
}

/// The one place that turns an error into a report and an exit code.
fn fail(error: Error, summary: &str) -> ExitCode {
    if let Error::Content(diags) = &error {
        report(diags);
        let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
        let files: std::collections::BTreeSet<_> = errors.iter().map(|d| &d.file).collect();
        eprintln!(
            "error: {} problem(s) in {} file(s); {summary}",
            errors.len(),
            files.len()
        );
    } else {
        eprintln!("error: {error}");
    }
    ExitCode::from(error.exit_code())
}

fn report(diags: &[Diagnostic]) {
    // no-color.org: a NO_COLOR that is set and not empty turns colour off, terminal or not.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = std::io::stderr().is_terminal() && !no_color;
    for d in diags {
        eprintln!("{}\n", d.render(color));
    }
}

fn build(root: &Path, ui: &Ui, args: cli::Build) -> Result<ExitCode, Error> {
    let opts = BuildOptions {
        output: args.output,
        drafts: args.drafts,
        future: args.future,
        base_url: args.base_url,
        force: args.force,
        incremental: args.incremental,
        mode: kabar::Mode {
            now: clock()?,
            progress: ui.interactive,
            lean: true,
            ..Default::default()
        },
        ..BuildOptions::new(root)
    };
    let done = kabar::build(&opts)?;
    report(&done.warnings);
    if !ui.quiet && done.unchanged {
        eprintln!(
            "unchanged since the last build: {} articles in {}, nothing written ({:.2}s; --force rebuilds)",
            done.articles,
            done.output.display(),
            done.elapsed.as_secs_f64()
        );
    } else if !ui.quiet {
        let changes = done.changes.unwrap_or_default();
        eprintln!(
            "built {} articles into {} ({} files: {} added, {} changed, {} removed) in {:.2}s",
            done.articles,
            done.output.display(),
            done.files,
            changes.added,
            changes.changed,
            changes.removed,
            done.elapsed.as_secs_f64()
        );
        match &done.cache {
            kabar::CacheUse::Used {
                rendered,
                kept,
                related,
            } => eprintln!(
                "build cache used: {rendered} files rendered, {kept} left as they were, \
                 {related} related lists scored"
            ),
            kabar::CacheUse::Full(why) => eprintln!("full build: {why}"),
            kabar::CacheUse::NotApplicable => {}
        }
    }
    if args.timings {
        for (stage, took) in &done.stages {
            eprintln!("{:>8.1} ms  {stage}", took.as_secs_f64() * 1000.0);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The build's clock: `SOURCE_DATE_EPOCH` (seconds, the reproducible-builds convention)
/// when set, so that embargoes and the news sitemap's window can be fixed; else now.
fn clock() -> Result<Option<jiff::Timestamp>, Error> {
    let Some(raw) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    raw.to_str()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(Some)
        .ok_or_else(|| {
            Error::Usage(format!(
                "SOURCE_DATE_EPOCH={} is not a number of seconds since 1970",
                raw.to_string_lossy()
            ))
        })
}

fn serve(root: std::path::PathBuf, args: cli::Serve) -> Result<ExitCode, Error> {
    if !args.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}: other machines can reach this preview and its unpublished drafts",
            args.bind
        );
    }
    kabar::serve(&kabar::ServeOptions {
        root,
        bind: args.bind,
        port: args.port,
        output: args.output,
        open: args.open,
    })?;
    Ok(ExitCode::SUCCESS)
}

fn check(root: &Path, ui: &Ui, args: cli::Check) -> Result<ExitCode, Error> {
    let opts = BuildOptions {
        drafts: args.drafts,
        mode: kabar::Mode {
            now: clock()?,
            ..Default::default()
        },
        ..BuildOptions::new(root)
    };
    let diags = kabar::check(&opts)?;
    report(&diags);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let fail = errors > 0 || (args.strict && warnings > 0);
    if !ui.quiet || fail {
        let strict = if args.strict && errors == 0 && warnings > 0 {
            " (--strict: warnings fail)"
        } else {
            ""
        };
        eprintln!("check: {errors} error(s), {warnings} warning(s){strict}");
    }
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn review(root: &Path) -> Result<ExitCode, Error> {
    let opts = BuildOptions {
        drafts: true,
        ..BuildOptions::new(root)
    };
    let site = kabar::prepare(&opts)?;
    let outputs = kabar::output_paths(&opts, &site);
    let lints = kabar::lint(
        &site,
        &outputs,
        &kabar::LintOptions {
            now: jiff::Timestamp::now(),
            broken_link: kabar::Severity::Warning,
        },
    );
    let groups = kabar::queue(&site, &lints);
    print!("{}", kabar::queue_text(&groups));
    Ok(ExitCode::SUCCESS)
}

fn new(root: &Path, args: cli::New) -> Result<ExitCode, Error> {
    let today = kabar::today(root)?;
    let path = kabar::new_article(root, &args.title, &args.tags, today)?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn import(root: &Path, args: cli::Import) -> Result<ExitCode, Error> {
    let timezone = kabar::Config::load(root)
        .map_err(|d| Error::Content(vec![d]))?
        .tz();
    let opts = kabar::ImportOptions {
        url: args.url,
        date: args.date,
        source: args.source,
        timezone,
    };
    let report = kabar::import_paths(&args.inputs, &root.join("content"), &opts);
    for path in &report.written {
        println!("{}", path.display());
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if report.errors.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Error::Content(
            report.errors.iter().map(|e| e.to_diagnostic()).collect(),
        ))
    }
}

fn init(dir: &Path, ui: &Ui) -> Result<ExitCode, Error> {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    kabar::init(dir, today)?;
    if !ui.quiet {
        eprintln!(
            "created a new site in {}; next: cd {} && kabar serve",
            dir.display(),
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `kabar deploy`: the plan on stdout for --dry-run, a summary on stderr.
fn deploy(root: std::path::PathBuf, args: cli::Deploy, quiet: bool) -> Result<ExitCode, Error> {
    let opts = kabar::DeployOptions {
        output: args.output.unwrap_or_else(|| root.join("public")),
        root,
        target: args.target,
        dry_run: args.dry_run,
        max_deletes: args.max_deletes,
        endpoint: args.endpoint,
        verify: args.verify,
    };
    let done = kabar::deploy(&opts)?;
    let plan = &done.plan;
    if done.dry_run {
        for rel in &plan.uploads {
            println!("upload {rel}");
        }
        for rel in &plan.deletes {
            println!("delete {rel}");
        }
        if plan.deletes.len() > opts.max_deletes {
            eprintln!(
                "warning: a real deploy would refuse these {} deletions (more than --max-deletes {})",
                plan.deletes.len(),
                opts.max_deletes
            );
        }
    }
    if !quiet {
        let (verb, deleted) = if done.dry_run {
            ("would send", "to delete")
        } else {
            ("sent", "deleted")
        };
        let resumed = if done.resumed > 0 {
            format!(
                ", {} already there from an interrupted deploy",
                done.resumed
            )
        } else {
            String::new()
        };
        eprintln!(
            "deploy to {}: {verb} {} files ({} bytes), {} {deleted}, {} unchanged{resumed}; {}{:.2}s{}",
            done.target,
            plan.uploads.len(),
            done.bytes,
            plan.deletes.len(),
            plan.unchanged,
            if done.requests > 0 {
                format!("{} requests in ", done.requests)
            } else {
                String::new()
            },
            done.elapsed.as_secs_f64(),
            if done.dry_run {
                " (dry run: nothing changed)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
