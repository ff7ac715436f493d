//! The one error type of the crate. Every message says what failed and what to do about it.

use std::{io, path::PathBuf};

use crate::MIN_NODE_MAJOR;

/// Why the toolchain could not be found, installed or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolchainError {
    /// No directory holding both `toolchain/package.json` and a `Cargo.toml` with `[workspace]`.
    #[error(
        "cannot find the Causeway workspace root (a directory holding toolchain/package.json and a \
         Cargo.toml with [workspace]); searched upwards from {}: run from inside the repository",
        display_paths(.searched)
    )]
    WorkspaceNotFound {
        /// The directories the search started from.
        searched: Vec<PathBuf>,
    },

    /// A file the toolchain is defined by is missing from the checkout.
    #[error("{} is missing: {hint}", .path.display())]
    MissingFile {
        /// The missing file.
        path: PathBuf,
        /// What to do about it.
        hint: &'static str,
    },

    /// A program the bootstrap runs is not on `PATH`.
    #[error("{program} not found on PATH: {hint}")]
    NotOnPath {
        /// The program looked for (`node`, `npm`, `rustup`).
        program: &'static str,
        /// What to install.
        hint: &'static str,
    },

    /// A program could not be started at all.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why the operating system refused.
        source: io::Error,
    },

    /// A program ran and failed.
    #[error("`{command}` failed in {} ({status}): {stderr_tail}", .dir.display())]
    CommandFailed {
        /// The command line.
        command: String,
        /// Its working directory.
        dir: PathBuf,
        /// `exit N` or `killed by a signal`.
        status: String,
        /// The last lines of its standard error (or output when that is empty).
        stderr_tail: String,
    },

    /// `npm ci` succeeded but a tool it should have installed is not there.
    #[error(
        "npm ci finished but {} is missing: toolchain/package.json must depend on the package \
         that provides it",
        .path.display()
    )]
    MissingAfterInstall {
        /// The expected executable.
        path: PathBuf,
    },

    /// A tool's output does not contain a version this crate can read.
    #[error("cannot read the version of {tool} from its output {output:?}: {hint}")]
    UnparsableVersion {
        /// Tool name.
        tool: &'static str,
        /// What it printed (trimmed).
        output: String,
        /// What to do about it.
        hint: &'static str,
    },

    /// A tool reports another version than the one pinned.
    #[error("{tool} reports version {found}, expected {expected}: {hint}")]
    VersionMismatch {
        /// Tool name.
        tool: &'static str,
        /// The version it reports.
        found: String,
        /// The pinned version.
        expected: String,
        /// What to do about it.
        hint: &'static str,
    },

    /// Node.js is older than the tools need.
    #[error("node reports version {found}: install Node.js ≥ {MIN_NODE_MAJOR}")]
    NodeTooOld {
        /// The version `node --version` printed.
        found: String,
    },

    /// Reading or writing a file of the toolchain failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done (`read`, `write`, `lock`, …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },

    /// A chopsticks node did not start or stopped before serving.
    #[error("chopsticks: {detail}")]
    Chopsticks {
        /// What happened, with its log.
        detail: String,
    },
}

impl ToolchainError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io { action, path: path.into(), source }
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
