// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IQuorumVerifier} from "../interfaces/IQuorumVerifier.sol";
import {CheckpointLib} from "../libs/CheckpointLib.sol";
import {QuorumLib} from "../libs/QuorumLib.sol";
import {ICommitmentReader, RollupTypes} from "./RollupTypes.sol";

/// @notice What the verifier reads from the rollup registry.
interface IRollupStates {
    function state(uint32 rollup) external view returns (RollupTypes.State);
    function firstDomain() external view returns (uint32);
    function lastDomain() external view returns (uint32);
}

/// @title SettlementVerifier
/// @notice The verifier a hub Mailbox is deployed with when it accepts messages from registry
/// rollups (ADR 0005). The Mailbox has one immutable verifier for every origin, so this one routes
/// by origin:
/// - an origin the `RollupRegistry` assigned (any state but `None`) is settled by state
///   commitments: the checkpoint is accepted only if it repeats a FINAL commitment of that rollup;
/// - every other origin is forwarded unchanged to the hub's quorum verifier (the
///   RestakingRegistry), and so are the `IQuorumVerifier` getters, so relayers see the hub.
///   Origins outside the registry's domain range are forwarded without asking the registry, and
///   the call data is passed on as it came (no re-encoding), so ordinary origins pay little.
///
/// On the settlement path
/// - `checkpoint.epoch` names the commitment id (there is no operator-set epoch here),
/// - `checkpoint.origin` must be the commitment's rollup, `root` its `outboxRoot` (never zero),
///   `index` its `outboxIndex`,
/// - the set must be empty, the bitmap zero and the signatures empty (no unverified bytes).
/// The Mailbox itself checks `checkpoint.outbox` against the rollup Mailbox's enrolled route.
contract SettlementVerifier is IQuorumVerifier {
    ICommitmentReader public immutable commitments;
    IRollupStates public immutable rollups;
    /// @notice The hub's quorum verifier, for every origin that is not a registry rollup.
    IQuorumVerifier public immutable hub;
    /// @notice The registry's domain range (copied at deployment; immutable there too).
    uint32 public immutable firstRollupDomain;
    uint32 public immutable lastRollupDomain;

    error ZeroRoot();
    error CommitmentNotFinal(uint64 id);
    error WrongRollup(uint32 origin, uint32 rollup);
    error RootMismatch(bytes32 root, bytes32 outboxRoot);
    error IndexMismatch(uint32 index, uint32 outboxIndex);
    /// @notice Settlement checkpoints carry no signatures; anything given is refused.
    error UnexpectedAttestation();

    constructor(ICommitmentReader commitments_, IRollupStates rollups_, IQuorumVerifier hub_) {
        commitments = commitments_;
        rollups = rollups_;
        hub = hub_;
        firstRollupDomain = rollups_.firstDomain();
        lastRollupDomain = rollups_.lastDomain();
    }

    /// @inheritdoc IQuorumVerifier
    /// @return digest For a rollup origin, the checkpoint's struct hash (nothing was signed).
    function verifyCheckpoint(
        CheckpointLib.Checkpoint calldata checkpoint,
        QuorumLib.OperatorSet calldata set,
        uint256 signerBitmap,
        bytes calldata signatures
    ) external view returns (bytes32 digest) {
        uint32 origin = checkpoint.origin;
        if (origin < firstRollupDomain || origin > lastRollupDomain || rollups.state(origin) == RollupTypes.State.None)
        {
            _forwardToHub();
        }
        if (checkpoint.root == bytes32(0)) revert ZeroRoot();
        if (set.members.length != 0 || signerBitmap != 0 || signatures.length != 0) revert UnexpectedAttestation();
        uint64 id = checkpoint.epoch;
        RollupTypes.Commitment memory c = commitments.commitment(id);
        if (c.status != RollupTypes.CommitmentStatus.Final) revert CommitmentNotFinal(id);
        if (c.rollup != checkpoint.origin) revert WrongRollup(checkpoint.origin, c.rollup);
        if (c.outboxRoot != checkpoint.root) revert RootMismatch(checkpoint.root, c.outboxRoot);
        if (c.outboxIndex != checkpoint.index) revert IndexMismatch(checkpoint.index, c.outboxIndex);
        return CheckpointLib.structHashCalldata(checkpoint);
    }

    /// @dev Passes this call's data (same selector and arguments) to the hub verifier and returns
    /// or reverts with exactly what it returns or reverts with.
    function _forwardToHub() private view {
        address target = address(hub);
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, 0, calldatasize())
            let ok := staticcall(gas(), target, p, calldatasize(), 0, 0)
            returndatacopy(p, 0, returndatasize())
            if iszero(ok) { revert(p, returndatasize()) }
            return(p, returndatasize())
        }
    }

    /// @inheritdoc IQuorumVerifier
    function operatorSetHash(uint64 epoch) external view returns (bytes32) {
        return hub.operatorSetHash(epoch);
    }

    /// @inheritdoc IQuorumVerifier
    function latestEpoch() external view returns (uint64) {
        return hub.latestEpoch();
    }

    /// @inheritdoc IQuorumVerifier
    function maxStaleness() external view returns (uint256) {
        return hub.maxStaleness();
    }

    /// @inheritdoc IQuorumVerifier
    function domainSeparator() external view returns (bytes32) {
        return hub.domainSeparator();
    }
}
