// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumFixture, QuorumHarness} from "./QuorumFixture.sol";
import {RefTree} from "./RefTree.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {Message} from "../../src/libs/Message.sol";
import {MessageBatch} from "../../src/libs/MessageBatch.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";

/// @dev Records what it receives; can be told to revert.
contract TestRecipient is IMessageRecipient {
    uint256 public received;
    uint32 public lastOrigin;
    bytes32 public lastSender;
    bytes32 public lastBodyHash;
    bool public reverts;

    error Refused();

    function setReverts(bool r) external {
        reverts = r;
    }

    function handle(uint32 origin, bytes32 sender, bytes calldata body) external {
        if (reverts) revert Refused();
        ++received;
        lastOrigin = origin;
        lastSender = sender;
        lastBodyHash = keccak256(body);
    }
}

/// @dev Does nothing: the recipient for gas measurements ("excluding the recipient's own work").
contract NoopRecipient is IMessageRecipient {
    function handle(uint32, bytes32, bytes calldata) external {}
}

/// @dev Two Mailboxes in one EVM: `origin` (domain 1) dispatches to `dest` (domain 2), whose
/// origin-1 verifier is a QuorumVerifier with 5 operators (3 must sign).
abstract contract MailboxFixture is QuorumFixture {
    uint32 internal constant ORIGIN = 1;
    uint32 internal constant DEST = 2;
    uint64 internal constant EPOCH = 3;

    address internal owner = address(0x0A11CE);
    address internal guardian = address(0x6A4D);
    Mailbox internal origin;
    Mailbox internal dest;
    QuorumHarness internal verifier;
    QuorumLib.OperatorSet internal operatorSet;
    TestRecipient internal recipient;

    bytes[] internal sent; // every message dispatched from `origin` to DEST, by nonce
    bytes32[] internal sentIds;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        verifier = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        origin = new Mailbox(ORIGIN, verifier, owner, guardian);
        dest = new Mailbox(DEST, verifier, owner, guardian);
        _setOperators(5, 6000, 3);
        vm.prank(owner);
        dest.enrollOrigin(ORIGIN, bytes32(uint256(uint160(address(origin)))));
        recipient = new TestRecipient();
    }

    /// @dev A new verifier and destination Mailbox (so a set for EPOCH can be recorded again).
    function _freshVerifier() internal {
        verifier = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        dest = new Mailbox(DEST, verifier, owner, guardian);
        vm.prank(owner);
        dest.enrollOrigin(ORIGIN, bytes32(uint256(uint160(address(origin)))));
    }

    function _setOperators(uint256 n, uint16 bps, uint16 minSigners) internal {
        QuorumLib.OperatorSet memory s = _makeSet(n, _equalWeights(n, 1e18), bps, minSigners, EPOCH, n);
        verifier.recordOperatorSet(s);
        operatorSet.epoch = s.epoch;
        operatorSet.timestamp = s.timestamp;
        operatorSet.thresholdBps = s.thresholdBps;
        operatorSet.minSigners = s.minSigners;
        operatorSet.totalWeight = s.totalWeight;
        operatorSet.members = s.members;
    }

    function _body(uint256 i, uint256 length) internal pure returns (bytes memory b) {
        b = new bytes(length);
        for (uint256 j; j < length; ++j) {
            b[j] = bytes1(uint8(uint256(keccak256(abi.encode(i, j / 32))) >> (8 * (j % 32))));
        }
    }

    /// @dev Dispatches `n` messages to DEST from `sender`, to `to`, with `bodyLength`-byte bodies.
    function _dispatch(uint256 n, address sender, address to, uint256 bodyLength) internal {
        for (uint256 i; i < n; ++i) {
            bytes memory body = _body(sent.length, bodyLength);
            vm.prank(sender);
            bytes32 id = origin.dispatch(DEST, Message.toBytes32(to), body);
            bytes memory m = Message.pack(
                1, uint32(sent.length), ORIGIN, Message.toBytes32(sender), DEST, Message.toBytes32(to), body
            );
            sent.push(m);
            sentIds.push(id);
        }
    }

    function _checkpoint() internal view returns (CheckpointLib.Checkpoint memory cp) {
        (bytes32 root, uint256 count) = origin.outboxState(DEST);
        cp = CheckpointLib.Checkpoint({
            origin: ORIGIN, outbox: origin.outboxOf(DEST), root: root, index: uint32(count - 1), epoch: EPOCH
        });
    }

    function _attest(CheckpointLib.Checkpoint memory cp, uint256 bitmap)
        internal
        view
        returns (Mailbox.Attestation memory a)
    {
        a.set = operatorSet;
        a.signerBitmap = bitmap;
        a.signatures = _sign(bitmap, _digest(verifier, cp));
    }

    function _submit() internal returns (CheckpointLib.Checkpoint memory cp) {
        cp = _checkpoint();
        dest.submitCheckpoint(cp, _attest(cp, _firstK(operatorSet.minSigners)));
    }

    function _tree() internal view returns (RefTree.Levels memory) {
        return RefTree.build(sentIds);
    }

    function _proof(uint256 start, uint256 n) internal view returns (bytes32[] memory) {
        return RefTree.rangeProof(_tree(), start, n);
    }

    function _batch(uint256 start, uint256 n) internal view returns (bytes memory) {
        bytes[] memory ms = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            ms[i] = sent[start + i];
        }
        return MessageBatch.pack(ms);
    }
}
