//! kabar's binary: parses arguments, runs one command, and decides the exit code.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use kabar::diagnostics::Diagnostic;
use kabar::site::{self, BuildOptions, Error};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Error::Content(diags)) => {
            report(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            let files: std::collections::BTreeSet<_> = diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| &d.file)
                .collect();
            eprintln!(
                "error: {n} problem(s) in {} file(s); nothing was published",
                files.len()
            );
            ExitCode::from(1)
        }
        Err(Error::Io(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn report(diags: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal();
    for d in diags {
        eprintln!("{}\n", d.render(color));
    }
}

fn run(cli: cli::Cli) -> Result<ExitCode, Error> {
    let root = cli.root;
    let interactive = std::io::stderr().is_terminal() && !cli.quiet;
    match cli.command {
        cli::Command::Build {
            drafts,
            future,
            base_url,
            output,
            force,
            timings,
        } => {
            let opts = BuildOptions {
                output,
                drafts,
                future,
                base_url,
                progress: interactive,
                lean: true,
                force,
                ..BuildOptions::new(&root)
            };
            let done = site::build(&opts)?;
            report(&done.warnings);
            if !cli.quiet && done.unchanged {
                eprintln!(
                    "unchanged since the last build: {} articles in {}, nothing written ({:.2}s; --force rebuilds)",
                    done.articles,
                    done.output.display(),
                    done.elapsed.as_secs_f64()
                );
            } else if !cli.quiet {
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
            }
            if timings {
                for (stage, took) in &done.stages {
                    eprintln!("{:>8.1} ms  {stage}", took.as_secs_f64() * 1000.0);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Serve {
            bind,
            port,
            open,
            output,
        } => {
            if !bind.is_loopback() {
                eprintln!(
                    "warning: listening on {bind}: other machines can reach this preview and its unpublished drafts"
                );
            }
            kabar::serve::run(&kabar::serve::ServeOptions {
                root,
                bind,
                port,
                output,
                open,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Check { strict, drafts } => {
            let opts = BuildOptions {
                drafts,
                ..BuildOptions::new(&root)
            };
            let diags = kabar::review::check(&opts)?;
            report(&diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            let fail = errors > 0 || (strict && warnings > 0);
            if !cli.quiet || fail {
                eprintln!(
                    "check: {errors} error(s), {warnings} warning(s){}",
                    if strict && errors == 0 && warnings > 0 {
                        " (--strict: warnings fail)"
                    } else {
                        ""
                    }
                );
            }
            Ok(if fail {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        cli::Command::Review => {
            let opts = BuildOptions {
                drafts: true,
                ..BuildOptions::new(&root)
            };
            let site = site::prepare(&opts)?;
            let outputs = site::output_paths(&opts, &site);
            let lints = kabar::review::lint(
                &site,
                &outputs,
                &kabar::review::LintOptions {
                    now: jiff::Timestamp::now(),
                    broken_link: kabar::diagnostics::Severity::Warning,
                },
            );
            let groups = kabar::review::queue(&site, &lints);
            print!("{}", kabar::review::queue_text(&groups));
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::New { title, tags } => {
            let today = site::today(&root)?;
            let path =
                kabar::scaffold::new_article(&root, &title, &tags, today).map_err(Error::Io)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Import {
            inputs,
            url,
            date,
            source,
        } => {
            let timezone = kabar::config::Config::load(&root)
                .map_err(|d| Error::Content(vec![d]))?
                .tz();
            let opts = kabar::import::ImportOptions {
                url,
                date,
                source,
                timezone,
            };
            let report = kabar::import::import_paths(&inputs, &root.join("content"), &opts);
            for path in &report.written {
                println!("{}", path.display());
            }
            if report.errors.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(Error::Content(
                    report.errors.iter().map(|e| e.to_diagnostic()).collect(),
                ))
            }
        }
        cli::Command::Init { dir } => {
            let today = jiff::Timestamp::now()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date();
            kabar::scaffold::init(&dir, today).map_err(Error::Io)?;
            if !cli.quiet {
                eprintln!(
                    "created a new site in {}; next: cd {} && kabar serve",
                    dir.display(),
                    dir.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Deploy {
            target,
            dry_run,
            max_deletes,
            endpoint,
            output,
            verify,
        } => deploy(
            kabar::deploy::DeployOptions {
                output: output.unwrap_or_else(|| root.join("public")),
                root,
                target,
                dry_run,
                max_deletes,
                endpoint,
                verify,
            },
            cli.quiet,
        ),
    }
}

/// `kabar deploy`: the plan on stdout for --dry-run, a summary on stderr.
fn deploy(opts: kabar::deploy::DeployOptions, quiet: bool) -> Result<ExitCode, Error> {
    let done = kabar::deploy::deploy(&opts).map_err(|e| Error::Io(e.to_string()))?;
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
