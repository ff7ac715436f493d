//! Substrate chains of the devnet: chopsticks running our dev FRAME runtime (or another raw
//! spec), connected to the hub through a multisig escrow of the operators' keys and a synthetic
//! bridge of the chain's native token on the hub.
//!
//! Set-up per chain: start chopsticks; derive each operator's Substrate account from its key
//! and the escrow (threshold: two thirds of the keys, at least 2); Alice funds the operators
//! (they pay for approvals) and the escrow (so releases never reap it); deploy the wrapped token's
//! bridge on the hub, enroll the escrow as its router and the chain's virtual outbox with the hub
//! Mailbox.

use std::path::PathBuf;

use alloy::primitives::Address;
use causeway_adapter_evm::deploy::{connect_foreign, deploy_foreign_bridge};
use causeway_adapter_substrate::{
    Client, Expected,
    escrow::Escrow,
    operator_account, to_ss58,
    tx::{self, submit},
    virtual_base,
};
use causeway_core::{B256, Domain};
use causeway_toolchain::chopsticks::{BuildBlockMode, Chopsticks, ChopsticksOptions};
use eyre::{Result, WrapErr, eyre};
use subxt_signer::sr25519::dev;

use crate::Devnet;

/// A Substrate chain of the devnet, before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubstrateSpec {
    /// Name in the configuration.
    pub name: String,
    /// Causeway domain id.
    pub domain: Domain,
    /// Raw chain spec chopsticks runs.
    pub spec: PathBuf,
    /// The runtime's `spec_name`, checked on connect.
    pub runtime: Option<String>,
    /// SS58 prefix.
    pub ss58_prefix: u16,
    /// Native token decimals.
    pub decimals: u8,
    /// Native token symbol (the wrapped token on the hub is `w{symbol}`).
    pub symbol: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// A storage overlay applied at start (funds for a runtime whose genesis has none).
    pub import_storage: Option<PathBuf>,
}

impl SubstrateSpec {
    /// Our dev runtime's `profile` (`polkadot-dev` or `astar-dev`) as chain `name`, when
    /// `cargo xtask runtime` built its spec (`None` otherwise, with a note on stderr; an error
    /// if `CAUSEWAY_REQUIRE_RUNTIME` is set).
    pub fn dev(name: &str, domain: Domain, profile: &str) -> Result<Option<Self>> {
        let root = causeway_toolchain::workspace_root()?;
        let Some(spec) = causeway_toolchain::chopsticks::dev_spec(&root, profile)? else {
            return Ok(None);
        };
        let (ss58_prefix, decimals, symbol) =
            if profile == "astar-dev" { (5, 18, "ASTR") } else { (0, 10, "DOT") };
        Ok(Some(Self {
            name: name.to_owned(),
            domain,
            spec,
            runtime: Some(format!("causeway-{profile}")),
            ss58_prefix,
            decimals,
            symbol: symbol.to_owned(),
            port: 0,
            import_storage: None,
        }))
    }

