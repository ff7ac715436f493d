//! One module per subcommand.

pub(crate) mod config;
#[cfg(feature = "devnet")]
pub(crate) mod devnet;
pub(crate) mod message;
pub(crate) mod roles;
#[cfg(feature = "devnet")]
pub(crate) mod toolchain;
pub(crate) mod tree;

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), crate::Failure> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
