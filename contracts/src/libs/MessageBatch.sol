// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title MessageBatch
/// @notice The calldata form of a batch for `Mailbox.processBatch`: messages back to back, each
/// preceded by its length as a 4-byte big-endian integer:
///
///     len0 u32 | message0 | len1 u32 | message1 | ...
///
/// A `bytes[]` costs 64 mostly-zero bytes of ABI offsets and lengths per message (plus padding);
/// this costs 4. The messages of a batch are consecutive leaves of one route's tree (ADR 0003).
library MessageBatch {
    uint256 internal constant LENGTH_PREFIX = 4;

    /// @notice The batch is empty.
    error EmptyBatch();
    /// @notice A length prefix at `offset` runs past the end of the batch.
    error BatchTruncated(uint256 offset);

    /// @notice Packs messages into the batch form (tests and off-chain tooling).
    function pack(bytes[] memory messages) internal pure returns (bytes memory batch) {
        for (uint256 i; i < messages.length; ++i) {
            batch = bytes.concat(batch, bytes4(uint32(messages[i].length)), messages[i]);
        }
    }
}
