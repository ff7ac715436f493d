//! [`MessageSource`] of a Substrate chain: Causeway dispatches decoded from successful signed
//! extrinsics, in block order, for the chain's virtual outbox.

use std::{ops::RangeInclusive, sync::Arc};

use async_trait::async_trait;
use causeway_core::{
    Address, B256, ChainError, Domain, FinalityOracle, MessageSource, OutboxKind,
    chain::{DispatchedMessage, Dispatches, OutboxState},
    keccak256, route_outbox,
};

use crate::{
    client::Client,
    decode::{Found, Rules, dispatch, read_block},
    error::permanent,
};

/// Reads Causeway dispatches from one Substrate chain.
#[derive(Debug, Clone)]
pub struct SubstrateSource {
    client: Client,
    rules: Rules,
    finality: Arc<dyn FinalityOracle>,
}

impl SubstrateSource {
    /// The source of `domain`: transfers must go to `escrow`; a transfer to a destination is
    /// addressed to that destination's token bridge in `bridges`.
    pub fn new(
        domain: Domain,
        client: Client,
        escrow: B256,
        bridges: Vec<(Domain, B256)>,
        finality: Arc<dyn FinalityOracle>,
    ) -> Self {
        Self { client, rules: Rules { domain, escrow, bridges }, finality }
    }
}

#[async_trait]
impl MessageSource for SubstrateSource {
    fn domain(&self) -> Domain {
        self.rules.domain
    }

    fn outbox_kind(&self) -> OutboxKind {
        OutboxKind::Virtual
    }

    fn outbox_id(&self, destination: Domain) -> B256 {
        route_outbox(virtual_base(&self.rules.escrow), destination)
    }

    fn finality(&self) -> Arc<dyn FinalityOracle> {
        self.finality.clone()
    }

    async fn messages(
        &self,
        range: RangeInclusive<u64>,
    ) -> Result<Vec<DispatchedMessage>, ChainError> {
        Ok(self.dispatches(range).await?.messages)
    }

    async fn dispatches(&self, range: RangeInclusive<u64>) -> Result<Dispatches, ChainError> {
        let mut out = Dispatches::default();
        for number in range {
            let seen = read_block(&self.client, number).await?;
            for ext in &seen.extrinsics {
                match dispatch(&self.rules, seen.block, ext) {
                    Some(Found::Message(message)) => out.messages.push(DispatchedMessage {
                        id: message.id(),
                        message,
                        block: seen.block,
                        tx_hash: ext.hash,
                    }),
                    Some(Found::Rejected(rejected)) => {
                        tracing::warn!(
                            target: "causeway::substrate",
                            domain = self.rules.domain,
                            block = number,
                            extrinsic = rejected.index,
                            reason = %rejected.reason,
                            "Causeway dispatch rejected"
                        );
                        out.rejected.push(rejected);
                    }
                    None => {}
                }
            }
        }
        Ok(out)
    }

    async fn outbox_at(
        &self,
        _number: u64,
        _destination: Domain,
    ) -> Result<OutboxState, ChainError> {
        Err(permanent(format!(
            "domain {} keeps a virtual outbox; fold its messages instead",
            self.rules.domain
        )))
    }
}

/// The 20-byte outbox base of a Substrate origin: the low 20 bytes of `keccak256(escrow)`, so
/// two deployments (two escrows) never share route ids.
pub fn virtual_base(escrow: &B256) -> Address {
    Address::from_slice(&keccak256(escrow)[12..])
}
