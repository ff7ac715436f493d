//! Causeway's dev FRAME runtime: a small solochain runtime that chopsticks executes as the
//! Polkadot-side (and, with the `astar` feature, the Astar-side) chain of the local devnet.
//!
//! Pallets: System, Timestamp, Balances (`u128`), Utility, Multisig, Sudo, TransactionPayment.
//! No consensus pallet: chopsticks builds the blocks itself (it only needs the timestamp
//! inherent, which `pallet_timestamp` provides).
//!
//! Two profiles, chosen at compile time:
//!
//! | profile | feature | spec_name | SS58 prefix | decimals | unit | existential deposit |
//! |---|---|---|---|---|---|---|
//! | polkadot-dev | (default) | `causeway-polkadot-dev` | 0 | 10 | DOT = 10^10 | 0.01 DOT = 10^8 |
//! | astar-dev | `astar` | `causeway-astar-dev` | 5 | 18 | ASTR = 10^18 | 0.01 ASTR = 10^16 |
//!
//! Decimals and the token symbol are chain-spec properties (written by `genesis.mjs`); the
//! runtime only uses them through [`interface::UNIT`] for the existential deposit, the fees and
//! the genesis endowment. Fees: the weight fee is one base unit per unit of `ref_time`
//! (about 0.02 DOT for a transfer on polkadot-dev) plus one hundredth of the existential deposit
//! per encoded byte.
//!
//! The development genesis preset (`development`, also returned for the default `None`) gives
//! each of the sr25519 dev accounts Alice, Bob, Charlie, Dave, Eve and Ferdie
//! [`interface::ENDOWMENT`] (one million tokens) and makes Alice the sudo key.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{vec, vec::Vec};

use frame::{
    deps::{
        frame_support::weights::{ConstantMultiplier, IdentityFee},
        sp_genesis_builder,
        sp_runtime::traits::Block as BlockT,
    },
    prelude::*,
    runtime::{apis, prelude::*},
};
use pallet_transaction_payment::{FeeDetails, FungibleAdapter, RuntimeDispatchInfo};

/// Types and constants that the outside (genesis script, clients, tests) relies on.
pub mod interface {
    use super::Runtime;
    use frame::deps::frame_system;

    /// The account id: 32 bytes, the public key of an sr25519/ed25519 key (`MultiSignature`).
    pub type AccountId = <Runtime as frame_system::Config>::AccountId;
    /// The account nonce.
    pub type Nonce = <Runtime as frame_system::Config>::Nonce;
    /// The balance type: `u128`, as on Polkadot and Astar.
    pub type Balance = u128;

    /// The SS58 address prefix: 0 (Polkadot) or 5 (Astar).
    #[cfg(not(feature = "astar"))]
    pub const SS58_PREFIX: u16 = 0;
    /// The SS58 address prefix: 0 (Polkadot) or 5 (Astar).
    #[cfg(feature = "astar")]
    pub const SS58_PREFIX: u16 = 5;

    /// Token decimals of the profile (a chain-spec property; kept here for the unit).
    #[cfg(not(feature = "astar"))]
    pub const DECIMALS: u32 = 10;
    /// Token decimals of the profile (a chain-spec property; kept here for the unit).
    #[cfg(feature = "astar")]
    pub const DECIMALS: u32 = 18;

    /// One whole token (1 DOT or 1 ASTR) in base units.
    pub const UNIT: Balance = 10u128.pow(DECIMALS);
    /// One hundredth of a token.
    pub const CENT: Balance = UNIT / 100;
    /// The existential deposit: one cent.
    pub const EXISTENTIAL_DEPOSIT: Balance = CENT;
    /// What each dev account holds at genesis: one million tokens.
    pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
}

use interface::{AccountId, Balance, Nonce};

/// The runtime's version (polkadot-dev). `spec_name` names the profile.
#[cfg(not(feature = "astar"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("causeway-polkadot-dev"),
    impl_name: alloc::borrow::Cow::Borrowed("causeway-polkadot-dev"),
    authoring_version: 1,
    spec_version: 1,
    impl_version: 1,
    apis: RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// The runtime's version (astar-dev). `spec_name` names the profile.
