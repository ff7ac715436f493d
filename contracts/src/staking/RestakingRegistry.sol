// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumVerifier} from "../QuorumVerifier.sol";
import {CheckpointLib} from "../libs/CheckpointLib.sol";
import {QuorumLib} from "../libs/QuorumLib.sol";
import {RollupTypes} from "../rollups/RollupTypes.sol";
import {HandoverLib} from "./HandoverLib.sol";
import {IOutboxHistory} from "./IOutboxHistory.sol";
import {IStakeSource} from "./IStakeSource.sol";
import {SignatureLib} from "./SignatureLib.sol";

/// @title RestakingRegistry
/// @notice The hub's operator registry: who attests checkpoints, with what weight, and what they
/// lose when they sign something false or conflicting (ADR 0004).
///
/// Operators register a signing key (which may differ from their staking account), announce the
/// URL where they serve signatures, rotate keys and exit. None of this touches the set in force:
/// at each epoch boundary anyone calls `advanceEpoch()`, which builds the next set from the
/// registered operators and their stake in `stakeSource`, sorted by signing key (ADR 0002), and
/// records it only when it differs from the latest one (or when the latest is half-way to
/// `maxStaleness`, so it never goes stale while the hub is live). Epoch numbers count recorded
/// sets: epoch e is the e-th recorded set, so an unchanged boundary does not use up a number.
///
/// Anyone holding evidence can slash: conflicting checkpoints (`slashEquivocation`), conflicting
/// rollup state commitments (`slashCommitmentEquivocation`), a false or premature checkpoint of a
/// hub route (`slashFalseRoot`), or a handover to a set the hub never recorded
/// (`slashFalseHandover`). A slash takes `slashBps` of the operator's slashable stake,
/// pays `bountyBps` of it to the reporter and the rest to `treasury`, ejects the operator from
/// the next set, and may bring that set forward (an early `advanceEpoch`). Each piece of evidence
/// counts once.
///
/// There is no owner: every parameter is fixed at deployment.
contract RestakingRegistry is QuorumVerifier {
    enum Status {
        None,
        Active,
        Exited,
        Ejected
    }

    struct Operator {
        address signingKey;
        Status status;
        /// @dev Position in `_active` while Active.
        uint16 listIndex;
    }

    /// @dev A signing key is bound to one staking account forever, and is that account's key for
    /// the epochs [fromEpoch, untilEpoch): evidence signed by it for one of those epochs is the
    /// account's responsibility; for any other epoch it is not (a retired key may leak).
    struct KeyRecord {
        address operator;
        uint48 fromEpoch;
        uint48 untilEpoch;
    }

    struct Config {
        /// @dev The hub's own domain id (checkpoints with this origin are judged by slashFalseRoot).
        uint32 localDomain;
        IStakeSource stakeSource;
        /// @dev The hub Mailbox's route trees; zero disables slashFalseRoot.
        IOutboxHistory mailbox;
        /// @dev Receives what slashing takes, less the bounty.
        address treasury;
        uint256 maxStaleness;
        uint64 epochLength;
        uint16 thresholdBps;
        uint16 minSigners;
        /// @dev At most this many registered operators (<= 256, the set limit).
        uint16 maxOperators;
        /// @dev Share of the operator's slashable stake taken per piece of evidence.
        uint16 slashBps;
        /// @dev Share of the slashed amount paid to the reporter.
        uint16 bountyBps;
        /// @dev Least active stake to register and to be in a set.
        uint256 minStake;
    }

    uint256 internal constant BPS = 10_000;
    uint256 public constant MAX_URL_LENGTH = 512;
    uint48 internal constant FOREVER = type(uint48).max;
    bytes32 internal constant EQUIVOCATION = "equivocation";
    bytes32 internal constant FALSE_ROOT = "false-root";
    bytes32 internal constant FALSE_HANDOVER = "false-handover";
    bytes32 internal constant COMMITMENT_EQUIVOCATION = "commitment-equivocation";

    IStakeSource public immutable stakeSource;
    IOutboxHistory public immutable mailbox;
    address public immutable treasury;
    uint32 public immutable localDomain;
    uint256 public immutable epochLength;
    uint256 public immutable epochAnchor;
    uint256 public immutable minStake;
    uint16 public immutable thresholdBps;
    uint16 public immutable minSigners;
    uint16 public immutable maxOperators;
    uint16 public immutable slashBps;
    uint16 public immutable bountyBps;

    /// @notice `advanceEpoch` may run from this time on (sooner while an ejection is pending).
    uint64 public nextEpochAt;
    /// @notice When the latest set took effect (its `timestamp`).
    uint64 public latestSetTimestamp;
    /// @notice An operator was ejected since the last advance: the next set may be built now.
    bool public ejectionPending;
    /// @notice keccak256 of the latest recorded set's members (to skip recording an equal set).
    bytes32 public latestMembersHash;

    /// @dev Staking accounts with status Active, in registration order (swap-and-pop on removal).
    address[] internal _active;
    mapping(address account => Operator) internal _operators;
    mapping(address signingKey => KeyRecord) internal _keys;
    /// @notice Evidence already used for a slash.
    mapping(bytes32 evidence => bool) public evidenceUsed;

    event OperatorRegistered(address indexed operator, address indexed signingKey, uint64 effectiveEpoch);
    /// @notice Where `operator` serves its signatures (relayers read the latest one).
    event OperatorAnnounced(address indexed operator, string url);
    event SigningKeyRotated(
        address indexed operator, address indexed oldKey, address indexed newKey, uint64 effectiveEpoch
    );
    event OperatorExited(address indexed operator, uint64 effectiveEpoch);
    event OperatorEjected(address indexed operator, uint64 effectiveEpoch);
    /// @notice `evidence` proved `operator` misbehaved: `slashed` was taken, `bounty` of it paid
    /// to `reporter`, the rest to the treasury.
    event OperatorSlashed(
        address indexed operator, bytes32 indexed evidence, address indexed reporter, uint256 slashed, uint256 bounty
    );
    /// @notice A boundary was processed; `recorded` says whether `epoch` is a newly recorded set.
    event EpochAdvanced(uint64 indexed epoch, bool recorded, uint64 nextEpochAt);

    // configuration
    error StakeSourceZero();
    error TreasuryZero();
    error EpochLengthZero();
    error InvalidBps(uint256 bps);
    error InvalidMaxOperators(uint256 maxOperators);
    error InvalidMinSigners(uint256 minSigners, uint256 maxOperators);
    error MinStakeZero();
    /// @notice The stake source's unbonding period does not exceed maxStaleness + epochLength.
    error UnbondingTooShort(uint256 unbondingPeriod, uint256 required);
    // operators
    error AlreadyRegistered(address operator);
    error NotActive(address operator);
    error OperatorIsEjected(address operator);
    error SigningKeyZero();
    error SigningKeyTaken(address signingKey, address owner);
    error StakeTooLow(uint256 stake, uint256 minStake);
    error TooManyOperators(uint256 maxOperators);
    error UrlTooLong(uint256 length, uint256 max);
    // epochs
    error EpochBoundaryNotReached(uint64 nextEpochAt, uint256 nowTimestamp);
    error StakeSourceNotWired(address slasher);
    error NotEnoughOperators(uint256 eligible, uint256 minSigners);
    // evidence
    error NotEquivocation();
    error SignersDiffer(address signerA, address signerB);
    error UnknownSigningKey(address signingKey);
    error EpochNotRecorded(uint64 epoch, uint64 latest);
    error KeyNotActiveInEpoch(address signingKey, uint64 epoch, uint48 fromEpoch, uint48 untilEpoch);
    error EvidenceAlreadyUsed(bytes32 evidence);
    error NotHubOrigin(uint32 origin, uint32 hub);
    error HubMailboxUnset();
    error NotHubOutbox(bytes32 outbox);
    error RootNotFalse(uint32 destination, uint256 count, bytes32 root);
    error HandoverNotFalse(uint64 nextEpoch, bytes32 nextSetHash);

    constructor(Config memory c) QuorumVerifier(block.chainid, address(this), c.maxStaleness) {
        if (address(c.stakeSource) == address(0)) revert StakeSourceZero();
        if (c.treasury == address(0)) revert TreasuryZero();
        if (c.epochLength == 0) revert EpochLengthZero();
        if (c.thresholdBps == 0 || c.thresholdBps > BPS) revert InvalidBps(c.thresholdBps);
        if (c.slashBps == 0 || c.slashBps > BPS) revert InvalidBps(c.slashBps);
        if (c.bountyBps > BPS) revert InvalidBps(c.bountyBps);
        if (c.maxOperators == 0 || c.maxOperators > QuorumLib.MAX_MEMBERS) revert InvalidMaxOperators(c.maxOperators);
        if (c.minSigners == 0 || c.minSigners > c.maxOperators) revert InvalidMinSigners(c.minSigners, c.maxOperators);
        if (c.minStake == 0) revert MinStakeZero();
        uint256 required = c.maxStaleness + c.epochLength;
        uint256 unbonding = c.stakeSource.unbondingPeriod();
        if (unbonding <= required) revert UnbondingTooShort(unbonding, required);
        stakeSource = c.stakeSource;
        mailbox = c.mailbox;
        treasury = c.treasury;
        localDomain = c.localDomain;
        epochLength = c.epochLength;
        epochAnchor = block.timestamp;
        minStake = c.minStake;
        thresholdBps = c.thresholdBps;
        minSigners = c.minSigners;
        maxOperators = c.maxOperators;
        slashBps = c.slashBps;
        bountyBps = c.bountyBps;
        nextEpochAt = uint64(block.timestamp); // the first set may be built as soon as there are operators
    }

    // ================================================================== operators

    /// @notice Registers the caller's staking account with `signingKey` (never used before by
    /// anyone) from the next epoch, and announces `url`. The caller needs `minStake` active stake
    /// in `stakeSource`. An exited operator may register again, with a new key.
    function registerOperator(address signingKey, string calldata url) external {
        Operator storage op = _operators[msg.sender];
        Status status = op.status;
        if (status == Status.Active) revert AlreadyRegistered(msg.sender);
        if (status == Status.Ejected) revert OperatorIsEjected(msg.sender);
        uint256 stake = stakeSource.stakeOf(msg.sender);
        if (stake < minStake) revert StakeTooLow(stake, minStake);
        uint256 n = _active.length;
        if (n >= maxOperators) revert TooManyOperators(maxOperators);
        uint64 effective = latestEpoch + 1;
        _bindKey(signingKey, effective);
        op.signingKey = signingKey;
        op.status = Status.Active;
        op.listIndex = uint16(n);
        _active.push(msg.sender);
        emit OperatorRegistered(msg.sender, signingKey, effective);
        _announce(url);
    }

    /// @notice Announces a new URL where the caller serves its signatures.
    function announce(string calldata url) external {
        if (_operators[msg.sender].status != Status.Active) revert NotActive(msg.sender);
        _announce(url);
    }

    /// @notice Replaces the caller's signing key from the next epoch. The old key stays
    /// accountable for the epochs it signed for, and for no later one.
    function rotateSigningKey(address newKey) external {
        Operator storage op = _operators[msg.sender];
        if (op.status != Status.Active) revert NotActive(msg.sender);
        uint64 effective = latestEpoch + 1;
        address oldKey = op.signingKey;
        _bindKey(newKey, effective);
        _retireKey(oldKey, effective);
        op.signingKey = newKey;
        emit SigningKeyRotated(msg.sender, oldKey, newKey, effective);
    }

    /// @notice Leaves the operator set from the next epoch. Stake is withdrawn from the stake
    /// source separately, through its unbonding period, and stays slashable meanwhile.
    function exit() external {
        Operator storage op = _operators[msg.sender];
        if (op.status != Status.Active) revert NotActive(msg.sender);
        uint64 effective = latestEpoch + 1;
        _removeActive(op);
        _retireKey(op.signingKey, effective);
        op.status = Status.Exited;
        emit OperatorExited(msg.sender, effective);
    }

    // ================================================================== epochs

    /// @notice Builds the next operator set from the registered operators and their current
    /// stake and records it as a new epoch if it differs from the latest (or the latest is half
    /// way to stale). Anyone may call it once `nextEpochAt` has passed, or at any time after an
    /// ejection. Boundaries lie every `epochLength` seconds after deployment.
    /// @return recorded Whether a new set was recorded.
    function advanceEpoch() external returns (bool recorded) {
        uint64 boundary = nextEpochAt;
        bool boundaryReached = block.timestamp >= boundary;
        if (!boundaryReached && !ejectionPending) revert EpochBoundaryNotReached(boundary, block.timestamp);
        address wired = stakeSource.slasher();
        if (wired != address(this)) revert StakeSourceNotWired(wired);

        (bytes32[] memory members, uint256 total) = _buildMembers();
        bytes32 membersHash = keccak256(abi.encodePacked(members));
        uint64 epoch = latestEpoch;
        if (
            membersHash != latestMembersHash || epoch == 0
                || block.timestamp >= uint256(latestSetTimestamp) + maxStaleness / 2
        ) {
            unchecked {
                ++epoch;
            }
            _recordOperatorSet(
                QuorumLib.OperatorSet({
                    epoch: epoch,
                    timestamp: uint64(block.timestamp),
                    thresholdBps: thresholdBps,
                    minSigners: minSigners,
                    totalWeight: uint128(total),
                    members: members
                })
            );
            latestMembersHash = membersHash;
            latestSetTimestamp = uint64(block.timestamp);
            recorded = true;
        }
        if (boundaryReached) {
            uint256 elapsed = (block.timestamp - epochAnchor) / epochLength + 1;
            boundary = uint64(epochAnchor + elapsed * epochLength);
            nextEpochAt = boundary;
        }
        ejectionPending = false;
        emit EpochAdvanced(epoch, recorded, boundary);
    }

    /// @notice The members the next set would have if built now (packed `key << 96 | weight`,
    /// ascending) and their total weight.
    function previewMembers() external view returns (bytes32[] memory members, uint256 totalWeight) {
        return _buildMembers();
    }

    // ================================================================== slashing

    /// @notice Slashes the operator whose key signed both `a` and `b`: the same origin, outbox,
    /// index and epoch with different roots. Pays the bounty to the caller.
    function slashEquivocation(
        CheckpointLib.Checkpoint calldata a,
        bytes calldata sigA,
        CheckpointLib.Checkpoint calldata b,
        bytes calldata sigB
    ) external returns (uint256 slashed) {
        if (
            a.origin != b.origin || a.outbox != b.outbox || a.index != b.index || a.epoch != b.epoch || a.root == b.root
        ) {
            revert NotEquivocation();
        }
        address signer = SignatureLib.recover(_checkpointDigest(a), sigA);
        address signerB = SignatureLib.recover(_checkpointDigest(b), sigB);
        if (signer != signerB) revert SignersDiffer(signer, signerB);
        address operator = _accountable(signer, a.epoch);
        // One slash per (key, slot): neither the order of the pair, another pair for the same
        // slot, nor a re-signed copy is new evidence.
        return _slash(operator, _slotEvidence(EQUIVOCATION, signer, a));
    }

    /// @notice Slashes the operator whose key signed both `a` and `b`: two different rollup state
    /// commitments (`RollupTypes.StateCommitment`, the EIP-712 struct `StateCommitmentChain.attest`
    /// verifies under this registry's domain) for the same rollup, l2Block and epoch. Pays the
    /// bounty to the caller. One slash per (key, rollup, l2Block, epoch), as for checkpoints.
    function slashCommitmentEquivocation(
        RollupTypes.StateCommitment calldata a,
        bytes calldata sigA,
        RollupTypes.StateCommitment calldata b,
        bytes calldata sigB
    ) external returns (uint256 slashed) {
        if (a.rollup != b.rollup || a.l2Block != b.l2Block || a.epoch != b.epoch) {
            revert NotEquivocation();
        }
        address signer = _commitmentEquivocator(a, sigA, b, sigB);
        return _slash(_accountable(signer, a.epoch), _commitmentEvidence(signer, a));
    }

    /// @notice Slashes the operator whose key signed `checkpoint` of a hub route that is false:
    /// the route has not reached `index + 1` leaves (premature), or its root differs from the
    /// root the route had at `index + 1` leaves. No root history is stored (ADR 0003 §4): for a
    /// reached count, `lastLeaf` is leaf `index` and `branch` its 32 siblings in the hub
    /// Mailbox's current tree, from which the Mailbox recomputes the root at that count
    /// (`IOutboxHistory.rootAt`). A premature checkpoint needs no proof: pass a zero leaf and
    /// branch (they are ignored). Pays the bounty to the caller.
    function slashFalseRoot(
        CheckpointLib.Checkpoint calldata checkpoint,
        bytes calldata sig,
        bytes32 lastLeaf,
        bytes32[32] calldata branch
    ) external returns (uint256 slashed) {
        _checkRootFalse(checkpoint, lastLeaf, branch);
        address signer = SignatureLib.recover(_checkpointDigest(checkpoint), sig);
        address operator = _accountable(signer, checkpoint.epoch);
        return _slash(operator, _slotEvidence(FALSE_ROOT, signer, checkpoint));
    }

    /// @notice Slashes the operator whose key, as a member of `epoch`, signed a handover
    /// (`HandoverLib`) to `next` although the hub never recorded `next` (its epoch is not yet
    /// reached, or another set was recorded for it). Mirrors would accept such a handover from a
    /// quorum; this makes signing one cost the stake. Pays the bounty to the caller.
    function slashFalseHandover(uint64 epoch, QuorumLib.OperatorSet calldata next, bytes calldata sig)
        external
        returns (uint256 slashed)
    {
        bytes32 nextHash = QuorumLib.hash(next);
        if (operatorSetHash[next.epoch] == nextHash) revert HandoverNotFalse(next.epoch, nextHash);
        address signer = SignatureLib.recover(HandoverLib.digest(domainSeparator, epoch, nextHash), sig);
        address operator = _accountable(signer, epoch);
        bytes32 evidence = keccak256(abi.encode(FALSE_HANDOVER, signer, epoch, nextHash));
        return _slash(operator, evidence);
    }

    // ================================================================== views

    function operatorOf(address account) external view returns (address signingKey, Status status) {
        Operator storage op = _operators[account];
        return (op.signingKey, op.status);
    }

    function signingKeyRecord(address signingKey) external view returns (KeyRecord memory) {
        return _keys[signingKey];
    }

    /// @notice Staking accounts that will be considered for the next set.
    function activeOperators() external view returns (address[] memory) {
        return _active;
    }

    // ================================================================== internals

    function _announce(string calldata url) internal {
        if (bytes(url).length > MAX_URL_LENGTH) revert UrlTooLong(bytes(url).length, MAX_URL_LENGTH);
        emit OperatorAnnounced(msg.sender, url);
    }

    function _bindKey(address signingKey, uint64 effective) internal {
        if (signingKey == address(0)) revert SigningKeyZero();
        address owner = _keys[signingKey].operator;
        if (owner != address(0)) revert SigningKeyTaken(signingKey, owner);
        _keys[signingKey] = KeyRecord({operator: msg.sender, fromEpoch: uint48(effective), untilEpoch: FOREVER});
    }

    /// @dev Ends a key's accountability at `effective` (the first epoch it can no longer be in).
    function _retireKey(address signingKey, uint64 effective) internal {
        KeyRecord storage k = _keys[signingKey];
        if (k.untilEpoch > effective) k.untilEpoch = uint48(effective);
    }

    function _removeActive(Operator storage op) internal {
        uint256 i = op.listIndex;
        uint256 last = _active.length - 1;
        if (i != last) {
            address moved = _active[last];
            _active[i] = moved;
            _operators[moved].listIndex = uint16(i);
        }
        _active.pop();
    }

    /// @dev The staking account accountable for what `signingKey` signed for `epoch`.
    function _accountable(address signingKey, uint64 epoch) internal view returns (address) {
        KeyRecord memory k = _keys[signingKey];
        if (k.operator == address(0)) revert UnknownSigningKey(signingKey);
        uint64 latest = latestEpoch;
        if (epoch == 0 || epoch > latest) revert EpochNotRecorded(epoch, latest);
        if (epoch < k.fromEpoch || epoch >= k.untilEpoch) {
            revert KeyNotActiveInEpoch(signingKey, epoch, k.fromEpoch, k.untilEpoch);
        }
        return k.operator;
    }

    function _slash(address operator, bytes32 evidence) internal returns (uint256 slashed) {
        if (evidenceUsed[evidence]) revert EvidenceAlreadyUsed(evidence);
        evidenceUsed[evidence] = true;
        _eject(operator);
        uint256 amount = stakeSource.slashableStakeOf(operator) * slashBps / BPS;
        uint256 bounty = amount * bountyBps / BPS;
        if (bounty != 0) slashed = stakeSource.slash(operator, bounty, msg.sender);
        if (amount > bounty) slashed += stakeSource.slash(operator, amount - bounty, treasury);
        emit OperatorSlashed(operator, evidence, msg.sender, slashed, bounty);
    }

    /// @dev Removes `operator` from the next set for good and lets the next set be built now.
    function _eject(address operator) internal {
        Operator storage op = _operators[operator];
        Status status = op.status;
        if (status == Status.Ejected) return;
        uint64 effective = latestEpoch + 1;
        if (status == Status.Active) {
            _removeActive(op);
            _retireKey(op.signingKey, effective);
        }
        op.status = Status.Ejected;
        ejectionPending = true;
        emit OperatorEjected(operator, effective);
    }

    /// @dev Reverts unless `checkpoint` is of a route of the hub Mailbox and either that route
    /// has fewer than `index + 1` leaves (premature) or `lastLeaf`/`branch` prove, against the
    /// route's current root, a root at `index + 1` leaves other than the signed one. A proof that
    /// does not match the current tree reverts in the Mailbox (`Mailbox.InvalidProof`).
    function _checkRootFalse(
        CheckpointLib.Checkpoint calldata checkpoint,
        bytes32 lastLeaf,
        bytes32[32] calldata branch
    ) internal view {
        if (checkpoint.origin != localDomain) {
            revert NotHubOrigin(checkpoint.origin, localDomain);
        }
        IOutboxHistory hub = mailbox;
        if (address(hub) == address(0)) revert HubMailboxUnset();
        uint256 outbox = uint256(checkpoint.outbox);
        // Mailbox.routeOutbox: the Mailbox address in bits 0..159, the destination in 160..191.
        if (outbox >> 192 != 0 || address(uint160(outbox)) != address(hub)) revert NotHubOutbox(checkpoint.outbox);
        uint32 destination = uint32(outbox >> 160);
        uint256 count = uint256(checkpoint.index) + 1;
        bytes32 trueRoot = hub.rootAt(destination, count, lastLeaf, branch);
        // Zero only when the route has not reached `count` (count >= 1; a real root is a hash):
        // premature, whatever was signed.
        if (trueRoot == bytes32(0)) return;
        if (trueRoot == checkpoint.root) revert RootNotFalse(destination, count, checkpoint.root);
    }

    /// @dev Evidence id of an offence of `signer` at the checkpoint slot (origin, outbox, index,
    /// epoch): the root is left out, so one slot is slashed once per kind of offence.
    function _slotEvidence(bytes32 kind, address signer, CheckpointLib.Checkpoint calldata c)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(kind, signer, c.origin, c.outbox, c.index, c.epoch));
    }

    function _checkpointDigest(CheckpointLib.Checkpoint calldata c) internal view returns (bytes32) {
        return CheckpointLib.digest(domainSeparator, CheckpointLib.structHashCalldata(c));
    }

    /// @dev The key that signed both `a` and `b` (same slot, checked by the caller); reverts when
    /// they are the same commitment or were signed by different keys.
    function _commitmentEquivocator(
        RollupTypes.StateCommitment calldata a,
        bytes calldata sigA,
        RollupTypes.StateCommitment calldata b,
        bytes calldata sigB
    ) internal view returns (address signer) {
        bytes32 digestA = _commitmentDigest(a);
        bytes32 digestB = _commitmentDigest(b);
        if (digestA == digestB) revert NotEquivocation(); // identical commitments
        signer = SignatureLib.recover(digestA, sigA);
        address signerB = SignatureLib.recover(digestB, sigB);
        if (signer != signerB) revert SignersDiffer(signer, signerB);
    }

    /// @dev Evidence id of a commitment equivocation: the slot (rollup, l2Block, epoch) without the
    /// contents, so swapped, re-signed or third versions are one offence.
    function _commitmentEvidence(address signer, RollupTypes.StateCommitment calldata c)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(COMMITMENT_EQUIVOCATION, signer, c.rollup, c.l2Block, c.epoch));
    }

    /// @dev The EIP-712 digest of a state commitment under this registry's domain (as
    /// `StateCommitmentChain.digestOf` computes it with this registry as its hub).
    function _commitmentDigest(RollupTypes.StateCommitment calldata c) internal view returns (bytes32) {
        return CheckpointLib.digest(domainSeparator, RollupTypes.structHash(c));
    }

    /// @dev Eligible operators (Active, at least `minStake` active stake) as set members, sorted.
    function _buildMembers() internal view returns (bytes32[] memory members, uint256 total) {
        uint256 n = _active.length;
        members = new bytes32[](n);
        uint256 m;
        for (uint256 i; i < n; ++i) {
            address account = _active[i];
            uint256 stake = stakeSource.stakeOf(account);
            if (stake < minStake) continue;
            uint96 weight = stake > type(uint96).max ? type(uint96).max : uint96(stake);
            members[m] = QuorumLib.packMember(_operators[account].signingKey, weight);
            total += weight;
            unchecked {
                ++m;
            }
        }
        assembly ("memory-safe") {
            mstore(members, m) // shrink to the eligible members
        }
        if (m < minSigners) revert NotEnoughOperators(m, minSigners);
        if (m > 1) _sort(members, 0, m - 1);
    }

    /// @dev In-place quicksort, ascending (signing keys are distinct, so words are too).
    function _sort(bytes32[] memory a, uint256 lo, uint256 hi) private pure {
        while (lo < hi) {
            uint256 pivot = uint256(a[lo + (hi - lo) / 2]);
            uint256 i = lo;
            uint256 j = hi;
            while (true) {
                while (uint256(a[i]) < pivot) ++i;
                while (uint256(a[j]) > pivot) --j;
                if (i >= j) break;
                (a[i], a[j]) = (a[j], a[i]);
                ++i;
                --j;
            }
            // Hoare partition: [lo, j] <= pivot <= [j + 1, hi]. Recurse into the smaller half.
            if (j - lo < hi - j) {
                _sort(a, lo, j);
                lo = j + 1;
            } else {
                _sort(a, j + 1, hi);
                hi = j;
            }
        }
    }
}
