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

/// The first set a hub registry records for `keys` staking `stakes` whole tokens at `timestamp`.
pub(crate) fn expected_set(
    keys: &[causeway_core::OperatorKey],
    stakes: &[u64],
    timestamp: u64,
    params: &causeway_adapter_evm::deploy::HubParams,
) -> Result<causeway_core::OperatorSet> {
    let members = keys
        .iter()
        .zip(stakes)
        .map(|(k, &stake)| causeway_core::Operator {
            address: k.address(),
            weight: causeway_adapter_evm::deploy::tokens(stake).to(),
        })
        .collect();
    Ok(causeway_core::OperatorSet::from_unsorted(
        1,
        timestamp,
        members,
        params.threshold_bps,
        params.min_signers,
    )?)
}
