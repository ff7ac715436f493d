// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CheckpointLib} from "../libs/CheckpointLib.sol";
import {QuorumLib} from "../libs/QuorumLib.sol";

/// @notice Checks that a checkpoint carries a stake-weighted quorum of the operator set of its
/// epoch. Implemented by the hub's `RestakingRegistry` and by `OperatorSetMirror` elsewhere.
interface IQuorumVerifier {
    /// @notice A new operator set was accepted. The full set is in the event so relayers can pass
    /// it back in calldata.
    event OperatorSetRecorded(uint64 indexed epoch, bytes32 indexed setHash, QuorumLib.OperatorSet set);

    /// @notice Reverts unless `signatures` (65 bytes each, one per bit of `signerBitmap`) are a
    /// quorum of `set` over `checkpoint`, `set` is the stored set of `checkpoint.epoch`, the set is
    /// not stale, and the root is not zero.
    /// @return digest The EIP-712 digest that was signed.
    function verifyCheckpoint(
        CheckpointLib.Checkpoint calldata checkpoint,
        QuorumLib.OperatorSet calldata set,
        uint256 signerBitmap,
        bytes calldata signatures
    ) external view returns (bytes32 digest);

    /// @notice The stored hash of the operator set of `epoch` (zero if none).
    function operatorSetHash(uint64 epoch) external view returns (bytes32);

    /// @notice The newest epoch with a stored set.
    function latestEpoch() external view returns (uint64);

    /// @notice Seconds after a set's `timestamp` during which it may still verify checkpoints.
    function maxStaleness() external view returns (uint256);

    /// @notice The EIP-712 domain separator operators sign under (hub chain, hub registry).
    function domainSeparator() external view returns (bytes32);
}
