//! Finality of an EVM chain that is one side of a Substrate network (Astar: EVM block N is the
//! network's block N): a block is final when the network's GRANDPA finalized its number.

use std::sync::Arc;

use async_trait::async_trait;
use causeway_core::{ChainError, FinalityOracle, chain::BlockRef};

/// `finalized` = the EVM side's block at the native side's finalized height (capped by the EVM
/// head); `head` and `block_at` are the EVM side's.
#[derive(Debug)]
pub struct NativeFinality {
    evm: Arc<dyn FinalityOracle>,
    native: Arc<dyn FinalityOracle>,
}

impl NativeFinality {
    /// The EVM side `evm` finalized by `native`.
    pub fn new(evm: Arc<dyn FinalityOracle>, native: Arc<dyn FinalityOracle>) -> Self {
        Self { evm, native }
    }
}

#[async_trait]
impl FinalityOracle for NativeFinality {
    async fn head(&self) -> Result<BlockRef, ChainError> {
        self.evm.head().await
    }

    async fn finalized(&self) -> Result<BlockRef, ChainError> {
        let (native, head) = tokio::try_join!(self.native.finalized(), self.evm.head())?;
        self.evm.block_at(native.number.min(head.number)).await
    }

    async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
        self.evm.block_at(number).await
    }
}

#[cfg(test)]
mod tests {
    use causeway_core::B256;

    use super::*;

    /// A chain of `head` blocks finalized up to `finalized`, hashes tagged by `tag`.
    #[derive(Debug)]
    struct Fixed {
        head: u64,
        finalized: u64,
        tag: u8,
    }

    fn block(number: u64, tag: u8) -> BlockRef {
        let mut hash = B256::repeat_byte(tag);
        hash[24..].copy_from_slice(&number.to_be_bytes());
        BlockRef { number, hash }
    }

    #[async_trait]
    impl FinalityOracle for Fixed {
        async fn head(&self) -> Result<BlockRef, ChainError> {
            Ok(block(self.head, self.tag))
        }
        async fn finalized(&self) -> Result<BlockRef, ChainError> {
            Ok(block(self.finalized, self.tag))
        }
        async fn block_at(&self, number: u64) -> Result<BlockRef, ChainError> {
            Ok(block(number, self.tag))
        }
    }

    #[tokio::test]
    async fn the_evm_block_at_the_native_finalized_height() {
        let evm = Arc::new(Fixed { head: 100, finalized: 100, tag: 0xe });
        let native = Arc::new(Fixed { head: 98, finalized: 95, tag: 0xa });
        let oracle = NativeFinality::new(evm.clone(), native);
        assert_eq!(oracle.finalized().await.unwrap(), block(95, 0xe), "the EVM side's hash");
        assert_eq!(oracle.head().await.unwrap(), block(100, 0xe));
        let ahead = NativeFinality::new(evm, Arc::new(Fixed { head: 120, finalized: 110, tag: 1 }));
        assert_eq!(ahead.finalized().await.unwrap(), block(100, 0xe), "never above the EVM head");
    }
}
