// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumVerifier} from "../QuorumVerifier.sol";
import {QuorumLib} from "../libs/QuorumLib.sol";
import {HandoverLib} from "./HandoverLib.sol";

/// @title OperatorSetMirror
/// @notice The hub's operator sets, on every other EVM domain: the quorum verifier its Mailbox uses
/// for origins attested by restaked operators.
///
/// It starts from a genesis set (a set the hub recorded, chosen by the deployer) and from then on
/// accepts a set only through a handover signed by a quorum of its *latest* set, the way light
/// clients follow validator sets. The signed message is the EIP-712 struct
/// `OperatorSetHandover(uint64 epoch,bytes32 nextSetHash)` (`HandoverLib`) under the same domain as
/// checkpoints (hub chain id, hub registry), where `epoch` is the signing set's epoch. A handover
/// may skip epochs (the hub records a set only when it changes, and a relayer may hand over to the
/// newest set directly if the latest mirrored set signed it), but never goes back.
///
/// A set past `maxStaleness` neither verifies checkpoints (inherited check) nor hands over: its
/// members' stake may have left the hub's vault, so their signatures no longer cost anything. A
/// mirror left without a handover for `maxStaleness` stops, and must be redeployed from a fresh
/// genesis set; relayers hand over every new hub set to keep it live.
///
/// No owner, no other way to change the set: set changes never travel as messages (Poly Network).
contract OperatorSetMirror is QuorumVerifier {
    /// @notice Signatures of a set over a digest (same shape as `Mailbox.Attestation`).
    struct Attestation {
        QuorumLib.OperatorSet set;
        uint256 signerBitmap;
        bytes signatures;
    }

    /// @notice The attesting set is for `given`, not the latest mirrored epoch `latest`.
    error NotLatestSet(uint64 given, uint64 latest);
    /// @notice The next set took effect before the set that hands over to it.
    error HandoverTimestampBackwards(uint64 nextTimestamp, uint64 currentTimestamp);

    /// @param hubChainId The hub chain's id (EIP-712 domain).
    /// @param hubRegistry The hub's RestakingRegistry (EIP-712 domain).
    /// @param maxStaleness_ Must equal the hub registry's, so a set is usable here exactly as long
    /// as its stake is held slashable on the hub.
    /// @param genesis A set the hub recorded, as in its `OperatorSetRecorded` event.
    constructor(uint256 hubChainId, address hubRegistry, uint256 maxStaleness_, QuorumLib.OperatorSet memory genesis)
        QuorumVerifier(hubChainId, hubRegistry, maxStaleness_)
    {
        _recordOperatorSet(genesis);
    }

    /// @notice Records `next` if a quorum of the latest set signed the handover to it.
    /// @param attestation The latest set, the bitmap of its members who signed, and their
    /// signatures over `HandoverLib.digest(domainSeparator, latestEpoch, hash(next))`.
    /// @return nextHash The recorded set's hash.
    function updateSet(QuorumLib.OperatorSet calldata next, Attestation calldata attestation)
        external
        returns (bytes32 nextHash)
    {
        QuorumLib.OperatorSet calldata current = attestation.set;
        uint64 epoch = latestEpoch;
        if (current.epoch != epoch) revert NotLatestSet(current.epoch, epoch);
        bytes32 currentHash = QuorumLib.hash(current);
        if (operatorSetHash[epoch] != currentHash) revert UnknownOperatorSet(epoch, currentHash);
        uint64 currentTimestamp = current.timestamp;
        if (block.timestamp > uint256(currentTimestamp) + maxStaleness) {
            revert StaleOperatorSet(currentTimestamp, maxStaleness, block.timestamp);
        }
        if (next.timestamp < currentTimestamp) revert HandoverTimestampBackwards(next.timestamp, currentTimestamp);
        nextHash = QuorumLib.hash(next);
        QuorumLib.verify(
            HandoverLib.digest(domainSeparator, epoch, nextHash),
            current,
            attestation.signerBitmap,
            attestation.signatures
        );
        _recordOperatorSet(next); // validates the set and that its epoch is after the latest
    }
}