#[cfg(feature = "astar")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("causeway-astar-dev"),
    impl_name: alloc::borrow::Cow::Borrowed("causeway-astar-dev"),
    authoring_version: 1,
    spec_version: 1,
    impl_version: 1,
    apis: RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// The transaction extensions: the usual system checks plus fee payment.
pub type TxExtension = (
    frame_system::AuthorizeCall<Runtime>,
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
    frame_system::WeightReclaim<Runtime>,
);

#[frame_construct_runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    #[runtime::pallet_index(0)]
    pub type System = frame_system::Pallet<Runtime>;

    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp::Pallet<Runtime>;

    #[runtime::pallet_index(2)]
    pub type Balances = pallet_balances::Pallet<Runtime>;

    #[runtime::pallet_index(3)]
    pub type TransactionPayment = pallet_transaction_payment::Pallet<Runtime>;

    #[runtime::pallet_index(4)]
    pub type Utility = pallet_utility::Pallet<Runtime>;

    #[runtime::pallet_index(5)]
    pub type Multisig = pallet_multisig::Pallet<Runtime>;

    #[runtime::pallet_index(6)]
    pub type Sudo = pallet_sudo::Pallet<Runtime>;
}

parameter_types! {
    pub const Version: RuntimeVersion = VERSION;
    pub const SS58Prefix: u16 = interface::SS58_PREFIX;
    pub const ExistentialDeposit: Balance = interface::EXISTENTIAL_DEPOSIT;
    pub const TransactionByteFee: Balance = interface::EXISTENTIAL_DEPOSIT / 100;
    // Multisig deposits, as on Polkadot: a base plus a factor per signatory.
    pub const DepositBase: Balance = 20 * interface::CENT;
    pub const DepositFactor: Balance = interface::CENT;
    pub const MaxSignatories: u32 = 100;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    type Block = Block;
    type Version = Version;
    type SS58Prefix = SS58Prefix;
    type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Runtime {}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Runtime {
    type Balance = Balance;
    type ExistentialDeposit = ExistentialDeposit;
    type AccountStore = System;
}

#[derive_impl(pallet_transaction_payment::config_preludes::TestDefaultConfig)]
impl pallet_transaction_payment::Config for Runtime {
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type WeightToFee = IdentityFee<Balance>;
    type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
}

impl pallet_utility::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type PalletsOrigin = OriginCaller;
    type WeightInfo = ();
}

impl pallet_multisig::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type Currency = Balances;
    type DepositBase = DepositBase;
    type DepositFactor = DepositFactor;
    type MaxSignatories = MaxSignatories;
    type WeightInfo = ();
    type BlockNumberProvider = System;
}

#[derive_impl(pallet_sudo::config_preludes::TestDefaultConfig)]
impl pallet_sudo::Config for Runtime {}

/// The block type.
pub type Block = frame::runtime::types_common::BlockOf<Runtime, TxExtension>;
/// The header type.
pub type Header = HeaderFor<Runtime>;

type RuntimeExecutive =
    Executive<Runtime, Block, frame_system::ChainContext<Runtime>, Runtime, AllPalletsWithSystem>;

/// The genesis presets: only `development` (the default).
pub mod genesis_config_presets {
    use super::*;

    /// The development genesis: the six sr25519 dev accounts funded, Alice sudo.
    pub fn development() -> serde_json::Value {
        let accounts = [
            Sr25519Keyring::Alice,
            Sr25519Keyring::Bob,
            Sr25519Keyring::Charlie,
            Sr25519Keyring::Dave,
            Sr25519Keyring::Eve,
            Sr25519Keyring::Ferdie,
        ];
        frame::deps::frame_support::build_struct_json_patch!(RuntimeGenesisConfig {
            balances: pallet_balances::GenesisConfig {
                balances: accounts
                    .iter()
                    .map(|a| (a.to_account_id(), interface::ENDOWMENT))
                    .collect::<Vec<_>>(),
            },
            sudo: pallet_sudo::GenesisConfig { key: Some(Sr25519Keyring::Alice.to_account_id()) },
        })
    }

