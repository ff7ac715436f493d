//! `cargo xtask abi [--check]`: builds the contracts with forge and writes the ABI and bytecode
//! of every contract the Rust side binds to into `adapters/evm/abi/<Name>.json`, the files the
//! `sol!` bindings read. With `--check`, fails when the committed files differ from a fresh
//! build (CI runs this), so bindings never drift from the Solidity.

use std::{path::Path, process::Command};

use eyre::{Result, WrapErr, bail, eyre};
use serde_json::{Value, json};

/// Contracts the Rust side binds to: (source file name, contract name).
pub(crate) const CONTRACTS: &[(&str, &str)] = &[
    ("Mailbox.sol", "Mailbox"),
    ("MessageLog.sol", "MessageLog"),
    ("NullRecipient.sol", "NullRecipient"),
    ("OperatorSetMirror.sol", "OperatorSetMirror"),
    ("RestakingRegistry.sol", "RestakingRegistry"),
    ("StakeVault.sol", "StakeVault"),
    ("CausewayToken.sol", "CausewayToken"),
    ("RollupRegistry.sol", "RollupRegistry"),
    ("StateCommitmentChain.sol", "StateCommitmentChain"),
    ("SettlementVerifier.sol", "SettlementVerifier"),
    ("TokenBridge.sol", "TokenBridge"),
    ("SyntheticToken.sol", "SyntheticToken"),
    ("StakeCaps.sol", "VaultStakeCap"),
    ("StakeCaps.sol", "ManagedStakeCap"),
];

pub(crate) fn run(
    root: &Path,
    toolchain: &causeway_toolchain::Toolchain,
    check: bool,
) -> Result<()> {
    let contracts = root.join("contracts");
    let status = Command::new(&toolchain.forge)
        .current_dir(&contracts)
        .env("PATH", toolchain.path_env())
        .args(["build", "--quiet"])
        .status()
        .wrap_err("running forge build")?;
    if !status.success() {
        bail!("forge build failed ({status})");
    }
    let out_dir = root.join("adapters/evm/abi");
    std::fs::create_dir_all(&out_dir)?;
    let mut stale = Vec::new();
    for (file, name) in CONTRACTS {
        let artifact = contracts.join("out").join(file).join(format!("{name}.json"));
        let text = std::fs::read_to_string(&artifact)
            .wrap_err_with(|| format!("reading {}", artifact.display()))?;
        let full: Value = serde_json::from_str(&text)?;
        let field = |key: &str| -> Result<Value> {
            full.get(key).cloned().ok_or_else(|| eyre!("{} has no `{key}`", artifact.display()))
        };
        let trimmed = json!({
            "abi": field("abi")?,
            "bytecode": { "object": field("bytecode")?["object"] },
            "deployedBytecode": { "object": field("deployedBytecode")?["object"] },
        });
        let content = serde_json::to_string_pretty(&trimmed)? + "\n";
        let path = out_dir.join(format!("{name}.json"));
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            println!("adapters/evm/abi/{name}.json: up to date");
        } else if check {
            stale.push(*name);
        } else {
            std::fs::write(&path, content)
                .wrap_err_with(|| format!("writing {}", path.display()))?;
            println!("adapters/evm/abi/{name}.json: written");
        }
    }
    if !stale.is_empty() {
        bail!(
            "ABI files differ from a fresh forge build: {}; run `cargo xtask abi` and commit",
            stale.join(", ")
        );
    }
    Ok(())
}
