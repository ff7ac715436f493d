//! `causeway`: the command line of the Causeway cross-chain hub.
//!
//! Every subcommand lives in `cmd/`; this file only parses arguments and turns errors into one
//! clear line and an exit code (1 for a failure, 2 for invalid input such as a bad config).
//! The chain adapters are wired to the core traits in `causeway-node` (its chain registry).

mod cmd;
mod input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Causeway: a cross-chain hub with restaked finality.
#[derive(Debug, Parser)]
#[command(name = "causeway", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main demo: local chains (the hub and a spoke by default), every contract, 4
    /// operators, indexer, relayer; a message each way and tokens out and back, with a final
    /// table. Ctrl-C stops it (`--once` exits).
    #[cfg(feature = "devnet")]
    Devnet(cmd::devnet::DevnetArgs),
    /// Follow every configured chain into the store and serve the HTTP API.
    Indexer(cmd::roles::ConfigArgs),
    /// Run an operator node, or register / announce it in the hub registry.
    #[command(subcommand)]
    Operator(cmd::roles::OperatorCommand),
    /// Run the relayer, or inspect and steer its queue (list, retry, skip).
    #[command(subcommand)]
    Relayer(cmd::roles::RelayerCommand),
    /// Check or show configuration.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Encode, decode and hash cross-chain messages.
    #[command(subcommand)]
    Message(cmd::message::MessageCommand),
    /// Outbox Merkle tree: roots, proofs, verification (for debugging a stuck message).
    #[command(subcommand)]
    Tree(cmd::tree::TreeCommand),
    /// Install the pinned local toolchain (anvil, forge, cast, solc, chopsticks) and print versions.
    #[cfg(feature = "devnet")]
    Toolchain,
}

/// An error with its exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    error: eyre::Report,
}

impl Failure {
    /// Invalid input: exit code 2.
    pub(crate) fn invalid(error: impl Into<eyre::Report>) -> Self {
        Self { code: 2, error: error.into() }
    }
}

impl<E: Into<eyre::Report>> From<E> for Failure {
    fn from(error: E) -> Self {
        Self { code: 1, error: error.into() }
    }
}

/// Logs to stderr at `default` level unless `RUST_LOG` says otherwise.
pub(crate) fn logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour only for a person at a terminal, and never with NO_COLOR (https://no-color.org).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        #[cfg(feature = "devnet")]
        Command::Devnet(a) => cmd::devnet::run(a),
        Command::Indexer(a) => cmd::roles::indexer(a),
        Command::Operator(c) => cmd::roles::operator(c),
        Command::Relayer(c) => cmd::roles::relayer(c),
        Command::Config(c) => cmd::config::run(c),
        Command::Message(c) => cmd::message::run(c),
        Command::Tree(c) => cmd::tree::run(c),
        #[cfg(feature = "devnet")]
        Command::Toolchain => cmd::toolchain::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, error }) => {
            eprintln!("error: {error:#}");
            ExitCode::from(code)
        }
    }
}