    /// The preset's JSON patch for `id`, if there is such a preset.
    pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
        let patch = match id.as_ref() {
            sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
            _ => return None,
        };
        serde_json::to_vec(&patch).ok()
    }

    /// The preset names.
    pub fn preset_names() -> Vec<PresetId> {
        vec![PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET)]
    }
}

impl_runtime_apis! {
    impl apis::Core<Block> for Runtime {
        fn version() -> RuntimeVersion {
            VERSION
        }

        fn execute_block(block: <Block as BlockT>::LazyBlock) {
            RuntimeExecutive::execute_block(block)
        }

        fn initialize_block(header: &Header) -> ExtrinsicInclusionMode {
            RuntimeExecutive::initialize_block(header)
        }
    }

    impl apis::Metadata<Block> for Runtime {
        fn metadata() -> OpaqueMetadata {
            OpaqueMetadata::new(Runtime::metadata().into())
        }

        fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
            Runtime::metadata_at_version(version)
        }

        fn metadata_versions() -> Vec<u32> {
            Runtime::metadata_versions()
        }
    }

    impl apis::BlockBuilder<Block> for Runtime {
        fn apply_extrinsic(extrinsic: ExtrinsicFor<Runtime>) -> ApplyExtrinsicResult {
            RuntimeExecutive::apply_extrinsic(extrinsic)
        }

        fn finalize_block() -> HeaderFor<Runtime> {
            RuntimeExecutive::finalize_block()
        }

        fn inherent_extrinsics(data: InherentData) -> Vec<ExtrinsicFor<Runtime>> {
            data.create_extrinsics()
        }

        fn check_inherents(
            block: <Block as BlockT>::LazyBlock,
            data: InherentData,
        ) -> CheckInherentsResult {
            data.check_extrinsics(&block)
        }
    }

    impl apis::TaggedTransactionQueue<Block> for Runtime {
        fn validate_transaction(
            source: TransactionSource,
            tx: ExtrinsicFor<Runtime>,
            block_hash: <Runtime as frame_system::Config>::Hash,
        ) -> TransactionValidity {
            RuntimeExecutive::validate_transaction(source, tx, block_hash)
        }
    }

    impl apis::OffchainWorkerApi<Block> for Runtime {
        fn offchain_worker(header: &HeaderFor<Runtime>) {
            RuntimeExecutive::offchain_worker(header)
        }
    }

    impl apis::SessionKeys<Block> for Runtime {
        fn generate_session_keys(
            _owner: Vec<u8>,
            _seed: Option<Vec<u8>>,
        ) -> apis::OpaqueGeneratedSessionKeys {
            Default::default()
        }

        fn decode_session_keys(
            _encoded: Vec<u8>,
        ) -> Option<Vec<(Vec<u8>, apis::KeyTypeId)>> {
            Default::default()
        }
    }

    impl apis::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
        fn account_nonce(account: AccountId) -> Nonce {
            System::account_nonce(account)
        }
    }

    impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance>
        for Runtime
    {
        fn query_info(uxt: ExtrinsicFor<Runtime>, len: u32) -> RuntimeDispatchInfo<Balance> {
            TransactionPayment::query_info(uxt, len)
        }

        fn query_fee_details(uxt: ExtrinsicFor<Runtime>, len: u32) -> FeeDetails<Balance> {
            TransactionPayment::query_fee_details(uxt, len)
        }

        fn query_weight_to_fee(weight: Weight) -> Balance {
            TransactionPayment::weight_to_fee(weight)
        }

        fn query_length_to_fee(length: u32) -> Balance {
            TransactionPayment::length_to_fee(length)
        }
    }

    impl apis::GenesisBuilder<Block> for Runtime {
        fn build_state(config: Vec<u8>) -> GenesisBuilderResult {
            build_state::<RuntimeGenesisConfig>(config)
        }

        fn get_preset(id: &Option<PresetId>) -> Option<Vec<u8>> {
            get_preset::<RuntimeGenesisConfig>(id, self::genesis_config_presets::get_preset)
        }

        fn preset_names() -> Vec<PresetId> {
            self::genesis_config_presets::preset_names()
        }
    }
}
