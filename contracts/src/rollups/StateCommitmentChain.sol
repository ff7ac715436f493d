// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IMessageRecipient} from "../interfaces/IMessageRecipient.sol";
import {IQuorumVerifier} from "../interfaces/IQuorumVerifier.sol";
import {CheckpointLib} from "../libs/CheckpointLib.sol";
import {MerkleLib} from "../libs/MerkleLib.sol";
import {Message} from "../libs/Message.sol";
import {QuorumLib} from "../libs/QuorumLib.sol";
import {RollupRegistry} from "./RollupRegistry.sol";
import {ICommitmentReader, RollupTypes} from "./RollupTypes.sol";

/// @title StateCommitmentChain
/// @notice State commitments of the registry's rollups, on the hub chain (ADR 0005).
///
/// A rollup's proposer, bonded in ETH, posts `(l2Block, stateRoot, blockHash, outboxRoot,
/// outboxIndex)` with strictly increasing `l2Block`. A commitment becomes final
/// - at once, when a restaked quorum of the hub operator set attests it (`attest`; finality modes
///   `Restaked` and `Both`), or
/// - when its challenge window has passed and nobody removed it (`finalize`; modes `Optimistic`
///   and `Both`).
/// While pending, a quorum-signed conflicting commitment (same rollup and l2Block, other content)
/// removes it and slashes the proposer's whole bond: half to the challenger, half burned (kept
/// here forever, never withdrawable). A final commitment cannot be challenged here: two quorums
/// that disagree are operator equivocation, slashed by the hub registry.
///
/// `outboxRoot` is the root of the rollup Mailbox's route tree to the hub (`localDomain`), and
/// `outboxIndex` its leaf count − 1. Messages in it are delivered either by the hub Mailbox (with
/// `SettlementVerifier` as the rollup origin's verifier) or here by `proveWithdrawal` — a
/// recipient trusts one of the two for a rollup origin, never both.
contract StateCommitmentChain is ICommitmentReader, ReentrancyGuard {
    uint256 internal constant BPS = 10_000;
    /// @notice Share of a slashed bond paid to the challenger; the rest is burned.
    uint256 public constant CHALLENGER_BOUNTY_BPS = 5000;

    RollupRegistry public immutable registry;
    /// @notice The hub's quorum verifier (the RestakingRegistry): operator-set hashes, staleness
    /// bound and the EIP-712 domain separator.
    IQuorumVerifier public immutable hub;
    /// @notice The hub's domain id: withdrawals must be addressed to it.
    uint32 public immutable localDomain;
    /// @notice Bond a proposer must hold for its rollup to propose.
    uint256 public immutable requiredBond;

    /// @notice The last id assigned (ids start at 1; 0 means none).
    uint64 public commitmentCount;
    /// @notice ETH slashed and not paid out: burned.
    uint256 public burned;

    mapping(uint64 id => RollupTypes.Commitment) internal _commitments;
    /// @notice Bond held for a rollup's proposer.
    mapping(uint32 rollup => uint256 amount) public bond;
    /// @notice The l2Block of the rollup's latest proposal (removed ones included).
    mapping(uint32 rollup => uint64 l2Block) public latestL2Block;
    /// @notice When the rollup's latest proposal was made (bond release waits a window after it).
    mapping(uint32 rollup => uint64 timestamp) public lastProposedAt;
    /// @inheritdoc ICommitmentReader
    mapping(uint32 rollup => uint64 id) public latestFinal;
    /// @notice Withdrawals executed, by message id.
    mapping(bytes32 messageId => bool) public withdrawn;

    event BondDeposited(uint32 indexed rollup, address indexed proposer, uint256 amount, uint256 total);
    event BondWithdrawn(uint32 indexed rollup, address indexed proposer, uint256 amount);
    event CommitmentProposed(
        uint64 indexed id,
        uint32 indexed rollup,
        uint64 l2Block,
        bytes32 stateRoot,
        bytes32 blockHash,
        bytes32 outboxRoot,
        uint32 outboxIndex
    );
    event CommitmentAttested(uint64 indexed id, uint64 epoch, uint256 signers, uint256 signedWeight);
    event CommitmentFinalized(uint64 indexed id);
    event CommitmentChallenged(uint64 indexed id, address indexed challenger, uint256 slashed, uint256 bounty);
    event WithdrawalProven(uint32 indexed rollup, uint64 indexed commitment, bytes32 indexed messageId, uint256 index);

    error ZeroBond();
    error UnknownRollup(uint32 rollup);
    error NotProposer(uint32 rollup, address caller);
    /// @notice Proposals are refused once the rollup is closed.
    error RollupClosed(uint32 rollup);
    error BondTooLow(uint32 rollup, uint256 bond, uint256 required);
    /// @notice Bonds are released only after the rollup is closed and a challenge window has
    /// passed since its last proposal.
    error BondLocked(uint32 rollup, uint256 unlocksAt);
    error L2BlockNotIncreasing(uint64 l2Block, uint64 latest);
    error ZeroRoot();
    error UnknownCommitment(uint64 id);
    /// @notice The commitment is `status`, not pending.
    error NotPending(uint64 id, RollupTypes.CommitmentStatus status);
    error NotFinal(uint64 id);
    /// @notice The rollup's finality mode does not allow this path.
    error FinalityModeDisallows(uint32 rollup, uint8 finality);
    error ChallengeWindowOpen(uint64 id, uint256 endsAt);
    error EpochMismatch(uint64 commitmentEpoch, uint64 setEpoch);
    error UnknownOperatorSet(uint64 epoch, bytes32 givenHash);
    error StaleOperatorSet(uint64 setTimestamp, uint256 maxStaleness, uint256 nowTimestamp);
    /// @notice The attestation meets the hub set's quorum but not the rollup's.
    error RollupQuorumNotMet(uint256 signers, uint256 signedWeight, uint256 totalWeight);
    /// @notice A challenge must name the same rollup and l2Block.
    error NotConflicting(uint64 id);
    error WrongRollup(uint32 expected, uint32 given);
    error IndexBeyondOutbox(uint256 index, uint32 outboxIndex);
    error InvalidWithdrawalProof(bytes32 computed, bytes32 outboxRoot);
    error WrongWithdrawalOrigin(uint32 origin, uint32 rollup);
    error WrongWithdrawalDestination(uint32 destination, uint32 localDomain);
    error UnsupportedVersion(uint8 version);
    /// @notice A message's nonce is its leaf index in the route tree.
    error NonceMismatch(uint32 nonce, uint256 index);
    error WithdrawalAlreadyExecuted(bytes32 messageId);
    error TransferFailed(address to, uint256 amount);

    constructor(RollupRegistry registry_, IQuorumVerifier hub_, uint32 localDomain_, uint256 requiredBond_) {
        if (requiredBond_ == 0) revert ZeroBond();
        registry = registry_;
        hub = hub_;
        localDomain = localDomain_;
        requiredBond = requiredBond_;
    }

    // ================================================================== bond

    /// @notice Adds `msg.value` to the bond of `rollup`; only its proposer.
    function depositBond(uint32 rollup) external payable {
        (RollupTypes.State s, address proposer,,,,) = registry.settlementParams(rollup);
        if (s == RollupTypes.State.None) revert UnknownRollup(rollup);
        if (msg.sender != proposer) revert NotProposer(rollup, msg.sender);
        if (s == RollupTypes.State.Closed) revert RollupClosed(rollup);
        uint256 total = bond[rollup] + msg.value;
        bond[rollup] = total;
        emit BondDeposited(rollup, msg.sender, msg.value, total);
    }

    /// @notice Returns the bond to the proposer once the rollup is closed and no pending commitment
    /// can still be challenged (a challenge window after its last proposal).
    function withdrawBond(uint32 rollup) external nonReentrant {
        (RollupTypes.State s, address proposer,, uint64 window,,) = registry.settlementParams(rollup);
        if (msg.sender != proposer) revert NotProposer(rollup, msg.sender);
        uint256 unlocksAt = uint256(lastProposedAt[rollup]) + window;
        if (s != RollupTypes.State.Closed || block.timestamp < unlocksAt) revert BondLocked(rollup, unlocksAt);
        uint256 amount = bond[rollup];
        bond[rollup] = 0;
        emit BondWithdrawn(rollup, msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ================================================================== commitments

    /// @notice Posts a state commitment of `rollup` at `l2Block` (above every earlier proposal).
    /// @return id The commitment id.
    function propose(
        uint32 rollup,
        uint64 l2Block,
        bytes32 stateRoot,
        bytes32 blockHash,
        bytes32 outboxRoot,
        uint32 outboxIndex
    ) external returns (uint64 id) {
        (RollupTypes.State s, address proposer,,,,) = registry.settlementParams(rollup);
        if (s == RollupTypes.State.None) revert UnknownRollup(rollup);
        if (msg.sender != proposer) revert NotProposer(rollup, msg.sender);
        if (s == RollupTypes.State.Closed) revert RollupClosed(rollup);
        uint256 b = bond[rollup];
        if (b < requiredBond) revert BondTooLow(rollup, b, requiredBond);
        uint64 latest = latestL2Block[rollup];
        if (l2Block <= latest) revert L2BlockNotIncreasing(l2Block, latest);
        // Zero never means valid (Nomad): an empty outbox still has a non-zero root.
        if (stateRoot == bytes32(0) || outboxRoot == bytes32(0)) revert ZeroRoot();
        latestL2Block[rollup] = l2Block;
        lastProposedAt[rollup] = uint64(block.timestamp);
        unchecked {
            id = ++commitmentCount;
        }
        _commitments[id] = RollupTypes.Commitment({
            rollup: rollup,
            l2Block: l2Block,
            outboxIndex: outboxIndex,
            proposedAt: uint64(block.timestamp),
            status: RollupTypes.CommitmentStatus.Pending,
            stateRoot: stateRoot,
            blockHash: blockHash,
            outboxRoot: outboxRoot
        });
        emit CommitmentProposed(id, rollup, l2Block, stateRoot, blockHash, outboxRoot, outboxIndex);
    }

    /// @notice Makes a pending commitment final with a restaked quorum of the hub operator set of
    /// `set.epoch` over `StateCommitment(..., epoch)`, meeting both the set's and the rollup's
    /// quorum. Modes `Restaked` and `Both`.
    function attest(uint64 id, QuorumLib.OperatorSet calldata set, uint256 signerBitmap, bytes calldata signatures)
        external
    {
        RollupTypes.Commitment storage c = _pending(id);
        uint32 rollup = c.rollup;
        (RollupTypes.State s,, uint8 finality,, uint16 bps, uint16 minSigners) = registry.settlementParams(rollup);
        if (s == RollupTypes.State.Closed) revert RollupClosed(rollup);
        if (finality == uint8(RollupTypes.FinalityMode.Optimistic)) revert FinalityModeDisallows(rollup, finality);
        RollupTypes.StateCommitment memory signed = RollupTypes.toSigned(c, set.epoch);
        (uint256 signers, uint256 weight) = _verifyQuorum(signed, set, signerBitmap, signatures, bps, minSigners);
        _makeFinal(id, c);
        emit CommitmentAttested(id, set.epoch, signers, weight);
    }

    /// @notice Makes a pending commitment final once its challenge window has passed. Modes
    /// `Optimistic` and `Both`.
    function finalize(uint64 id) external {
        RollupTypes.Commitment storage c = _pending(id);
        uint32 rollup = c.rollup;
        (RollupTypes.State s,, uint8 finality, uint64 window,,) = registry.settlementParams(rollup);
        if (s == RollupTypes.State.Closed) revert RollupClosed(rollup);
        if (finality == uint8(RollupTypes.FinalityMode.Restaked)) revert FinalityModeDisallows(rollup, finality);
        uint256 endsAt = uint256(c.proposedAt) + window;
        if (block.timestamp < endsAt) revert ChallengeWindowOpen(id, endsAt);
        _makeFinal(id, c);
        emit CommitmentFinalized(id);
    }

    /// @notice Removes a pending commitment with a quorum-signed conflicting commitment (same
    /// rollup and l2Block, different content) and slashes the proposer's bond: half to the caller,
    /// half burned. Allowed in every finality mode, also after the rollup closed.
    function challenge(
        uint64 id,
        RollupTypes.StateCommitment calldata conflicting,
        QuorumLib.OperatorSet calldata set,
        uint256 signerBitmap,
        bytes calldata signatures
    ) external nonReentrant {
        RollupTypes.Commitment storage c = _pending(id);
        uint32 rollup = c.rollup;
        if (
            conflicting.rollup != rollup || conflicting.l2Block != c.l2Block
                || (conflicting.stateRoot == c.stateRoot
                    && conflicting.blockHash == c.blockHash
                    && conflicting.outboxRoot == c.outboxRoot
                    && conflicting.outboxIndex == c.outboxIndex)
        ) revert NotConflicting(id);
        (,,,, uint16 bps, uint16 minSigners) = registry.settlementParams(rollup);
        _verifyQuorum(conflicting, set, signerBitmap, signatures, bps, minSigners);
        c.status = RollupTypes.CommitmentStatus.Removed;
        uint256 slashed = bond[rollup];
        bond[rollup] = 0;
        uint256 bounty = slashed * CHALLENGER_BOUNTY_BPS / BPS;
        burned += slashed - bounty;
        emit CommitmentChallenged(id, msg.sender, slashed, bounty);
        _send(msg.sender, bounty);
    }

    // ================================================================== withdrawals

    /// @notice Executes a message of `rollup`'s outbox (its route tree to this hub) proven against
    /// final commitment `id`: checks the leaf at `index` under `outboxRoot` by its 32-sibling
    /// `branch`, then calls `handle(rollup, sender, body)` on the recipient. Each message executes
    /// once. After a close, this (against the closing commitment) brings home what was left.
    function proveWithdrawal(
        uint32 rollup,
        uint64 id,
        bytes calldata message,
        uint256 index,
        bytes32[32] calldata branch
    ) external nonReentrant {
        RollupTypes.Commitment storage c = _commitments[id];
        if (c.status != RollupTypes.CommitmentStatus.Final) {
            if (c.status == RollupTypes.CommitmentStatus.None) revert UnknownCommitment(id);
            revert NotFinal(id);
        }
        if (c.rollup != rollup) revert WrongRollup(c.rollup, rollup);
        if (index > c.outboxIndex) revert IndexBeyondOutbox(index, c.outboxIndex);
        Message.Header memory h = Message.header(message);
        if (h.version != Message.VERSION) revert UnsupportedVersion(h.version);
        if (h.origin != rollup) revert WrongWithdrawalOrigin(h.origin, rollup);
        if (h.destination != localDomain) revert WrongWithdrawalDestination(h.destination, localDomain);
        if (h.nonce != index) revert NonceMismatch(h.nonce, index);
        bytes32 messageId = Message.idCalldata(message);
        bytes32 computed = MerkleLib.branchRoot(messageId, branch, index);
        bytes32 outboxRoot = c.outboxRoot;
        if (computed != outboxRoot) revert InvalidWithdrawalProof(computed, outboxRoot);
        if (withdrawn[messageId]) revert WithdrawalAlreadyExecuted(messageId);
        withdrawn[messageId] = true;
        emit WithdrawalProven(rollup, id, messageId, index);
        IMessageRecipient(Message.toAddress(h.recipient)).handle(rollup, h.sender, Message.body(message));
    }

    // ================================================================== views

    /// @inheritdoc ICommitmentReader
    function commitment(uint64 id) external view returns (RollupTypes.Commitment memory) {
        return _commitments[id];
    }

    /// @notice The EIP-712 digest hub operators sign for `c` (tooling and tests).
    function digestOf(RollupTypes.StateCommitment calldata c) external view returns (bytes32) {
        return CheckpointLib.digest(hub.domainSeparator(), RollupTypes.structHash(c));
    }

    // ================================================================== internals

    function _pending(uint64 id) internal view returns (RollupTypes.Commitment storage c) {
        c = _commitments[id];
        RollupTypes.CommitmentStatus status = c.status;
        if (status != RollupTypes.CommitmentStatus.Pending) {
            if (status == RollupTypes.CommitmentStatus.None) revert UnknownCommitment(id);
            revert NotPending(id, status);
        }
    }

    function _makeFinal(uint64 id, RollupTypes.Commitment storage c) internal {
        c.status = RollupTypes.CommitmentStatus.Final;
        uint32 rollup = c.rollup;
        uint64 latest = latestFinal[rollup];
        if (latest == 0 || _commitments[latest].l2Block < c.l2Block) latestFinal[rollup] = id;
    }

    /// @dev The checks `QuorumVerifier._verifyCheckpoint` makes, for a `StateCommitment`, against
    /// the hub's stored set hash, staleness bound and domain; then the rollup's own quorum.
    function _verifyQuorum(
        RollupTypes.StateCommitment memory signed,
        QuorumLib.OperatorSet calldata set,
        uint256 signerBitmap,
        bytes calldata signatures,
        uint16 bps,
        uint16 minSigners
    ) internal view returns (uint256 signers, uint256 weight) {
        uint64 epoch = signed.epoch;
        if (set.epoch != epoch) revert EpochMismatch(epoch, set.epoch);
        bytes32 setHash = QuorumLib.hash(set);
        // A stored hash is never zero, so an unknown epoch never matches.
        if (hub.operatorSetHash(epoch) != setHash) revert UnknownOperatorSet(epoch, setHash);
        uint256 maxStaleness = hub.maxStaleness();
        if (block.timestamp > uint256(set.timestamp) + maxStaleness) {
            revert StaleOperatorSet(set.timestamp, maxStaleness, block.timestamp);
        }
        bytes32 digest = CheckpointLib.digest(hub.domainSeparator(), RollupTypes.structHash(signed));
        (signers, weight) = QuorumLib.verify(digest, set, signerBitmap, signatures);
        if (signers < minSigners || weight * BPS < uint256(set.totalWeight) * bps) {
            revert RollupQuorumNotMet(signers, weight, set.totalWeight);
        }
    }

    function _send(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
