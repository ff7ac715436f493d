//! The adapter against the dev FRAME runtime executed by chopsticks: dispatches decoded into
//! messages or rejected with a reason, and escrow releases approved by operator keys.
//!
//! The runtime's chain specs come from `cargo xtask runtime`; `cargo xtask test` builds them and
//! sets `CAUSEWAY_REQUIRE_RUNTIME=1`, so in CI a missing spec fails instead of skipping.

mod escrow;
mod source;

use std::path::PathBuf;

use causeway_adapter_substrate::{Client, Expected};
use causeway_toolchain::chopsticks::{BuildBlockMode, Chopsticks, ChopsticksOptions};
use eyre::{Result, WrapErr};

/// A chopsticks node on the dev runtime's `profile` spec with its connected client, or `None`
/// (with a note) when the spec or the toolchain is missing and the run does not require them.
pub(crate) async fn dev_chain(profile: &str) -> Result<Option<(Chopsticks, Client)>> {
    let root = causeway_toolchain::workspace_root()?;
    let Some(spec) = causeway_toolchain::chopsticks::dev_spec(&root, profile)? else {
        return Ok(None);
    };
    let toolchain = causeway_toolchain::ensure(&root)?;
    let node = Chopsticks::start(
        &toolchain.chopsticks,
        &spec,
        &ChopsticksOptions { mode: BuildBlockMode::Instant, ..ChopsticksOptions::default() },
    )?;
    let (ss58_prefix, decimals) = if profile == "astar-dev" { (5, 18) } else { (0, 10) };
    let expected = Expected {
        name: profile.into(),
        runtime: Some(format!("causeway-{profile}")),
        ss58_prefix,
        decimals,
    };
    let client = Client::connect(&node.ws_url(), &expected).await.wrap_err("connect")?;
    Ok(Some((node, client)))
}

/// The spec path, for tests that start their own node.
#[allow(dead_code)]
pub(crate) fn spec(profile: &str) -> Result<Option<PathBuf>> {
    let root = causeway_toolchain::workspace_root()?;
    Ok(causeway_toolchain::chopsticks::dev_spec(&root, profile)?)
}
