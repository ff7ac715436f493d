//! The adapter against real anvil chains: deploy from the committed bindings, read with
//! `EvmSource`, deliver with `EvmSink`.

mod deliver;
mod deploy;
mod deploy_all;
mod registry;

use alloy::node_bindings::{Anvil, AnvilInstance};
use eyre::{Result, WrapErr};

/// An anvil from the project's own toolchain, killed when dropped.
pub(crate) fn anvil(chain_id: u64) -> Result<AnvilInstance> {
    let root = causeway_toolchain::workspace_root()?;
    let toolchain = causeway_toolchain::ensure(&root)?;
    Anvil::at(&toolchain.anvil).chain_id(chain_id).try_spawn().wrap_err("starting anvil")
}
