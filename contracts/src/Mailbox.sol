// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IMessageRecipient} from "./interfaces/IMessageRecipient.sol";
import {IQuorumVerifier} from "./interfaces/IQuorumVerifier.sol";
import {CheckpointLib} from "./libs/CheckpointLib.sol";
import {MerkleLib} from "./libs/MerkleLib.sol";
import {Message} from "./libs/Message.sol";
import {MessageBatch} from "./libs/MessageBatch.sol";
import {QuorumLib} from "./libs/QuorumLib.sol";
import {IOutboxHistory} from "./staking/IOutboxHistory.sol";

/// @title Mailbox
/// @notice Sends and delivers Causeway messages on one EVM domain.
///
/// Outbox: one incremental Merkle tree per route (this domain → destination), so the messages a
/// relayer delivers to one destination are consecutive leaves and a batch needs one small
/// multiproof (ADR 0003). A message's nonce is its leaf index in its route's tree.
///
/// Inbox: a checkpoint of an origin's route tree to this domain, verified once by the origin's
/// quorum verifier, makes its root usable; `process` / `processBatch` then cost a Merkle range
/// proof. Delivered messages are bits in a bitmap indexed by (origin, nonce), so a batch of
/// consecutive nonces writes one storage word per 256 messages.
///
/// Delivery only ever calls `IMessageRecipient.handle`; the Mailbox holds no privilege over the
/// registry, a vault or any other contract, and no value.
contract Mailbox is Ownable2Step, IOutboxHistory {
    using MerkleLib for MerkleLib.Tree;

    /// @notice Signatures over a checkpoint by the operator set of its epoch (ADR 0002).
    struct Attestation {
        QuorumLib.OperatorSet set;
        uint256 signerBitmap;
        bytes signatures;
    }

    /// @notice Longest a guardian pause lasts unless renewed.
    uint256 public constant MAX_PAUSE = 3 days;

    /// @notice This domain's id.
    uint32 public immutable localDomain;
    /// @notice Verifies every checkpoint this Mailbox accepts: this domain's OperatorSetMirror,
    /// the hub's RestakingRegistry, or on the hub a router that sends rollup origins to their
    /// final state commitments and the rest to the quorum (SettlementVerifier). Immutable, so the
    /// hot path reads no storage for it (ADR 0003).
    IQuorumVerifier public immutable quorumVerifier;

    /// @notice The guardian may pause (for at most `MAX_PAUSE` at a time); only the owner unpauses early.
    address public guardian;
    /// @notice Dispatch and delivery are refused before this time.
    uint64 public pausedUntil;

    mapping(uint32 destination => MerkleLib.Tree) internal _outboxes;
    /// @dev origin → the checkpoint `outbox` of its route to this domain (0 = not enrolled).
    mapping(uint32 origin => bytes32 outbox) internal _originOutbox;
    /// @dev verified root → its tree's leaf count (index + 1); 0 = not verified.
    mapping(uint32 origin => mapping(bytes32 root => uint256 count)) internal _verified;
    /// @dev bit (nonce % 256) of word (nonce / 256) = delivered.
    mapping(uint32 origin => mapping(uint256 word => uint256 bits)) internal _delivered;

    event Dispatch(uint32 indexed destination, bytes32 indexed id, bytes message);
    event CheckpointVerified(uint32 indexed origin, bytes32 indexed root, uint32 index, uint64 epoch);
    /// @notice Messages with nonces [start, start + count) from `origin` were delivered, proven
    /// against `root`. (One event per batch; ids follow from the origin's Dispatch events.)
    event Processed(uint32 indexed origin, bytes32 indexed root, uint256 start, uint256 count);
    event OriginEnrolled(uint32 indexed origin, bytes32 outbox);
    event GuardianSet(address guardian);
    event Paused(uint64 until);

    error MailboxPaused(uint64 until);
    error NotGuardian(address caller);
    error PauseTooLong(uint256 duration, uint256 max);
    error InvalidDestination(uint32 destination);
    error InvalidOutboxBase(bytes32 base);
    error UnknownOrigin(uint32 origin);
    /// @notice The checkpoint's outbox is not the enrolled route outbox of its origin.
    error WrongOutbox(bytes32 given, bytes32 expected);
    /// @notice The root was never verified for this origin (a zero root never is).
    error RootNotVerified(uint32 origin, bytes32 root);
    error UnsupportedVersion(uint256 messageIndex, uint8 version);
    error WrongOrigin(uint256 messageIndex, uint32 origin);
    error WrongDestination(uint256 messageIndex, uint32 destination);
    /// @notice Message `messageIndex` of a batch does not carry the nonce after the previous one.
    error NonConsecutive(uint256 messageIndex, uint32 nonce, uint256 expected);
    /// @notice The messages are not leaves of `root` at their nonces.
    error InvalidProof(bytes32 computed, bytes32 root);
    error AlreadyDelivered(uint32 origin, uint256 nonce);
    /// @notice The recipient has no code (so could not handle the message); it stays undelivered.
    error RecipientHasNoCode(address recipient);

    constructor(uint32 localDomain_, IQuorumVerifier quorumVerifier_, address owner_, address guardian_)
        Ownable(owner_)
    {
        localDomain = localDomain_;
        quorumVerifier = quorumVerifier_;
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    // ================================================================== outbox

    /// @notice Sends `body` to `recipient` on `destination`.
    /// @return id The message id (its leaf in the route's tree).
    function dispatch(uint32 destination, bytes32 recipient, bytes calldata body) external returns (bytes32 id) {
        _whenNotPaused();
        if (destination == localDomain) revert InvalidDestination(destination);
        MerkleLib.Tree storage tree = _outboxes[destination];
        bytes memory message = Message.pack(
            Message.VERSION,
            uint32(tree.count), // insert() below refuses a full tree, so this never wraps unnoticed
            localDomain,
            bytes32(uint256(uint160(msg.sender))),
            destination,
            recipient,
            body
        );
        id = keccak256(message);
        tree.insert(id);
        emit Dispatch(destination, id, message);
    }

    /// @notice The checkpoint `outbox` of the route from this Mailbox to `destination`.
    function outboxOf(uint32 destination) external view returns (bytes32) {
        return routeOutbox(bytes32(uint256(uint160(address(this)))), destination);
    }

    /// @notice Root and leaf count of the route tree to `destination` (what operators sign, as of
    /// the end of a finalized block).
    function outboxState(uint32 destination) external view returns (bytes32 root, uint256 count) {
        MerkleLib.Tree storage tree = _outboxes[destination];
        return (tree.root(), tree.count);
    }

    /// @notice The root of the route tree to `destination` when it held `count` leaves: what an
    /// honest checkpoint with `index = count - 1` signs. Zero when the tree has not reached
    /// `count` yet (a checkpoint for it is premature). For a reached count, the caller proves the
    /// history from today's tree: `lastLeaf` is leaf `count - 1` and `branch` its 32 siblings in
    /// the current tree; reverts if they do not match the current root. No per-block history is
    /// stored, so dispatch pays nothing for it (ADR 0003). Used by slashing on the hub.
    function rootAt(uint32 destination, uint256 count, bytes32 lastLeaf, bytes32[32] calldata branch)
        external
        view
        returns (bytes32)
    {
        MerkleLib.Tree storage tree = _outboxes[destination];
        if (count == 0 || count > tree.count) return bytes32(0);
        bytes32[32] memory b = branch;
        bytes32 current = tree.root();
        bytes32 computed = MerkleLib.branchRoot(lastLeaf, b, count - 1);
        if (computed != current) revert InvalidProof(computed, current);
        return MerkleLib.prefixRoot(lastLeaf, b, count - 1);
    }

    /// @notice A route's checkpoint outbox: the origin's outbox base (its Mailbox address, or a
    /// 20-byte virtual-outbox id) in the low 160 bits, the destination domain in bits 160..191.
    function routeOutbox(bytes32 base, uint32 destination) public pure returns (bytes32) {
        if (uint256(base) >> 160 != 0) revert InvalidOutboxBase(base);
        return bytes32(uint256(base) | (uint256(destination) << 160));
    }

    // ================================================================== inbox

    /// @notice Verifies a checkpoint of `checkpoint.origin`'s route tree to this domain once, so
    /// messages can be processed against its root.
    function submitCheckpoint(CheckpointLib.Checkpoint calldata checkpoint, Attestation calldata attestation) external {
        _whenNotPaused();
        _verifyCheckpoint(checkpoint, attestation);
        uint256 count;
        unchecked {
            count = uint256(checkpoint.index) + 1;
        }
        _verified[checkpoint.origin][checkpoint.root] = count;
        emit CheckpointVerified(checkpoint.origin, checkpoint.root, checkpoint.index, checkpoint.epoch);
    }

    /// @notice Delivers one message proven against a verified root. `proof` is the range proof
    /// of its leaf (ADR 0003).
    function process(uint32 origin, bytes32 root, bytes calldata message, bytes32[] calldata proof) external {
        _whenNotPaused();
        _processOne(origin, root, _verifiedCount(origin, root), message, proof);
    }

    /// @notice Verifies a checkpoint and delivers one message against it, in one transaction,
    /// without storing the root (for a lone message; store it with `submitCheckpoint` when more
    /// messages will follow).
    function processWithCheckpoint(
        CheckpointLib.Checkpoint calldata checkpoint,
        Attestation calldata attestation,
        bytes calldata message,
        bytes32[] calldata proof
    ) external {
        _whenNotPaused();
        _verifyCheckpoint(checkpoint, attestation);
        uint256 count;
        unchecked {
            count = uint256(checkpoint.index) + 1;
        }
        _processOne(checkpoint.origin, checkpoint.root, count, message, proof);
    }

    /// @notice Delivers consecutive messages of one origin's route to this domain, proven together
    /// against a verified root. `batch` is in `MessageBatch` form; `proof` is the range proof of
    /// their leaves (ADR 0003).
    function processBatch(uint32 origin, bytes32 root, bytes calldata batch, bytes32[] calldata proof) external {
        _whenNotPaused();
        uint256 count = _verifiedCount(origin, root);
        (bytes32[] memory leaves, uint256 start) = _batchLeaves(origin, batch);
        uint256 n = leaves.length;
        _checkRange(leaves, start, count, root, proof);
        _markDelivered(origin, start, n);
        // Every length prefix was checked above, so the walk below stays inside the batch.
        uint256 offset;
        while (offset < batch.length) {
            uint256 length = uint32(bytes4(batch[offset:offset + 4]));
            offset += 4;
            _deliver(origin, batch[offset:offset + length]);
            offset += length;
        }
        emit Processed(origin, root, start, n);
    }

    /// @notice Whether the message with `nonce` on `origin`'s route to this domain was delivered.
    function delivered(uint32 origin, uint256 nonce) external view returns (bool) {
        return (_delivered[origin][nonce >> 8] >> (nonce & 0xff)) & 1 == 1;
    }

    /// @notice The leaf count of a verified root (0 = not verified).
    function verifiedCount(uint32 origin, bytes32 root) external view returns (uint256) {
        return _verified[origin][root];
    }

    /// @notice The checkpoint outbox accepted for `origin` (0 = not enrolled).
    function originOutbox(uint32 origin) external view returns (bytes32) {
        return _originOutbox[origin];
    }

    // ================================================================== administration

    /// @notice Accepts checkpoints of `origin` for the route outbox derived from `outboxBase`
    /// (the origin's Mailbox address, or its virtual-outbox id). Re-enrolling replaces it; a zero
    /// base stops new checkpoints from `origin`. Roots already verified stay verified.
    function enrollOrigin(uint32 origin, bytes32 outboxBase) external onlyOwner {
        if (origin == localDomain) revert InvalidDestination(origin);
        bytes32 outbox = outboxBase == bytes32(0) ? bytes32(0) : routeOutbox(outboxBase, localDomain);
        _originOutbox[origin] = outbox;
        emit OriginEnrolled(origin, outbox);
    }

    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @notice Pauses dispatch and delivery for `duration` seconds from now (at most
    /// `MAX_PAUSE`); calling again renews it. It lapses by itself unless renewed.
    function pause(uint256 duration) external {
        if (msg.sender != guardian) revert NotGuardian(msg.sender);
        if (duration > MAX_PAUSE) revert PauseTooLong(duration, MAX_PAUSE);
        uint64 until = uint64(block.timestamp + duration);
        pausedUntil = until;
        emit Paused(until);
    }

    function unpause() external onlyOwner {
        pausedUntil = 0;
        emit Paused(0);
    }

    // ================================================================== internals

    function _whenNotPaused() internal view {
        uint64 until = pausedUntil;
        if (block.timestamp < until) revert MailboxPaused(until);
    }

    function _verifyCheckpoint(CheckpointLib.Checkpoint calldata checkpoint, Attestation calldata attestation)
        internal
        view
    {
        bytes32 expected = _originOutbox[checkpoint.origin];
        if (expected == bytes32(0)) revert UnknownOrigin(checkpoint.origin);
        if (checkpoint.outbox != expected) revert WrongOutbox(checkpoint.outbox, expected);
        // Reverts unless the root is attested (a fresh quorum of the epoch's set, or a final
        // commitment) and not zero.
        quorumVerifier.verifyCheckpoint(checkpoint, attestation.set, attestation.signerBitmap, attestation.signatures);
    }

    /// @dev Walks a batch once: checks every length prefix and header (what the proof cannot:
    /// version, origin, destination, consecutive nonces) and hashes each message into `leaves`.
    /// Assembly because this runs per message (legacy codegen spends ~500 gas per message on the
    /// same walk in Solidity); faults are decoded into the same custom errors as `process`.
    function _batchLeaves(uint32 originDomain, bytes calldata batch)
        internal
        view
        returns (bytes32[] memory leaves, uint256 start)
    {
        uint256 fault;
        uint256 where;
        uint256 value;
        uint256 local = localDomain;
        assembly ("memory-safe") {
            leaves := mload(0x40)
            let out := add(leaves, 0x20) // next leaf slot; the message is copied just past it
            let off := 0
            let n := 0
            for {} lt(off, batch.length) {} {
                if gt(add(off, 4), batch.length) {
                    fault := 1
                    where := off
                    break
                }
                let len := shr(224, calldataload(add(batch.offset, off)))
                let next := add(add(off, 4), len)
                if gt(next, batch.length) {
                    fault := 1
                    where := off
                    break
                }
                if lt(len, 77) {
                    fault := 2
                    value := len
                    break
                }
                if gt(sub(len, 77), 65536) {
                    fault := 3
                    value := sub(len, 77)
                    break
                }
                let m := add(batch.offset, add(off, 4))
                let w0 := calldataload(m) // version | nonce | origin | ...
                value := shr(248, w0)
                if iszero(eq(value, 1)) {
                    fault := 4
                    where := n
                    break
                }
                value := and(shr(184, w0), 0xffffffff)
                if iszero(eq(value, originDomain)) {
                    fault := 5
                    where := n
                    break
                }
                value := shr(224, calldataload(add(m, 41)))
                if iszero(eq(value, local)) {
                    fault := 6
                    where := n
                    break
                }
                value := and(shr(216, w0), 0xffffffff)
                if iszero(n) { start := value }
                if iszero(eq(value, add(start, n))) {
                    fault := 7
                    where := n
                    break
                }
                calldatacopy(add(out, 0x20), m, len)
                mstore(out, keccak256(add(out, 0x20), len))
                out := add(out, 0x20)
                off := next
                n := add(n, 1)
            }
            mstore(leaves, n)
            mstore(0x40, out)
            if and(iszero(fault), iszero(n)) { fault := 8 }
        }
        if (fault != 0) _revertBatch(fault, where, value, start);
    }

    function _revertBatch(uint256 fault, uint256 where, uint256 value, uint256 start) private pure {
        if (fault == 1) revert MessageBatch.BatchTruncated(where);
        if (fault == 2) revert Message.MessageTooShort(value);
        if (fault == 3) revert Message.MessageBodyTooLarge(value);
        if (fault == 4) revert UnsupportedVersion(where, uint8(value));
        if (fault == 5) revert WrongOrigin(where, uint32(value));
        if (fault == 6) revert WrongDestination(where, uint32(value));
        if (fault == 7) revert NonConsecutive(where, uint32(value), start + where);
        revert MessageBatch.EmptyBatch();
    }

    function _verifiedCount(uint32 origin, bytes32 root) internal view returns (uint256 count) {
        count = _verified[origin][root];
        if (count == 0 || root == bytes32(0)) revert RootNotVerified(origin, root);
    }

    function _processOne(uint32 origin, bytes32 root, uint256 count, bytes calldata message, bytes32[] calldata proof)
        internal
    {
        uint32 nonce = _checkHeader(0, origin, message);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = Message.idCalldata(message);
        _checkRange(leaves, nonce, count, root, proof);
        _markDelivered(origin, nonce, 1);
        _deliver(origin, message);
        emit Processed(origin, root, nonce, 1);
    }

    /// @dev Checks what the proof cannot: version, origin, destination. Returns the nonce.
    function _checkHeader(uint256 i, uint32 origin, bytes calldata message) internal view returns (uint32 nonce) {
        Message.checkLength(message.length);
        uint256 w0;
        uint256 w2;
        assembly ("memory-safe") {
            w0 := calldataload(message.offset) // version | nonce | origin | ...
            w2 := calldataload(add(message.offset, 41)) // destination | ...
        }
        uint8 version = uint8(w0 >> 248);
        if (version != Message.VERSION) revert UnsupportedVersion(i, version);
        uint32 messageOrigin = uint32(w0 >> 184);
        if (messageOrigin != origin) revert WrongOrigin(i, messageOrigin);
        uint32 destination = uint32(w2 >> 224);
        if (destination != localDomain) revert WrongDestination(i, destination);
        nonce = uint32(w0 >> 216);
    }

    function _checkRange(bytes32[] memory leaves, uint256 start, uint256 count, bytes32 root, bytes32[] calldata proof)
        internal
        pure
    {
        bytes32 computed = MerkleLib.rangeRoot(leaves, start, count, proof);
        if (computed != root) revert InvalidProof(computed, root);
    }

    /// @dev Sets the delivered bits of nonces [start, start + n), one storage word per 256.
    function _markDelivered(uint32 origin, uint256 start, uint256 n) internal {
        mapping(uint256 => uint256) storage words = _delivered[origin];
        uint256 end = start + n;
        uint256 nonce = start;
        while (nonce < end) {
            uint256 word = nonce >> 8;
            uint256 lo = nonce & 0xff;
            uint256 hi = end - (word << 8); // exclusive, relative to the word
            if (hi > 256) hi = 256;
            uint256 mask = hi - lo == 256 ? type(uint256).max : ((uint256(1) << (hi - lo)) - 1) << lo;
            uint256 bits = words[word];
            uint256 clash = bits & mask;
            if (clash != 0) revert AlreadyDelivered(origin, (word << 8) + _lowestBit(clash));
            words[word] = bits | mask;
            nonce = (word + 1) << 8;
        }
    }

    /// @dev Calls `handle(origin, sender, body)` on the message's recipient, the only call the
    /// message path makes. Encoded by hand in scratch memory (no allocation per message); a revert
    /// in the recipient is re-raised, undoing the whole delivery.
    function _deliver(uint32 originDomain, bytes calldata message) internal {
        bytes32 recipientWord;
        assembly ("memory-safe") {
            recipientWord := calldataload(add(message.offset, 45))
        }
        address recipient = Message.toAddress(recipientWord);
        if (recipient.code.length == 0) revert RecipientHasNoCode(recipient);
        bytes4 selector = IMessageRecipient.handle.selector;
        assembly ("memory-safe") {
            let p := mload(0x40)
            let bodyLength := sub(message.length, 77)
            mstore(p, selector)
            mstore(add(p, 0x04), originDomain)
            mstore(add(p, 0x24), calldataload(add(message.offset, 9))) // sender
            mstore(add(p, 0x44), 0x60) // offset of body
            mstore(add(p, 0x64), bodyLength)
            calldatacopy(add(p, 0x84), add(message.offset, 77), bodyLength)
            mstore(add(add(p, 0x84), bodyLength), 0) // zero padding
            let size := add(0x84, and(add(bodyLength, 31), not(31)))
            if iszero(call(gas(), recipient, 0, p, size, 0, 0)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
    }

    function _lowestBit(uint256 x) private pure returns (uint256 i) {
        while (x & 1 == 0) {
            x >>= 1;
            unchecked {
                ++i;
            }
        }
    }
}
