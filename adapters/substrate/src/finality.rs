//! Finality of a Substrate chain from its GRANDPA-finalized head (`chain_getFinalizedHead`);
//! chopsticks reports every block final at once, a real relay chain or parachain a few blocks
//! behind its head.

use async_trait::async_trait;
use causeway_core::{ChainError, Domain, FinalityOracle, chain::BlockRef};
use subxt::config::Header;

use crate::{
    client::{Client, b256},
    error::{retryable, rpc},
};

/// When a block of a Substrate chain counts as final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalityRule {
    /// The GRANDPA-finalized head (`chain_getFinalizedHead`).
    Grandpa,
    /// The best head (a dev chain).
    Head,
    /// This many blocks below the best head.
    Depth(u64),
}

/// [`FinalityOracle`] of a Substrate chain.
#[derive(Debug, Clone)]
pub struct SubstrateFinality {
    domain: Domain,
    client: Client,
    rule: FinalityRule,
}

impl SubstrateFinality {
    /// The oracle of `domain` over `client`, by GRANDPA.
    pub fn new(domain: Domain, client: Client) -> Self {
        Self { domain, client, rule: FinalityRule::Grandpa }
    }

    /// The same oracle under another rule.
    pub fn with_rule(mut self, rule: FinalityRule) -> Self {
        self.rule = rule;
        self
    }

    async fn header_ref(
        &self,
        hash: Option<subxt::utils::H256>,
        what: &str,
    ) -> Result<BlockRef, ChainError> {
        let header = self
            .client
            .rpc
            .chain_get_header(hash)
            .await
            .map_err(|e| rpc(format!("{what} of domain {}", self.domain), e))?
            .ok_or_else(|| retryable(format!("{what} of domain {}: no header", self.domain)))?;
        let number = header.number();
        let hash = match hash {
            Some(hash) => hash,
            None => self.hash_at(number).await?,
        };
        Ok(BlockRef { number, hash: b256(hash) })
    }

    async fn hash_at(&self, number: u64) -> Result<subxt::utils::H256, ChainError> {
        self.client
            .rpc
            .chain_get_block_hash(Some(number.into()))
            .await
            .map_err(|e| rpc(format!("chain_getBlockHash({number}) of domain {}", self.domain), e))?
            .ok_or_else(|| retryable(format!("domain {} has no block {number} yet", self.domain)))
    }
}

#[async_trait]
impl FinalityOracle for SubstrateFinality {
    async fn head(&self) -> Result<BlockRef, ChainError> {
        self.header_ref(None, "the head").await
    }

    async fn finalized(&self) -> Result<BlockRef, ChainError> {
        match self.rule {
            FinalityRule::Grandpa => {}
            FinalityRule::Head => return self.head().await,
            FinalityRule::Depth(depth) => {
                let head = self.head().await?;
                return self.block_at(head.number.saturating_sub(depth)).await;
            }
        }
        let hash = self
            .client
            .rpc
            .chain_get_finalized_head()
            .await
            .map_err(|e| rpc(format!("chain_getFinalizedHead of domain {}", self.domain), e))?;
        self.header_ref(Some(hash), "the finalized head").await
    }

    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        Ok(BlockRef { number, hash: b256(self.hash_at(number).await?) })
    }
}
