//! Errors: what stops a command → the message a user reads and the exit code it means.
//!
//! Diagnostics (bad content, with file:line:col) and warnings travel as values in
//! `Diagnostic`s; this is only what makes a command fail as a whole.

use std::path::PathBuf;

use crate::diagnostics::Diagnostic;
use crate::write::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad content, configuration or templates: fix the site (exit 1).
    #[error("{} problem(s) in the site", errors(.0))]
    Content(Vec<Diagnostic>),
    /// The machine failed us: disk, permissions, the network (exit 2).
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// kabar will not replace or delete this folder (exit 2); nothing was touched.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The command cannot run as asked: no site here, a file that exists (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A deploy that could not finish or would not start; the target is whole (exit 2).
    #[error(transparent)]
    Deploy(#[from] crate::deploy::Error),
}

impl Error {
    /// The process's exit code for this error: 1 for content, 2 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Content(_) => 1,
            Error::Io { .. } | Error::Refused(_) | Error::Usage(_) | Error::Deploy(_) => 2,
        }
    }

    /// An I/O failure while doing `action` to `path`, for `map_err`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            path,
            action,
            source,
        }
    }
}

fn errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_exit_1_and_everything_else_exit_2() {
        let io = Error::io("write", "public/x")(std::io::Error::other("disk full"));
        assert_eq!(io.to_string(), "public/x: cannot write: disk full");
        assert_eq!(io.exit_code(), 2);
        assert_eq!(Error::Content(Vec::new()).exit_code(), 1);
        assert_eq!(Error::Usage("no content/ folder".into()).exit_code(), 2);
    }
}
