//! The provider stack Causeway's roles use to send transactions.

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};

/// An HTTP provider that signs with `signer`, estimates gas, fetches the chain id, and reads the
/// nonce from the chain for every transaction it fills (no cache).
///
/// alloy's default stack caches nonces per account; a cache that ran ahead of the chain (a
/// transaction refused after its nonce was taken, or another process using the key) leaves
/// every later transaction stuck behind a gap. `EvmSink` sets its nonces explicitly; anything
/// else sent through this provider reads the chain's pending nonce.
pub fn connect_http(url: Url, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(signer)
        .connect_http(url)
        .erased()
}