    /// The Rococo Asset Hub runtime (statemine spec 900), a Polkadot-ecosystem runtime nobody
    /// here wrote: its raw genesis ships in the npm package `@substrate/connect-known-chains`
    /// 1.10.3 (installed by the toolchain, never committed). Its genesis funds nobody a test can
    /// sign for, so Alice gets 1,000,000 ROC through an `--import-storage` overlay. The spec
    /// and the overlay are written to `devnet/runtime/out/`.
    pub fn asset_hub(name: &str, domain: Domain) -> Result<Self> {
        let root = causeway_toolchain::workspace_root()?;
        let module = root.join(
            "toolchain/node_modules/@substrate/connect-known-chains/dist/esm/specs/rococo_v2_2_asset_hub.js",
        );
        let text = std::fs::read_to_string(&module).wrap_err_with(|| {
            format!("reading {} (run `cargo xtask bootstrap`)", module.display())
        })?;
        // `export const chainSpec = `{…}`;`: a template literal holding the JSON, without
        // escapes or substitutions (checked), so its text is the spec.
        let json = text
            .split_once('`')
            .and_then(|(_, rest)| rest.rsplit_once('`'))
            .map(|(json, _)| json)
            .filter(|json| !json.contains('\\') && !json.contains("${"))
            .ok_or_else(|| eyre!("{} is not a chain spec module", module.display()))?;
        let spec: serde_json::Value = serde_json::from_str(json)
            .wrap_err_with(|| format!("the chain spec in {}", module.display()))?;
        if spec.pointer("/genesis/raw/top").is_none() {
            return Err(eyre!("{} holds no raw genesis", module.display()));
        }
        let out = root.join("devnet/runtime/out");
        std::fs::create_dir_all(&out).wrap_err_with(|| format!("creating {}", out.display()))?;
        let spec_path = out.join("asset-hub-rococo.json");
        std::fs::write(&spec_path, json)
            .wrap_err_with(|| format!("writing {}", spec_path.display()))?;
        let storage = out.join("asset-hub-rococo-funds.yml");
        // Balances are strings: chopsticks reads an unquoted 10^18 as a float and fails.
        std::fs::write(
            &storage,
            format!(
                "System:\n  Account:\n    -\n      -\n        - {}\n      - providers: 1\n        data:\n          free: '{}'\n",
                to_ss58(&alice(), 2),
                1_000_000u128 * 10u128.pow(12)
            ),
        )
        .wrap_err_with(|| format!("writing {}", storage.display()))?;
        Ok(Self {
            name: name.to_owned(),
            domain,
            spec: spec_path,
            runtime: Some("statemine".into()),
            ss58_prefix: 2,
            decimals: 12,
            symbol: "ROC".into(),
            port: 0,
            import_storage: Some(storage),
        })
    }

    /// One whole token in base units.
    pub fn unit(&self) -> u128 {
        10u128.pow(u32::from(self.decimals))
    }
}

/// A running Substrate chain of the devnet.
#[derive(Debug)]
pub struct DevnetSubstrate {
    /// What it was started as.
    pub spec: SubstrateSpec,
    /// The node (killed on drop).
    pub node: Chopsticks,
    /// A connected client.
    pub client: Client,
    /// The escrow of the operators' keys.
    pub escrow: Escrow,
    /// The wrapped token's bridge on the hub.
    pub bridge: Address,
    /// The wrapped token on the hub.
    pub token: Address,
    /// Block the indexer and operators start from.
    pub start_block: u64,
}

