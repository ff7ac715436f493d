//! Errors of loading and validating a configuration.
//!
//! Two shapes, on purpose. A source that cannot be read or is not TOML at all stops loading at once
//! ([`ConfigError::Io`], [`ConfigError::Parse`]). Everything else — unknown fields, wrong types,
//! bad values, broken references — is collected into [`Problems`], so that one run of
//! `causeway config check` shows every mistake with its path and where the value came from.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while building a [`crate::Config`] or resolving something in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The `--config` file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A source is not valid TOML, or an env var / override is malformed.
    #[error("{origin}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Parse {
        /// Where the text came from: `file ./causeway.toml`, `env CAUSEWAY_…`, `override a.b`.
        origin: String,
        /// The key path when one is known, else empty.
        path: String,
        /// What is wrong; for TOML syntax errors it starts with `line L, column C:`.
        message: String,
    },
    /// The sources parsed but the configuration is not usable: every problem found.
    #[error("{count} configuration problem{plural}:\n{list}", count = .0.len(), plural = if .0.len() == 1 { "" } else { "s" }, list = .0)]
    Invalid(Problems),
    /// `Sources::preset` names no embedded preset.
    #[error("unknown preset \"{name}\"; known presets: {}", known.join(", "))]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: Vec<String>,
    },
    /// A chain name that is not a `[chains.<name>]` entry.
    #[error("unknown chain \"{name}\"; configured: {}", configured.join(", "))]
    UnknownChain {
        /// The name asked for.
        name: String,
        /// The configured chain names, sorted.
        configured: Vec<String>,
    },
    /// A secret could not be loaded from its source. Never contains the secret.
    #[error("cannot load secret from {from}: {reason}")]
    Secret {
        /// The source, as `env NAME` or `file PATH`.
        from: String,
        /// Why it failed.
        reason: String,
    },
}

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path, with `[i]` for array elements: `chains.astar.rpc`, `relayer.routes[0].to`.
    pub path: String,
    /// What is wrong and, where it helps, what would be right.
    pub message: String,
    /// Which layer set the offending value (`file ./x.toml`, `env CAUSEWAY_…`, `preset devnet`,
    /// `override relayer.batch_size`), when it can be told.
    pub origin: Option<String>,
}

impl Problem {
    /// A problem with no known origin.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into(), origin: None }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(origin) = &self.origin {
            write!(f, " (from {origin})")?;
        }
        Ok(())
    }
}

/// Every problem found, in a stable order (structural ones first, then by section).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, one by one.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// The paths of all problems, in order (handy in tests and scripts).
    pub fn paths(&self) -> Vec<&str> {
        self.0.iter().map(|p| p.path.as_str()).collect()
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One line per problem, no trailing newline.
impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_display_one_line_each() {
        let problems = Problems(vec![
            Problem::new("chains.astar.rpc", "not a ws:// or wss:// URL: \"http//x\""),
            Problem {
                path: "relayer.batch_size".into(),
                message: "must be between 1 and 1024, got 0".into(),
                origin: Some("env CAUSEWAY_RELAYER__BATCH_SIZE".into()),
            },
        ]);
        assert_eq!(
            problems.to_string(),
            "chains.astar.rpc: not a ws:// or wss:// URL: \"http//x\"\n\
             relayer.batch_size: must be between 1 and 1024, got 0 \
             (from env CAUSEWAY_RELAYER__BATCH_SIZE)"
        );
        let err = ConfigError::Invalid(problems);
        assert!(err.to_string().starts_with("2 configuration problems:\nchains.astar.rpc"));
    }

    #[test]
    fn parse_error_display() {
        let err = ConfigError::Parse {
            origin: "file x.toml".into(),
            path: String::new(),
            message: "line 1, column 3: expected `=`".into(),
        };
        assert_eq!(err.to_string(), "file x.toml: line 1, column 3: expected `=`");
        let err = ConfigError::UnknownChain {
            name: "x".into(),
            configured: vec!["a".into(), "b".into()],
        };
        assert_eq!(err.to_string(), "unknown chain \"x\"; configured: a, b");
    }
}
