// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IQuorumVerifier} from "./interfaces/IQuorumVerifier.sol";
import {CheckpointLib} from "./libs/CheckpointLib.sol";
import {QuorumLib} from "./libs/QuorumLib.sol";

/// @title QuorumVerifier
/// @notice Stake-weighted checkpoint verification against stored operator-set hashes.
/// @dev Abstract: the hub's `RestakingRegistry` records a set per epoch from its own snapshots; an
/// `OperatorSetMirror` records one when a quorum of the current set hands over. Storage is one slot
/// per epoch (the set hash); the set itself is passed in calldata and checked against it (ADR 0002).
abstract contract QuorumVerifier is IQuorumVerifier {
    /// @inheritdoc IQuorumVerifier
    uint256 public immutable maxStaleness;
    /// @inheritdoc IQuorumVerifier
    bytes32 public immutable domainSeparator;

    /// @inheritdoc IQuorumVerifier
    mapping(uint64 epoch => bytes32 setHash) public operatorSetHash;
    /// @inheritdoc IQuorumVerifier
    uint64 public latestEpoch;

    /// @notice The checkpoint's root is zero: never a valid root (Nomad).
    error ZeroRoot();
    /// @notice No set is stored for `epoch`, or the given set is not the stored one.
    error UnknownOperatorSet(uint64 epoch, bytes32 givenHash);
    /// @notice The set was for `setEpoch` but the checkpoint is signed for `checkpointEpoch`.
    error EpochMismatch(uint64 checkpointEpoch, uint64 setEpoch);
    /// @notice The set took effect at `setTimestamp` and is past `maxStaleness` at `nowTimestamp`.
    error StaleOperatorSet(uint64 setTimestamp, uint256 maxStaleness, uint256 nowTimestamp);
    /// @notice Sets are recorded in strictly increasing epochs.
    error EpochNotAfterLatest(uint64 epoch, uint64 latest);
    error MaxStalenessZero();

    /// @param hubChainId The hub chain's id (the EIP-712 domain's chainId).
    /// @param hubRegistry The hub's RestakingRegistry (the EIP-712 domain's verifyingContract).
    /// @param maxStaleness_ How long after it took effect a set may verify checkpoints. Must be
    /// shorter than the registry's unbonding period, so every signer is still slashable.
    constructor(uint256 hubChainId, address hubRegistry, uint256 maxStaleness_) {
        if (maxStaleness_ == 0) revert MaxStalenessZero();
        maxStaleness = maxStaleness_;
        domainSeparator = CheckpointLib.domainSeparator(hubChainId, hubRegistry);
    }

    /// @inheritdoc IQuorumVerifier
    function verifyCheckpoint(
        CheckpointLib.Checkpoint calldata checkpoint,
        QuorumLib.OperatorSet calldata set,
        uint256 signerBitmap,
        bytes calldata signatures
    ) external view returns (bytes32 digest) {
        return _verifyCheckpoint(checkpoint, set, signerBitmap, signatures);
    }

    function _verifyCheckpoint(
        CheckpointLib.Checkpoint calldata checkpoint,
        QuorumLib.OperatorSet calldata set,
        uint256 signerBitmap,
        bytes calldata signatures
    ) internal view returns (bytes32 digest) {
        if (checkpoint.root == bytes32(0)) revert ZeroRoot();
        uint64 epoch = checkpoint.epoch;
        if (set.epoch != epoch) revert EpochMismatch(epoch, set.epoch);
        bytes32 setHash = QuorumLib.hash(set);
        // A stored hash is never zero, so an unknown epoch (zero slot) never matches.
        if (operatorSetHash[epoch] != setHash) revert UnknownOperatorSet(epoch, setHash);
        uint64 setTimestamp = set.timestamp;
        if (block.timestamp > uint256(setTimestamp) + maxStaleness) {
            revert StaleOperatorSet(setTimestamp, maxStaleness, block.timestamp);
        }
        digest = CheckpointLib.digest(domainSeparator, CheckpointLib.structHashCalldata(checkpoint));
        QuorumLib.verify(digest, set, signerBitmap, signatures);
    }

    /// @dev Validates `set` and stores its hash for its epoch, which must be after the latest.
    function _recordOperatorSet(QuorumLib.OperatorSet memory set) internal returns (bytes32 setHash) {
        QuorumLib.validate(set);
        uint64 latest = latestEpoch;
        if (set.epoch <= latest && operatorSetHash[latest] != bytes32(0)) {
            revert EpochNotAfterLatest(set.epoch, latest);
        }
        setHash = QuorumLib.hashMemory(set);
        operatorSetHash[set.epoch] = setHash;
        latestEpoch = set.epoch;
        emit OperatorSetRecorded(set.epoch, setHash, set);
    }
}