impl Devnet {
    /// Starts `spec` under chopsticks and connects it with the hub (see the module docs).
    pub async fn add_substrate(&mut self, spec: SubstrateSpec) -> Result<&DevnetSubstrate> {
        let root = causeway_toolchain::workspace_root()?;
        let tools = causeway_toolchain::ensure(&root)?;
        let options = ChopsticksOptions {
            port: (spec.port != 0).then_some(spec.port),
            mode: BuildBlockMode::Instant,
            import_storage: spec.import_storage.clone(),
            ..ChopsticksOptions::default()
        };
        let (chopsticks, path) = (tools.chopsticks.clone(), spec.spec.clone());
        let node =
            tokio::task::spawn_blocking(move || Chopsticks::start(&chopsticks, &path, &options))
                .await?
                .wrap_err_with(|| format!("starting chopsticks for {}", spec.name))?;
        let expected = Expected {
            name: spec.name.clone(),
            runtime: spec.runtime.clone(),
            ss58_prefix: spec.ss58_prefix,
            decimals: spec.decimals,
        };
        let client = Client::connect(&node.ws_url(), &expected).await.map_err(|e| eyre!(e))?;
        let accounts = self
            .operators
            .iter()
            .map(|op| operator_account(&op.secret).map_err(|e| eyre!(e)))
            .collect::<Result<Vec<_>>>()?;
        let n = accounts.len();
        let threshold = u16::try_from((2 * n).div_ceil(3).max(2))?;
        let escrow = Escrow::new(accounts.clone(), threshold).map_err(|e| eyre!(e))?;
        let unit = spec.unit();
        let mut funding: Vec<_> =
            accounts.iter().map(|a| tx::transfer_keep_alive(*a, 1_000 * unit)).collect();
        funding.push(tx::transfer_keep_alive(escrow.account, 10 * unit));
        let funded = submit(&client, &tx::batch_all(funding), &dev::alice())
            .await
            .map_err(|e| eyre!(e))
            .wrap_err_with(|| format!("funding the operators and the escrow on {}", spec.name))?;
        if let Some(why) = funded.failed {
            return Err(eyre!("funding on {} failed: {why}", spec.name));
        }

        let hub_p = self.hub_provider(&self.deployer);
        let (bridge, token) = deploy_foreign_bridge(
            &hub_p,
            self.deployer.address(),
            &self.hub,
            &format!("Wrapped {}", spec.symbol),
            &format!("w{}", spec.symbol),
            spec.decimals,
            self.hub_params.settlement_period,
        )
        .await
        .wrap_err_with(|| format!("deploying the w{} bridge on the hub", spec.symbol))?;
        let capacity = 1_000 * unit;
        connect_foreign(
            &hub_p,
            &self.hub,
            bridge,
            spec.domain,
            virtual_base(&escrow.account).into_word(),
            escrow.account,
            capacity,
            capacity / 3_600,
        )
        .await
        .wrap_err_with(|| format!("connecting {} with the hub", spec.name))?;
        self.substrate.push(DevnetSubstrate {
            start_block: funded.block.number,
            spec,
            node,
            client,
            escrow,
            bridge,
            token,
        });
        let added = self.substrate.last().ok_or_else(|| eyre!("just added"))?;
        Ok(added)
    }

    /// Substrate chain `name`.
    pub fn substrate(&self, name: &str) -> Result<&DevnetSubstrate> {
        self.substrate
            .iter()
            .find(|c| c.spec.name == name)
            .ok_or_else(|| eyre!("the devnet has no substrate chain {name}"))
    }

    /// The `[chains.*]` tables of the Substrate chains.
    pub(crate) fn substrate_toml(&self) -> String {
        let mut toml = String::new();
        for chain in &self.substrate {
            let s = &chain.spec;
            let signatories: Vec<String> = chain
                .escrow
                .signatories
                .iter()
                .map(|a| format!("\"{}\"", to_ss58(a, s.ss58_prefix)))
                .collect();
            let runtime =
                s.runtime.as_ref().map(|r| format!("runtime = \"{r}\"\n")).unwrap_or_default();
            toml.push_str(&format!(
                r#"
[chains.{name}]
kind = "substrate"
domain = {domain}
rpc = "{rpc}"
finality = "finalized"
ss58_prefix = {prefix}
decimals = {decimals}
{runtime}signatories = [{signatories}]
threshold = {threshold}
escrow = "{escrow}"
start_block = {start}
bridges = {{ {hub} = "{bridge}" }}
"#,
                name = s.name,
                domain = s.domain,
                rpc = chain.node.ws_url(),
                prefix = s.ss58_prefix,
                decimals = s.decimals,
                signatories = signatories.join(", "),
                threshold = chain.escrow.threshold,
                escrow = to_ss58(&chain.escrow.account, s.ss58_prefix),
                start = chain.start_block,
                hub = crate::HUB,
                bridge = chain.bridge,
            ));
        }
        toml
    }
}

/// Alice's account (the devnet's Substrate user).
pub fn alice() -> B256 {
    B256::from(dev::alice().public_key().0)
}

/// Ferdie's account (receives releases in the scenario).
pub fn ferdie() -> B256 {
    B256::from(dev::ferdie().public_key().0)
}

