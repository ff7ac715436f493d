//! `causeway-config`: the typed configuration of every Causeway role (relayer, indexer, operator,
//! devnet), how it is layered, and how it is validated.
//!
//! It owns the TOML schema (`config/reference.toml` documents every key), the embedded presets
//! (`config/presets/`), the layering rules, validation, and reading secrets from their source. It
//! does not open connections, start anything or know any chain SDK: chains are data here
//! (`[chains.<name>] kind = "evm" | "substrate"`), and the one `match` on [`ChainKind`] that
//! builds adapters lives in the node crate (`node/src/registry.rs`, `ChainHandle::build`).
//!
//! # Layering
//!
//! Lowest precedence first, each layer deep-merged over the previous one (tables merge key by
//! key; arrays and all other values replace):
//!
//! 1. a named preset ([`presets`]), embedded in the binary;
//! 2. the `--config` file;
//! 3. env vars `CAUSEWAY_<SECTION>__<KEY>[__<KEY>…]`: a double underscore separates path
//!    segments, segments are lower-cased, and the value is read as a TOML value when it is one
//!    (`64`, `true`, `["a", "b"]`, `{ env = "K" }`) and as a string otherwise
//!    (`CAUSEWAY_CHAINS__ETHEREUM__RPC=http://127.0.0.1:8545`, `CAUSEWAY_RELAYER__BATCH_SIZE=64`).
//!    Names without a double underscore, such as the secret `CAUSEWAY_RELAYER_KEY`, are not
//!    configuration;
//! 4. `key.path=value` overrides from the command line, value read the same way.
//!
//! # Errors
//!
//! A source that cannot be read or is not TOML stops loading ([`ConfigError::Io`],
//! [`ConfigError::Parse`] with line and column). Everything else, structural or semantic, is
//! collected into [`ConfigError::Invalid`]: one [`Problem`] per mistake, with its key path and the
//! layer its value came from.
//!
//! ```
//! let sources = causeway_config::Sources {
//!     preset: Some("devnet".into()),
//!     overrides: vec!["relayer.batch_size=64".into()],
//!     ..Default::default()
//! };
//! let config = causeway_config::load(&sources).expect("the devnet preset is valid");
//! assert_eq!(config.relayer.batch_size, 64);
//! assert_eq!(config.chain("l2").expect("configured").domain, 2);
//! ```

mod check;
mod emit;
mod error;
mod layer;
mod raw;
mod secret;
mod types;
mod validate;

pub use error::{ConfigError, Problem, Problems};
pub use layer::{ENV_PREFIX, Sources, load, preset_toml, presets};
pub use secret::{Secret, SecretSource, load_secret};
pub use types::{
    ChainConfig, ChainKind, Config, Contracts, EvmChain, Finality, HubConfig, IndexerConfig,
    NodeConfig, OperatorConfig, RelayerConfig, Route, StoreBackend, StoreConfig, SubstrateChain,
};
