//! `causeway config`: check a configuration (every problem at once) or show the effective one.
//!
//! Layering, lowest first: `--preset` < `FILE` < `CAUSEWAY_SECTION__KEY` environment variables
//! < `--set section.key=value` flags.

use std::path::PathBuf;

use causeway_config::{ConfigError, Sources};
use clap::{Args, Subcommand};
use eyre::eyre;

use crate::Failure;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate a configuration and list every problem with its path (exit 2 if invalid).
    Check(SourceArgs),
    /// Print the effective configuration after layering, as TOML.
    Show(SourceArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SourceArgs {
    /// Config file (TOML).
    file: Option<PathBuf>,
    /// Start from a built-in preset (e.g. `devnet`).
    #[arg(long)]
    preset: Option<String>,
    /// Override one key, e.g. `--set relayer.batch_size=64` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

pub(crate) fn run(command: ConfigCommand) -> Result<(), Failure> {
    let (args, show) = match command {
        ConfigCommand::Check(args) => (args, false),
        ConfigCommand::Show(args) => (args, true),
    };
    if args.file.is_none() && args.preset.is_none() {
        return Err(Failure::invalid(eyre!(
            "give a config FILE, a --preset (one of: {}), or both",
            causeway_config::presets().join(", ")
        )));
    }
    let config = load(args.preset, args.file, args.set)?;
    if show {
        print!("{}", config.to_toml());
    } else {
        let chains: Vec<String> =
            config.chains.iter().map(|(name, c)| format!("{name} (domain {})", c.domain)).collect();
        println!("configuration is valid: {} chains: {}", chains.len(), chains.join(", "));
    }
    Ok(())
}

/// Loads and validates a configuration from its layers; invalid input is exit code 2.
pub(crate) fn load(
    preset: Option<String>,
    file: Option<PathBuf>,
    set: Vec<String>,
) -> Result<causeway_config::Config, Failure> {
    load_sources(&Sources::from_process_env(preset, file, set))
}

/// Loads and validates the configuration of `sources`; an invalid one is exit code 2 with every
/// problem listed.
pub(crate) fn load_sources(sources: &Sources) -> Result<causeway_config::Config, Failure> {
    causeway_config::load(sources).map_err(|e| match e {
        ConfigError::Invalid(problems) => {
            let count = problems.len();
            let noun = if count == 1 { "problem" } else { "problems" };
            Failure::invalid(eyre!("configuration has {count} {noun}:\n{problems}"))
        }
        other => Failure::invalid(other),
    })
}