impl Devnet {
    /// Alice bridges `amount` base units of chain `name`'s native token to the devnet user on
    /// the hub (`utility.batch_all([transfer_keep_alive(escrow), remark_with_event(payload)])`).
    /// A Substrate origin's message id depends on its position in the virtual outbox, so it is
    /// read from `store` once the indexer has numbered it (within `timeout`).
    pub async fn bridge_from_substrate(
        &self,
        store: &causeway_store::Store,
        name: &str,
        amount: u128,
        timeout: std::time::Duration,
    ) -> Result<crate::scenario::Sent> {
        let chain = self.substrate(name)?;
        let payload = causeway_adapter_substrate::Payload::transfer(
            self.hub_spec().domain,
            self.user.address().into_word(),
        );
        let call = tx::bridge_transfer(chain.escrow.account, amount, &payload);
        let included = submit(&chain.client, &call, &dev::alice()).await.map_err(|e| eyre!(e))?;
        if let Some(why) = included.failed {
            return Err(eyre!("the bridge transfer on {name} failed: {why}"));
        }
        let at = std::time::Instant::now();
        let id = indexed(store, chain.spec.domain, included.tx_hash, timeout).await?;
        Ok(crate::scenario::Sent {
            route: format!("{name} -> {}", crate::HUB),
            what: format!("{} out (escrow → mint w{})", chain.spec.symbol, chain.spec.symbol),
            id,
            tx: included.tx_hash,
            dispatch_gas: 0,
            at,
        })
    }

    /// The user bridges `amount` of the wrapped token back to `beneficiary` on chain `name`
    /// (burned on the hub, released from the escrow by the operators' approvals).
    pub async fn bridge_to_substrate(
        &self,
        name: &str,
        beneficiary: B256,
        amount: u128,
    ) -> Result<crate::scenario::Sent> {
        let chain = self.substrate(name)?;
        let p = self.hub_provider(&self.user);
        let bridge =
            causeway_adapter_evm::bindings::token_bridge::TokenBridge::new(chain.bridge, &p);
        let call = bridge.transferRemote(
            chain.spec.domain,
            beneficiary,
            alloy::primitives::U256::from(amount),
        );
        let receipt =
            causeway_adapter_evm::deploy::send("bridging back to substrate", call).await?;
        crate::scenario::sent_from_receipt(
            format!("w{} back (burn → escrow release)", chain.spec.symbol),
            crate::HUB,
            name,
            &receipt,
        )
    }

    /// The user's wrapped-token balance on the hub for chain `name`.
    pub async fn wrapped_balance(&self, name: &str) -> Result<alloy::primitives::U256> {
        let chain = self.substrate(name)?;
        let p = self.hub_reader();
        Ok(causeway_adapter_evm::bindings::synthetic_token::SyntheticToken::new(chain.token, &p)
            .balanceOf(self.user.address())
            .call()
            .await?)
    }

    /// Free balance of `account` on chain `name`.
    pub async fn substrate_free(&self, name: &str, account: B256) -> Result<u128> {
        let chain = self.substrate(name)?;
        causeway_adapter_substrate::escrow::free_balance(&chain.client, &account)
            .await
            .map_err(|e| eyre!(e))
    }
}

/// The id of the message the indexer stored for extrinsic `tx_hash` of `origin`.
async fn indexed(
    store: &causeway_store::Store,
    origin: Domain,
    tx_hash: B256,
    timeout: std::time::Duration,
) -> Result<B256> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let found = store
            .messages(causeway_store::MessageFilter {
                origin: Some(origin),
                limit: 1_000,
                ..causeway_store::MessageFilter::default()
            })
            .await?
            .into_iter()
            .find(|m| m.tx_hash == tx_hash);
        if let Some(m) = found {
            return Ok(m.id);
        }
        if std::time::Instant::now() >= deadline {
            return Err(eyre!(
                "extrinsic {tx_hash} of domain {origin} not indexed within {} s",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
