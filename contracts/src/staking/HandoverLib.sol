// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CheckpointLib} from "../libs/CheckpointLib.sol";

/// @title HandoverLib
/// @notice The message a quorum of one operator set signs to hand over to the next, as EIP-712
/// typed data under the same domain as checkpoints (hub chain id, hub `RestakingRegistry`):
///
///     OperatorSetHandover(uint64 epoch,bytes32 nextSetHash)
///
/// `epoch` is the epoch of the *signing* set; `nextSetHash` is the `QuorumLib` struct hash of the
/// set it hands over to, which itself names that set's epoch and timestamp. An operator signs a
/// handover only to a set the hub registry has recorded (`operatorSetHash(next.epoch) ==
/// nextSetHash`); signing any other is slashable on the hub (`slashFalseHandover`).
library HandoverLib {
    bytes32 internal constant HANDOVER_TYPEHASH = keccak256("OperatorSetHandover(uint64 epoch,bytes32 nextSetHash)");

    function structHash(uint64 epoch, bytes32 nextSetHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(HANDOVER_TYPEHASH, epoch, nextSetHash));
    }

    /// @notice The digest the operators of `epoch` sign to hand over to the set `nextSetHash`.
    function digest(bytes32 domainSeparator, uint64 epoch, bytes32 nextSetHash) internal pure returns (bytes32) {
        return CheckpointLib.digest(domainSeparator, structHash(epoch, nextSetHash));
    }
}
