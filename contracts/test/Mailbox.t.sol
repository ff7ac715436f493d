// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MailboxFixture, TestRecipient} from "./helpers/MailboxFixture.sol";
import {RefTree} from "./helpers/RefTree.sol";
import {Mailbox} from "../src/Mailbox.sol";
import {QuorumVerifier} from "../src/QuorumVerifier.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {CheckpointLib} from "../src/libs/CheckpointLib.sol";
import {MerkleLib} from "../src/libs/MerkleLib.sol";
import {Message} from "../src/libs/Message.sol";
import {MessageBatch} from "../src/libs/MessageBatch.sol";
import {QuorumLib} from "../src/libs/QuorumLib.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract MailboxTest is MailboxFixture {
    address internal alice = address(0xA11CE);

    // ================================================================== dispatch

    function test_dispatchBuildsTheRouteTree() public {
        _dispatch(5, alice, address(recipient), 32);
        (bytes32 root, uint256 count) = origin.outboxState(DEST);
        assertEq(count, 5);
        assertEq(root, RefTree.root(_tree()));
        for (uint256 i; i < 5; ++i) {
            assertEq(sentIds[i], keccak256(sent[i]), "id = keccak(packed)");
        }
    }

    function test_dispatchEmitsThePackedMessage() public {
        bytes memory body = hex"c0ffee";
        bytes memory m = Message.pack(1, 0, ORIGIN, Message.toBytes32(alice), DEST, bytes32(uint256(7)), body);
        vm.expectEmit(address(origin));
        emit Mailbox.Dispatch(DEST, keccak256(m), m);
        vm.prank(alice);
        assertEq(origin.dispatch(DEST, bytes32(uint256(7)), body), keccak256(m));
    }

    /// @dev Each route has its own tree and nonces (ADR 0003).
    function test_routesAreIndependent() public {
        vm.startPrank(alice);
        origin.dispatch(3, bytes32(0), "");
        origin.dispatch(3, bytes32(0), "");
        bytes32 id = origin.dispatch(DEST, bytes32(0), "");
        vm.stopPrank();
        (, uint256 c3) = origin.outboxState(3);
        (bytes32 root2, uint256 c2) = origin.outboxState(DEST);
        assertEq(c3, 2);
        assertEq(c2, 1);
        assertEq(id, keccak256(Message.pack(1, 0, ORIGIN, Message.toBytes32(alice), DEST, bytes32(0), "")));
        bytes32[] memory one = new bytes32[](1);
        one[0] = id;
        assertEq(root2, RefTree.root(RefTree.build(one)));
        assertNotEq(origin.outboxOf(3), origin.outboxOf(DEST));
    }

    /// @dev Every past root of a route can be recovered from today's tree, and a checkpoint for
    /// a count not reached yet sees zero (premature).
    function test_rootAtRecoversEveryPastRoot() public {
        _dispatch(20, alice, address(recipient), 4);
        RefTree.Levels memory t = _tree();
        for (uint256 c = 1; c <= 20; ++c) {
            bytes32[] memory prefix = new bytes32[](c);
            for (uint256 i; i < c; ++i) {
                prefix[i] = sentIds[i];
            }
            assertEq(
                origin.rootAt(DEST, c, sentIds[c - 1], RefTree.branch(t, c - 1)), RefTree.root(RefTree.build(prefix))
            );
        }
        assertEq(origin.rootAt(DEST, 21, bytes32(0), RefTree.branch(t, 0)), bytes32(0));
        assertEq(origin.rootAt(DEST, 0, bytes32(0), RefTree.branch(t, 0)), bytes32(0));
    }

    function test_rootAtRefusesAFalseBranch() public {
        _dispatch(6, alice, address(recipient), 4);
        RefTree.Levels memory t = _tree();
        bytes32[32] memory b = RefTree.branch(t, 3);
        (bytes32 current,) = origin.outboxState(DEST);
        bytes32 fake = keccak256("not leaf 3");
        vm.expectRevert(
            abi.encodeWithSelector(Mailbox.InvalidProof.selector, MerkleLib.branchRoot(fake, b, 3), current)
        );
        origin.rootAt(DEST, 4, fake, b);
    }

    function test_routeOutboxLayout() public view {
        assertEq(origin.outboxOf(DEST), bytes32(uint256(uint160(address(origin))) | (uint256(DEST) << 160)));
    }

    function test_routeOutboxRefusesWideBase() public {
        bytes32 base = bytes32(uint256(1) << 160);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidOutboxBase.selector, base));
        origin.routeOutbox(base, DEST);
    }

    function test_dispatchRefusesLocalDestination() public {
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidDestination.selector, ORIGIN));
        origin.dispatch(ORIGIN, bytes32(0), "");
    }

    function test_dispatchRefusesOversizeBody() public {
        bytes memory body = new bytes(Message.MAX_BODY_LENGTH + 1);
        vm.expectRevert(abi.encodeWithSelector(Message.MessageBodyTooLarge.selector, Message.MAX_BODY_LENGTH + 1));
        origin.dispatch(DEST, bytes32(0), body);
    }

    // ================================================================== checkpoints

    function test_submitCheckpoint() public {
        _dispatch(3, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        vm.expectEmit(address(dest));
        emit Mailbox.CheckpointVerified(ORIGIN, cp.root, 2, EPOCH);
        dest.submitCheckpoint(cp, _attest(cp, 0x07));
        assertEq(dest.verifiedCount(ORIGIN, cp.root), 3);
    }

    function test_submitCheckpointRefusesUnknownOrigin() public {
        _dispatch(1, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        cp.origin = 9;
        Mailbox.Attestation memory a = _attest(cp, 0x07);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.UnknownOrigin.selector, 9));
        dest.submitCheckpoint(cp, a);
    }

    /// @dev A checkpoint of the origin's route to another domain is refused here.
    function test_submitCheckpointRefusesAnotherRoute() public {
        vm.prank(alice);
        origin.dispatch(3, bytes32(0), "");
        (bytes32 root, uint256 count) = origin.outboxState(3);
        CheckpointLib.Checkpoint memory cp = CheckpointLib.Checkpoint({
            origin: ORIGIN, outbox: origin.outboxOf(3), root: root, index: uint32(count - 1), epoch: EPOCH
        });
        Mailbox.Attestation memory a = _attest(cp, 0x07);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongOutbox.selector, origin.outboxOf(3), origin.outboxOf(DEST)));
        dest.submitCheckpoint(cp, a);
    }

    /// @dev Nomad: a zero root is refused at verification and never usable for delivery.
    function test_zeroRootNeverAccepted() public {
        CheckpointLib.Checkpoint memory cp = CheckpointLib.Checkpoint({
            origin: ORIGIN, outbox: origin.outboxOf(DEST), root: bytes32(0), index: 0, epoch: EPOCH
        });
        Mailbox.Attestation memory a = _attest(cp, 0x07);
        vm.expectRevert(QuorumVerifier.ZeroRoot.selector);
        dest.submitCheckpoint(cp, a);
        bytes memory m = Message.pack(1, 0, ORIGIN, bytes32(0), DEST, Message.toBytes32(address(recipient)), "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.RootNotVerified.selector, ORIGIN, bytes32(0)));
        dest.process(ORIGIN, bytes32(0), m, new bytes32[](0));
    }

    function test_submitCheckpointBubblesQuorumErrors() public {
        _dispatch(1, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        Mailbox.Attestation memory a = _attest(cp, 0x03); // 2 of 5
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, 2, 3));
        dest.submitCheckpoint(cp, a);
        a = _attest(cp, 0x07);
        vm.warp(block.timestamp + MAX_STALENESS + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumVerifier.StaleOperatorSet.selector, operatorSet.timestamp, MAX_STALENESS, block.timestamp
            )
        );
        dest.submitCheckpoint(cp, a);
    }

    // ================================================================== process

    function test_processDeliversThroughHandle() public {
        _dispatch(4, alice, address(recipient), 40);
        CheckpointLib.Checkpoint memory cp = _submit();
        vm.expectEmit(address(dest));
        emit Mailbox.Processed(ORIGIN, cp.root, 2, 1);
        dest.process(ORIGIN, cp.root, sent[2], _proof(2, 1));
        assertEq(recipient.received(), 1);
        assertEq(recipient.lastOrigin(), ORIGIN);
        assertEq(recipient.lastSender(), Message.toBytes32(alice));
        assertEq(recipient.lastBodyHash(), keccak256(_body(2, 40)));
        assertTrue(dest.delivered(ORIGIN, 2));
        assertFalse(dest.delivered(ORIGIN, 1));
    }

    function test_processRefusesReplay() public {
        _dispatch(2, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        dest.process(ORIGIN, cp.root, sent[1], _proof(1, 1));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, ORIGIN, 1));
        dest.process(ORIGIN, cp.root, sent[1], _proof(1, 1));
        // Against a later root, too.
        _dispatch(3, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory later = _submit();
        bytes32[] memory proof = _proof(1, 1);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, ORIGIN, 1));
        dest.process(ORIGIN, later.root, sent[1], proof);
        assertEq(recipient.received(), 1);
    }

    function test_processRefusesUnverifiedRoot() public {
        _dispatch(2, alice, address(recipient), 8);
        (bytes32 root,) = origin.outboxState(DEST); // signed by nobody
        bytes32[] memory proof = _proof(0, 1);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.RootNotVerified.selector, ORIGIN, root));
        dest.process(ORIGIN, root, sent[0], proof);
    }

    function test_processRefusesInvalidProof() public {
        _dispatch(3, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes32[] memory proof = _proof(0, 1);
        proof[0] ^= bytes32(uint256(1));
        vm.expectRevert(); // InvalidProof(computed, root)
        dest.process(ORIGIN, cp.root, sent[0], proof);
        // A valid proof of another message does not prove this one.
        bytes32[] memory other = _proof(1, 1);
        vm.expectRevert();
        dest.process(ORIGIN, cp.root, sent[0], other);
    }

    function test_processRefusesTamperedMessage() public {
        _dispatch(2, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes memory m = sent[0];
        m[m.length - 1] ^= 0x01;
        bytes32[] memory proof = _proof(0, 1);
        // The proof is folded with the tampered leaf: the root of the tree with that leaf swapped in.
        bytes32 computed = RefTree.root(RefTree.build(_withLeaf(0, keccak256(m))));
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidProof.selector, computed, cp.root));
        dest.process(ORIGIN, cp.root, m, proof);
    }

    function _withLeaf(uint256 i, bytes32 leaf) internal view returns (bytes32[] memory ids) {
        ids = sentIds;
        ids[i] = leaf;
    }

    function test_processChecksHeaderBeforeProof() public {
        _dispatch(1, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes32 r = Message.toBytes32(address(recipient));
        bytes memory wrongDest = Message.pack(1, 0, ORIGIN, bytes32(0), 3, r, "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongDestination.selector, 0, 3));
        dest.process(ORIGIN, cp.root, wrongDest, new bytes32[](0));
        bytes memory wrongOrigin = Message.pack(1, 0, 7, bytes32(0), DEST, r, "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongOrigin.selector, 0, 7));
        dest.process(ORIGIN, cp.root, wrongOrigin, new bytes32[](0));
        bytes memory v2 = Message.pack(2, 0, ORIGIN, bytes32(0), DEST, r, "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.UnsupportedVersion.selector, 0, 2));
        dest.process(ORIGIN, cp.root, v2, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(Message.MessageTooShort.selector, 76));
        dest.process(ORIGIN, cp.root, new bytes(76), new bytes32[](0));
    }

    /// @dev The leaf must sit at its nonce: a message claiming nonce 5 in a tree of 3 is out of it.
    function test_processRefusesNonceOutsideTree() public {
        _dispatch(3, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes memory m = Message.pack(1, 5, ORIGIN, bytes32(0), DEST, Message.toBytes32(address(recipient)), "");
        vm.expectRevert(abi.encodeWithSelector(MerkleLib.RangeOutOfTree.selector, 5, 1, 3));
        dest.process(ORIGIN, cp.root, m, new bytes32[](0));
    }

    /// @dev Poly Network: the message path only ever calls `handle`. A message addressed to the
    /// verifier (which holds the operator set) reverts and changes nothing there.
    function test_messageCannotReachTheVerifier() public {
        _dispatch(1, alice, address(verifier), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes32 setHashBefore = verifier.operatorSetHash(EPOCH);
        bytes32[] memory proof = _proof(0, 1);
        vm.expectRevert();
        dest.process(ORIGIN, cp.root, sent[0], proof);
        assertEq(verifier.operatorSetHash(EPOCH), setHashBefore);
        assertFalse(dest.delivered(ORIGIN, 0));
    }

    function test_recipientRevertUndoesDelivery() public {
        _dispatch(1, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        recipient.setReverts(true);
        bytes32[] memory proof = _proof(0, 1);
        vm.expectRevert(TestRecipient.Refused.selector);
        dest.process(ORIGIN, cp.root, sent[0], proof);
        assertFalse(dest.delivered(ORIGIN, 0));
        recipient.setReverts(false);
        dest.process(ORIGIN, cp.root, sent[0], proof);
        assertTrue(dest.delivered(ORIGIN, 0));
    }

    function test_recipientMustBeAnEvmAddress() public {
        vm.prank(alice);
        bytes32 wide = bytes32(type(uint256).max);
        origin.dispatch(DEST, wide, "");
        bytes memory m = Message.pack(1, 0, ORIGIN, Message.toBytes32(alice), DEST, wide, "");
        sent.push(m);
        sentIds.push(keccak256(m));
        CheckpointLib.Checkpoint memory cp = _submit();
        vm.expectRevert(abi.encodeWithSelector(Message.NotAnEvmAddress.selector, wide));
        dest.process(ORIGIN, cp.root, m, new bytes32[](0));
    }

    function test_processWithCheckpointDoesNotStoreTheRoot() public {
        _dispatch(3, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        dest.processWithCheckpoint(cp, _attest(cp, 0x07), sent[1], _proof(1, 1));
        assertTrue(dest.delivered(ORIGIN, 1));
        assertEq(dest.verifiedCount(ORIGIN, cp.root), 0);
        Mailbox.Attestation memory weak = _attest(cp, 0x03);
        bytes32[] memory proof = _proof(0, 1);
        vm.expectRevert(abi.encodeWithSelector(QuorumLib.TooFewSigners.selector, 2, 3));
        dest.processWithCheckpoint(cp, weak, sent[0], proof);
    }

    // ================================================================== batches

    function test_processBatchOf32() public {
        _dispatch(40, alice, address(recipient), 32);
        CheckpointLib.Checkpoint memory cp = _submit();
        vm.expectEmit(address(dest));
        emit Mailbox.Processed(ORIGIN, cp.root, 5, 32);
        dest.processBatch(ORIGIN, cp.root, _batch(5, 32), _proof(5, 32));
        assertEq(recipient.received(), 32);
        for (uint256 i; i < 40; ++i) {
            assertEq(dest.delivered(ORIGIN, i), i >= 5 && i < 37);
        }
    }

    /// @dev A batch spanning three bitmap words (nonces 250..530).
    function test_processBatchAcrossBitmapWords() public {
        _dispatch(540, alice, address(recipient), 0);
        CheckpointLib.Checkpoint memory cp = _submit();
        dest.processBatch(ORIGIN, cp.root, _batch(250, 281), _proof(250, 281));
        assertFalse(dest.delivered(ORIGIN, 249));
        assertTrue(dest.delivered(ORIGIN, 250));
        assertTrue(dest.delivered(ORIGIN, 255));
        assertTrue(dest.delivered(ORIGIN, 256));
        assertTrue(dest.delivered(ORIGIN, 512));
        assertTrue(dest.delivered(ORIGIN, 530));
        assertFalse(dest.delivered(ORIGIN, 531));
        // Overlapping the delivered range at its far end is refused, naming the first clash.
        bytes memory b = _batch(520, 20);
        bytes32[] memory p = _proof(520, 20);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, ORIGIN, 520));
        dest.processBatch(ORIGIN, cp.root, b, p);
        b = _batch(240, 11);
        p = _proof(240, 11);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, ORIGIN, 250));
        dest.processBatch(ORIGIN, cp.root, b, p);
    }

    function test_processBatchRefusesGapsAndDuplicates() public {
        _dispatch(6, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes[] memory ms = new bytes[](3);
        ms[0] = sent[1];
        ms[1] = sent[3];
        ms[2] = sent[4];
        bytes memory gap = MessageBatch.pack(ms);
        bytes32[] memory proof = _proof(1, 3);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NonConsecutive.selector, 1, 3, 2));
        dest.processBatch(ORIGIN, cp.root, gap, proof);
        ms[1] = sent[1];
        bytes memory dup = MessageBatch.pack(ms);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NonConsecutive.selector, 1, 1, 2));
        dest.processBatch(ORIGIN, cp.root, dup, proof);
    }

    function test_processBatchRefusesMalformedBatch() public {
        _dispatch(2, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        vm.expectRevert(MessageBatch.EmptyBatch.selector);
        dest.processBatch(ORIGIN, cp.root, "", new bytes32[](0));
        bytes memory b = _batch(0, 2);
        bytes memory cut = new bytes(b.length - 1);
        for (uint256 i; i < cut.length; ++i) {
            cut[i] = b[i];
        }
        uint256 second = 4 + sent[0].length;
        vm.expectRevert(abi.encodeWithSelector(MessageBatch.BatchTruncated.selector, second));
        dest.processBatch(ORIGIN, cp.root, cut, _proof(0, 2));
        vm.expectRevert(abi.encodeWithSelector(MessageBatch.BatchTruncated.selector, b.length));
        dest.processBatch(ORIGIN, cp.root, bytes.concat(b, hex"00"), _proof(0, 2));
    }

    /// @dev Every header in a batch is checked, and the error names the message's position.
    function test_processBatchChecksEveryHeader() public {
        _dispatch(3, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes32 r = Message.toBytes32(address(recipient));
        bytes[] memory ms = new bytes[](3);
        ms[0] = sent[0];
        ms[2] = sent[2];
        bytes32[] memory proof = _proof(0, 3);

        ms[1] = Message.pack(1, 1, ORIGIN, bytes32(0), 3, r, "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongDestination.selector, 1, 3));
        dest.processBatch(ORIGIN, cp.root, MessageBatch.pack(ms), proof);

        ms[1] = Message.pack(1, 1, 7, bytes32(0), DEST, r, "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.WrongOrigin.selector, 1, 7));
        dest.processBatch(ORIGIN, cp.root, MessageBatch.pack(ms), proof);

        ms[1] = Message.pack(0, 1, ORIGIN, bytes32(0), DEST, r, "");
        vm.expectRevert(abi.encodeWithSelector(Mailbox.UnsupportedVersion.selector, 1, 0));
        dest.processBatch(ORIGIN, cp.root, MessageBatch.pack(ms), proof);

        ms[1] = new bytes(76);
        vm.expectRevert(abi.encodeWithSelector(Message.MessageTooShort.selector, 76));
        dest.processBatch(ORIGIN, cp.root, MessageBatch.pack(ms), proof);

        ms[1] = new bytes(77 + Message.MAX_BODY_LENGTH + 1);
        vm.expectRevert(abi.encodeWithSelector(Message.MessageBodyTooLarge.selector, Message.MAX_BODY_LENGTH + 1));
        dest.processBatch(ORIGIN, cp.root, MessageBatch.pack(ms), proof);

        // The first message sets the start: a batch may begin anywhere, but not skip.
        ms[0] = sent[1];
        ms[1] = sent[0];
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NonConsecutive.selector, 1, 0, 2));
        dest.processBatch(ORIGIN, cp.root, MessageBatch.pack(ms), proof);
    }

    function test_recipientWithoutCodeIsRefused() public {
        address eoa = address(0xE0A);
        _dispatch(1, alice, eoa, 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes32[] memory proof = _proof(0, 1);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.RecipientHasNoCode.selector, eoa));
        dest.process(ORIGIN, cp.root, sent[0], proof);
        assertFalse(dest.delivered(ORIGIN, 0));
    }

    function test_processBatchRefusesOneBadMessage() public {
        _dispatch(4, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes[] memory ms = new bytes[](4);
        for (uint256 i; i < 4; ++i) {
            ms[i] = sent[i];
        }
        ms[2][ms[2].length - 1] ^= 0x80;
        bytes memory b = MessageBatch.pack(ms);
        bytes32[] memory p = _proof(0, 4);
        vm.expectRevert();
        dest.processBatch(ORIGIN, cp.root, b, p);
        assertEq(recipient.received(), 0);
    }

    /// @dev Issue 3: flip each byte of a batch's calldata; every flip is refused. Bodies are sized
    /// so the batch has no ABI padding (padding bytes are not part of the message data).
    function test_everyFlippedCalldataByteIsRefused() public {
        _dispatch(12, alice, address(recipient), 31); // 4 + 77 + 31 = 112 bytes per message
        CheckpointLib.Checkpoint memory cp = _submit();
        bytes memory data = abi.encodeCall(Mailbox.processBatch, (ORIGIN, cp.root, _batch(2, 8), _proof(2, 8)));
        assertEq(data.length % 32, 4, "no padding");
        for (uint256 i; i < data.length; ++i) {
            data[i] ^= 0xff;
            (bool ok,) = address(dest).call(data);
            assertFalse(ok, string.concat("flipped byte ", vm.toString(i), " accepted"));
            data[i] ^= 0xff;
        }
        (bool success,) = address(dest).call(data);
        assertTrue(success, "unflipped batch");
        assertEq(recipient.received(), 8);
    }

    // ================================================================== fuzz

    function testFuzz_batchDelivery(uint256 countSeed, uint256 startSeed, uint256 nSeed) public {
        uint256 count = bound(countSeed, 1, 70);
        uint256 start = bound(startSeed, 0, count - 1);
        uint256 n = bound(nSeed, 1, count - start);
        _dispatch(count, alice, address(recipient), 4);
        CheckpointLib.Checkpoint memory cp = _submit();
        dest.processBatch(ORIGIN, cp.root, _batch(start, n), _proof(start, n));
        assertEq(recipient.received(), n);
        for (uint256 i; i < count; ++i) {
            assertEq(dest.delivered(ORIGIN, i), i >= start && i < start + n);
        }
        bytes memory again = _batch(start, n);
        bytes32[] memory p = _proof(start, n);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, ORIGIN, start));
        dest.processBatch(ORIGIN, cp.root, again, p);
    }

    // ================================================================== administration

    function test_enrollOnlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        dest.enrollOrigin(5, bytes32(0));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidDestination.selector, DEST));
        dest.enrollOrigin(DEST, bytes32(0));
        bytes32 expected = bytes32(uint256(0xAB) | (uint256(DEST) << 160));
        vm.prank(owner);
        vm.expectEmit(address(dest));
        emit Mailbox.OriginEnrolled(5, expected);
        dest.enrollOrigin(5, bytes32(uint256(0xAB)));
        assertEq(dest.originOutbox(5), expected);
        assertEq(address(dest.quorumVerifier()), address(verifier));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.InvalidOutboxBase.selector, bytes32(uint256(1) << 160)));
        dest.enrollOrigin(5, bytes32(uint256(1) << 160));
    }

    /// @dev A zero base un-enrolls: new checkpoints are refused, verified roots stay usable.
    function test_unenrollStopsNewCheckpoints() public {
        _dispatch(2, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _submit();
        vm.prank(owner);
        dest.enrollOrigin(ORIGIN, bytes32(0));
        assertEq(dest.originOutbox(ORIGIN), bytes32(0));
        Mailbox.Attestation memory a = _attest(cp, 0x07);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.UnknownOrigin.selector, ORIGIN));
        dest.submitCheckpoint(cp, a);
        dest.process(ORIGIN, cp.root, sent[0], _proof(0, 1));
        assertTrue(dest.delivered(ORIGIN, 0));
    }

    function test_pauseExpiresUnlessRenewed() public {
        vm.expectRevert(abi.encodeWithSelector(Mailbox.NotGuardian.selector, address(this)));
        origin.pause(1 days);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.PauseTooLong.selector, 3 days + 1, 3 days));
        origin.pause(3 days + 1);
        vm.prank(guardian);
        origin.pause(1 days);
        uint64 until = uint64(block.timestamp + 1 days);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.MailboxPaused.selector, until));
        origin.dispatch(DEST, bytes32(0), "");
        vm.warp(until);
        origin.dispatch(DEST, bytes32(0), ""); // lapsed
        vm.prank(guardian);
        origin.pause(1 days);
        vm.prank(owner);
        origin.unpause();
        origin.dispatch(DEST, bytes32(0), "");
    }

    function test_pauseStopsDelivery() public {
        _dispatch(1, alice, address(recipient), 8);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        Mailbox.Attestation memory a = _attest(cp, 0x07);
        vm.prank(guardian);
        dest.pause(1 hours);
        bytes memory err = abi.encodeWithSelector(Mailbox.MailboxPaused.selector, uint64(block.timestamp + 1 hours));
        vm.expectRevert(err);
        dest.submitCheckpoint(cp, a);
        vm.expectRevert(err);
        dest.process(ORIGIN, cp.root, sent[0], new bytes32[](0));
        vm.expectRevert(err);
        dest.processBatch(ORIGIN, cp.root, _batch(0, 1), new bytes32[](0));
        vm.expectRevert(err);
        dest.processWithCheckpoint(cp, a, sent[0], new bytes32[](0));
    }

    function test_setGuardianOnlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        dest.setGuardian(address(1));
        vm.prank(owner);
        dest.setGuardian(address(1));
        assertEq(dest.guardian(), address(1));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        dest.unpause();
    }
}
