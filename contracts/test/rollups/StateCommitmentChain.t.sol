// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EthRefuser, RollupFixture} from "./RollupFixture.sol";
import {TestRecipient} from "../helpers/MailboxFixture.sol";
import {RefTree} from "../helpers/RefTree.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {Message} from "../../src/libs/Message.sol";
import {RollupRegistry} from "../../src/rollups/RollupRegistry.sol";
import {RollupTypes} from "../../src/rollups/RollupTypes.sol";
import {StateCommitmentChain} from "../../src/rollups/StateCommitmentChain.sol";

contract StateCommitmentChainTest is RollupFixture {
    bytes32 internal constant OUTBOX = bytes32(uint256(0x0B0B));

    // ------------------------------------------------------------------ bond

    function test_constructor_rejectsZeroBond() public {
        vm.expectRevert(StateCommitmentChain.ZeroBond.selector);
        new StateCommitmentChain(registry, hub, HUB_DOMAIN, 0);
    }

    function test_depositBond_reverts() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnknownRollup.selector, 5));
        scc.depositBond{value: 1}(5);
        uint32 rollup = _create(RollupTypes.FinalityMode.Restaked);
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotProposer.selector, rollup, stranger));
        scc.depositBond{value: 1}(rollup);
    }

    function test_withdrawBond_onlyAfterCloseAndWindow() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Both);
        uint64 id = _propose(rollup, 10, OUTBOX, 0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotProposer.selector, rollup, stranger));
        scc.withdrawBond(rollup);
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.BondLocked.selector, rollup, block.timestamp + WINDOW)
        );
        scc.withdrawBond(rollup);
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        uint64 last = _propose(rollup, 11, OUTBOX, 0);
        _attest(last);
        registry.completeClose(rollup, last);
        // Closed, but commitment `id` could still be challenged for a window after the last proposal.
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.BondLocked.selector, rollup, block.timestamp + WINDOW)
        );
        scc.withdrawBond(rollup);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.RollupClosed.selector, rollup));
        vm.prank(proposer);
        scc.depositBond{value: 1}(rollup);
        vm.warp(block.timestamp + WINDOW);
        uint256 before = proposer.balance;
        vm.prank(proposer);
        scc.withdrawBond(rollup);
        assertEq(proposer.balance, before + BOND);
        assertEq(scc.bond(rollup), 0);
        id;
    }

    // ------------------------------------------------------------------ propose

    function test_propose_reverts() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnknownRollup.selector, 5));
        scc.propose(5, 1, bytes32(uint256(1)), 0, OUTBOX, 0);
        uint32 rollup = _create(RollupTypes.FinalityMode.Restaked);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotProposer.selector, rollup, stranger));
        scc.propose(rollup, 1, bytes32(uint256(1)), 0, OUTBOX, 0);
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.BondTooLow.selector, rollup, 0, BOND));
        scc.propose(rollup, 1, bytes32(uint256(1)), 0, OUTBOX, 0);
        vm.startPrank(proposer);
        scc.depositBond{value: BOND}(rollup);
        vm.expectRevert(StateCommitmentChain.ZeroRoot.selector);
        scc.propose(rollup, 1, bytes32(0), 0, OUTBOX, 0);
        vm.expectRevert(StateCommitmentChain.ZeroRoot.selector);
        scc.propose(rollup, 1, bytes32(uint256(1)), 0, bytes32(0), 0);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.L2BlockNotIncreasing.selector, 0, 0));
        scc.propose(rollup, 0, bytes32(uint256(1)), 0, OUTBOX, 0);
        uint64 id = scc.propose(rollup, 5, bytes32(uint256(1)), 0, OUTBOX, 0);
        assertEq(uint256(id), 1);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.L2BlockNotIncreasing.selector, 5, 5));
        scc.propose(rollup, 5, bytes32(uint256(2)), 0, OUTBOX, 0);
        vm.stopPrank();
        RollupTypes.Commitment memory c = scc.commitment(id);
        assertEq(uint256(c.status), uint256(RollupTypes.CommitmentStatus.Pending));
        assertEq(uint256(c.l2Block), 5);
        assertEq(c.outboxRoot, OUTBOX);
    }

    // ------------------------------------------------------------------ attest

    function test_createProposeAttestCloseRefund() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        uint64 first = _propose(rollup, 100, OUTBOX, 3);
        _attest(first);
        assertEq(uint256(scc.commitment(first).status), uint256(RollupTypes.CommitmentStatus.Final));
        assertEq(uint256(scc.latestFinal(rollup)), uint256(first));
        // Close after 10 days of 30: 20 days of rent come back.
        vm.warp(block.timestamp + 10 days);
        hub.recordOperatorSet(_refreshedSet(EPOCH + 1));
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        // A final commitment from before the close does not close it.
        vm.expectRevert(
            abi.encodeWithSelector(
                RollupRegistry.CommitmentBeforeClose.selector,
                rollup,
                first,
                uint64(block.timestamp - 10 days),
                uint64(block.timestamp)
            )
        );
        registry.completeClose(rollup, first);
        uint64 last = _propose(rollup, 200, bytes32(uint256(0xF1)), 9);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.CommitmentNotFinal.selector, rollup, last));
        registry.completeClose(rollup, last);
        scc.attest(
            last, operatorSet, _firstK(4), _sigs(RollupTypes.toSigned(scc.commitment(last), EPOCH + 1), _firstK(4))
        );
        registry.completeClose(rollup, last);
        assertEq(uint256(registry.state(rollup)), uint256(RollupTypes.State.Closed));
        assertEq(uint256(registry.rollupInfo(rollup).finalCommitment), uint256(last));
        uint256 refund = uint256(RATE) * 20 days;
        assertEq(registry.credit(rollupOwner), refund);
        assertEq(registry.credit(treasury), uint256(RATE) * 10 days);
        uint256 before = rollupOwner.balance;
        vm.prank(rollupOwner);
        registry.withdraw();
        assertEq(rollupOwner.balance, before + refund);
        vm.prank(treasury);
        registry.withdraw();
        assertEq(address(registry).balance, 0);
        // Closed: frozen.
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.WrongState.selector, rollup, RollupTypes.State.Closed));
        registry.completeClose(rollup, last);
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.RollupClosed.selector, rollup));
        scc.propose(rollup, 300, bytes32(uint256(1)), 0, OUTBOX, 0);
    }

    /// @dev The current set re-recorded for `epoch` with a fresh timestamp (same keys).
    function _refreshedSet(uint64 epoch) internal returns (QuorumLib.OperatorSet memory s) {
        operatorSet.epoch = epoch;
        operatorSet.timestamp = uint64(block.timestamp);
        s = operatorSet;
    }

    function test_attest_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnknownCommitment.selector, 1));
        scc.attest(1, operatorSet, 0, "");
        uint32 optimistic = _bonded(RollupTypes.FinalityMode.Optimistic);
        uint64 o = _propose(optimistic, 1, OUTBOX, 0);
        bytes memory sigs = _sigs(_signed(o), _firstK(4));
        vm.expectRevert(
            abi.encodeWithSelector(
                StateCommitmentChain.FinalityModeDisallows.selector,
                optimistic,
                uint8(RollupTypes.FinalityMode.Optimistic)
            )
        );
        scc.attest(o, operatorSet, _firstK(4), sigs);

        uint32 rollup = _bonded(RollupTypes.FinalityMode.Both);
        uint64 id = _propose(rollup, 1, OUTBOX, 0);
        RollupTypes.StateCommitment memory sc = _signed(id);
        // 3 of 5 meets the hub set (60 %) but not the rollup (2/3).
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.RollupQuorumNotMet.selector, 3, 3e18, 5e18));
        scc.attest(id, operatorSet, _firstK(3), _sigs(sc, _firstK(3)));
        // Signatures over another epoch's struct do not recover to the members.
        RollupTypes.StateCommitment memory other = _signed(id);
        other.epoch = EPOCH + 1;
        vm.expectRevert();
        scc.attest(id, operatorSet, _firstK(4), _sigs(other, _firstK(4)));
        // A set that is not the stored one.
        QuorumLib.OperatorSet memory forged = operatorSet;
        forged.thresholdBps = 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                StateCommitmentChain.UnknownOperatorSet.selector, EPOCH, QuorumLib.hashMemory(forged)
            )
        );
        scc.attest(id, forged, _firstK(4), _sigs(sc, _firstK(4)));
        // A set for an epoch never recorded (and the struct's epoch follows the set's).
        forged = operatorSet;
        forged.epoch = EPOCH + 7;
        vm.expectRevert(
            abi.encodeWithSelector(
                StateCommitmentChain.UnknownOperatorSet.selector, EPOCH + 7, QuorumLib.hashMemory(forged)
            )
        );
        scc.attest(id, forged, _firstK(4), _sigs(sc, _firstK(4)));
        // Stale set.
        vm.warp(block.timestamp + MAX_STALENESS + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                StateCommitmentChain.StaleOperatorSet.selector, operatorSet.timestamp, MAX_STALENESS, block.timestamp
            )
        );
        scc.attest(id, operatorSet, _firstK(4), _sigs(sc, _firstK(4)));
        vm.warp(block.timestamp - MAX_STALENESS - 1);
        // Duplicate signer (same signature twice under two bits is refused by the library).
        bytes memory one = _sigs(sc, 1);
        vm.expectRevert();
        scc.attest(id, operatorSet, 3, bytes.concat(one, one));
        _attest(id);
        bytes memory good = _sigs(sc, _firstK(4));
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.NotPending.selector, id, RollupTypes.CommitmentStatus.Final)
        );
        scc.attest(id, operatorSet, _firstK(4), good);
    }

    function test_attest_refusedAfterClose() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Both);
        uint64 pending = _propose(rollup, 1, OUTBOX, 0);
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        uint64 last = _propose(rollup, 2, OUTBOX, 0);
        _attest(last);
        registry.completeClose(rollup, last);
        bytes memory sigs = _sigs(_signed(pending), _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.RollupClosed.selector, rollup));
        scc.attest(pending, operatorSet, _firstK(4), sigs);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.RollupClosed.selector, rollup));
        scc.finalize(pending);
    }

    // ------------------------------------------------------------------ finalize

    function test_optimisticFinalizeAfterWindow() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Optimistic);
        uint64 id = _propose(rollup, 7, OUTBOX, 0);
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.ChallengeWindowOpen.selector, id, block.timestamp + WINDOW)
        );
        scc.finalize(id);
        vm.warp(block.timestamp + WINDOW - 1);
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.ChallengeWindowOpen.selector, id, block.timestamp + 1)
        );
        scc.finalize(id);
        vm.warp(block.timestamp + 1);
        scc.finalize(id);
        assertEq(uint256(scc.commitment(id).status), uint256(RollupTypes.CommitmentStatus.Final));
        assertEq(uint256(scc.latestFinal(rollup)), uint256(id));
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.NotPending.selector, id, RollupTypes.CommitmentStatus.Final)
        );
        scc.finalize(id);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnknownCommitment.selector, 99));
        scc.finalize(99);
    }

    function test_finalize_refusedForRestakedOnly() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        uint64 id = _propose(rollup, 7, OUTBOX, 0);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                StateCommitmentChain.FinalityModeDisallows.selector, rollup, uint8(RollupTypes.FinalityMode.Restaked)
            )
        );
        scc.finalize(id);
    }

    function test_bothModes_olderFinalDoesNotMoveLatest() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Both);
        uint64 a = _propose(rollup, 1, OUTBOX, 0);
        uint64 b = _propose(rollup, 2, OUTBOX, 1);
        _attest(b);
        vm.warp(block.timestamp + WINDOW);
        scc.finalize(a);
        assertEq(uint256(scc.latestFinal(rollup)), uint256(b));
    }

    // ------------------------------------------------------------------ challenge

    function _conflict(uint64 id) internal view returns (RollupTypes.StateCommitment memory sc) {
        sc = _signed(id);
        sc.stateRoot = keccak256("the real state");
    }

    function test_challengeSlashesBond() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Optimistic);
        uint64 id = _propose(rollup, 7, OUTBOX, 0);
        RollupTypes.StateCommitment memory sc = _conflict(id);
        uint256 before = challenger.balance;
        bytes memory sigs = _sigs(sc, _firstK(4));
        vm.prank(challenger);
        scc.challenge(id, sc, operatorSet, _firstK(4), sigs);
        assertEq(challenger.balance, before + BOND / 2, "bounty");
        assertEq(scc.burned(), BOND / 2, "rest burned");
        assertEq(scc.bond(rollup), 0);
        assertEq(address(scc).balance, BOND / 2, "burned ETH stays locked");
        assertEq(uint256(scc.commitment(id).status), uint256(RollupTypes.CommitmentStatus.Removed));
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.NotPending.selector, id, RollupTypes.CommitmentStatus.Removed)
        );
        scc.finalize(id);
        // The proposer must re-bond before proposing again.
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.BondTooLow.selector, rollup, 0, BOND));
        scc.propose(rollup, 8, bytes32(uint256(1)), 0, OUTBOX, 0);
    }

    function test_challenge_reverts() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Both);
        uint64 id = _propose(rollup, 7, OUTBOX, 0);
        RollupTypes.StateCommitment memory same = _signed(id);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotConflicting.selector, id));
        scc.challenge(id, same, operatorSet, _firstK(4), _sigs(same, _firstK(4)));
        RollupTypes.StateCommitment memory otherBlock = _conflict(id);
        otherBlock.l2Block = 8;
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotConflicting.selector, id));
        scc.challenge(id, otherBlock, operatorSet, _firstK(4), _sigs(otherBlock, _firstK(4)));
        RollupTypes.StateCommitment memory otherRollup = _conflict(id);
        otherRollup.rollup = rollup + 1;
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotConflicting.selector, id));
        scc.challenge(id, otherRollup, operatorSet, _firstK(4), _sigs(otherRollup, _firstK(4)));
        // A minority cannot challenge.
        RollupTypes.StateCommitment memory sc = _conflict(id);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.RollupQuorumNotMet.selector, 3, 3e18, 5e18));
        scc.challenge(id, sc, operatorSet, _firstK(3), _sigs(sc, _firstK(3)));
        // Signatures of the proposer's own commitment do not prove the conflicting one.
        vm.expectRevert();
        scc.challenge(id, sc, operatorSet, _firstK(4), _sigs(same, _firstK(4)));
        // Each content field counts as a conflict.
        sc = _signed(id);
        sc.outboxIndex = 1;
        uint256 snapshotBond = scc.bond(rollup);
        _attest(id);
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.NotPending.selector, id, RollupTypes.CommitmentStatus.Final)
        );
        scc.challenge(id, sc, operatorSet, _firstK(4), _sigs(sc, _firstK(4)));
        assertEq(scc.bond(rollup), snapshotBond, "final commitments are not challengeable here");
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnknownCommitment.selector, 42));
        scc.challenge(42, sc, operatorSet, _firstK(4), _sigs(sc, _firstK(4)));
    }

    function testFuzz_challengeAnyContentField(uint8 field, bytes32 value) public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Optimistic);
        uint64 id = _propose(rollup, 7, OUTBOX, 3);
        RollupTypes.StateCommitment memory sc = _signed(id);
        field = uint8(bound(field, 0, 3));
        if (field == 0) sc.stateRoot = value;
        else if (field == 1) sc.blockHash = value;
        else if (field == 2) sc.outboxRoot = value;
        else sc.outboxIndex = uint32(uint256(value));
        bytes memory sigs = _sigs(sc, _firstK(4));
        if (keccak256(abi.encode(sc)) == keccak256(abi.encode(_signed(id)))) {
            vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotConflicting.selector, id));
        }
        scc.challenge(id, sc, operatorSet, _firstK(4), sigs);
    }

    // ------------------------------------------------------------------ withdrawals

    TestRecipient internal recipient;
    bytes[] internal outbox;
    bytes32[] internal outboxIds;

    /// @dev `n` messages from `rollup` to the hub, to `recipient`.
    function _buildOutbox(uint32 rollup, uint256 n) internal returns (bytes32 root) {
        recipient = new TestRecipient();
        for (uint256 i; i < n; ++i) {
            bytes memory m = Message.pack(
                1,
                uint32(i),
                rollup,
                Message.toBytes32(address(uint160(0x1000 + i))),
                HUB_DOMAIN,
                Message.toBytes32(address(recipient)),
                abi.encode("withdraw", i)
            );
            outbox.push(m);
            outboxIds.push(keccak256(m));
        }
        root = RefTree.root(RefTree.build(outboxIds));
    }

    function _branch(uint256 i) internal view returns (bytes32[32] memory) {
        return RefTree.branch(RefTree.build(outboxIds), i);
    }

    function test_proveWithdrawal_onceAndReplayRefused() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        bytes32 root = _buildOutbox(rollup, 5);
        uint64 id = _propose(rollup, 10, root, 4);
        bytes32[32] memory b = _branch(2);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NotFinal.selector, id));
        scc.proveWithdrawal(rollup, id, outbox[2], 2, b);
        _attest(id);
        scc.proveWithdrawal(rollup, id, outbox[2], 2, b);
        assertEq(recipient.received(), 1);
        assertEq(uint256(recipient.lastOrigin()), uint256(rollup));
        assertEq(recipient.lastSender(), Message.toBytes32(address(0x1002)));
        assertEq(recipient.lastBodyHash(), keccak256(abi.encode("withdraw", uint256(2))));
        assertTrue(scc.withdrawn(outboxIds[2]));
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.WithdrawalAlreadyExecuted.selector, outboxIds[2]));
        scc.proveWithdrawal(rollup, id, outbox[2], 2, b);
        // A later final commitment containing the same message does not allow it again.
        bytes32 root2 = RefTree.root(RefTree.build(outboxIds));
        uint64 id2 = _propose(rollup, 11, root2, 4);
        _attest(id2);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.WithdrawalAlreadyExecuted.selector, outboxIds[2]));
        scc.proveWithdrawal(rollup, id2, outbox[2], 2, b);
    }

    function test_proveWithdrawal_reverts() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        bytes32 root = _buildOutbox(rollup, 4);
        uint64 id = _propose(rollup, 10, root, 3);
        _attest(id);
        bytes32[32] memory b = _branch(1);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnknownCommitment.selector, 77));
        scc.proveWithdrawal(rollup, 77, outbox[1], 1, b);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.WrongRollup.selector, rollup, rollup + 1));
        scc.proveWithdrawal(rollup + 1, id, outbox[1], 1, b);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.IndexBeyondOutbox.selector, 4, 3));
        scc.proveWithdrawal(rollup, id, outbox[1], 4, b);
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.NonceMismatch.selector, 1, 2));
        scc.proveWithdrawal(rollup, id, outbox[1], 2, b);
        vm.expectRevert(abi.encodeWithSelector(Message.MessageTooShort.selector, 10));
        scc.proveWithdrawal(rollup, id, new bytes(10), 1, b);
        bytes memory m = outbox[1];
        bytes memory bad = bytes.concat(m);
        bad[0] = 0x02;
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.UnsupportedVersion.selector, 2));
        scc.proveWithdrawal(rollup, id, bad, 1, b);
        bad = Message.pack(1, 1, rollup + 1, bytes32(0), HUB_DOMAIN, Message.toBytes32(address(recipient)), "");
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.WrongWithdrawalOrigin.selector, rollup + 1, rollup));
        scc.proveWithdrawal(rollup, id, bad, 1, b);
        bad = Message.pack(1, 1, rollup, bytes32(0), HUB_DOMAIN + 1, Message.toBytes32(address(recipient)), "");
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.WrongWithdrawalDestination.selector, HUB_DOMAIN + 1, HUB_DOMAIN)
        );
        scc.proveWithdrawal(rollup, id, bad, 1, b);
        // A message not in the tree (body changed) and a tampered branch.
        bad = bytes.concat(m, hex"00");
        vm.expectRevert();
        scc.proveWithdrawal(rollup, id, bad, 1, b);
        b[5] = bytes32(uint256(b[5]) ^ 1);
        vm.expectRevert();
        scc.proveWithdrawal(rollup, id, m, 1, b);
        assertEq(recipient.received(), 0);
    }

    function test_proveWithdrawal_afterCloseBringsAssetsHome() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Optimistic);
        bytes32 root = _buildOutbox(rollup, 3);
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        uint64 id = _propose(rollup, 50, root, 2);
        vm.warp(block.timestamp + WINDOW);
        scc.finalize(id);
        registry.completeClose(rollup, id);
        for (uint256 i; i < 3; ++i) {
            scc.proveWithdrawal(rollup, id, outbox[i], i, _branch(i));
        }
        assertEq(recipient.received(), 3);
    }

    function testFuzz_proveWithdrawal_tamperedBranchRefused(uint256 which, uint8 level, bytes32 flip) public {
        vm.assume(flip != bytes32(0));
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        bytes32 root = _buildOutbox(rollup, 6);
        uint64 id = _propose(rollup, 10, root, 5);
        _attest(id);
        which = bound(which, 0, 5);
        bytes32[32] memory b = _branch(which);
        b[level % 32] ^= flip;
        vm.expectRevert();
        scc.proveWithdrawal(rollup, id, outbox[which], which, b);
    }

    function test_challenge_epochMismatchAndRefusingChallenger() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Optimistic);
        uint64 id = _propose(rollup, 7, OUTBOX, 0);
        RollupTypes.StateCommitment memory sc = _conflict(id);
        sc.epoch = EPOCH + 1;
        bytes memory sigs = _sigs(sc, _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(StateCommitmentChain.EpochMismatch.selector, EPOCH + 1, EPOCH));
        scc.challenge(id, sc, operatorSet, _firstK(4), sigs);
        sc.epoch = EPOCH;
        sigs = _sigs(sc, _firstK(4));
        EthRefuser refuser = new EthRefuser();
        vm.prank(address(refuser));
        vm.expectRevert(
            abi.encodeWithSelector(StateCommitmentChain.TransferFailed.selector, address(refuser), BOND / 2)
        );
        scc.challenge(id, sc, operatorSet, _firstK(4), sigs);
    }

    /// @dev Poly Network: a withdrawal message addressed to the registry or the commitment chain
    /// reaches nothing (they have no `handle`), and changes nothing.
    function test_proveWithdrawal_cannotReachRegistryOrChain() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        address[2] memory targets = [address(registry), address(scc)];
        for (uint256 i; i < 2; ++i) {
            bytes memory m = Message.pack(
                1,
                uint32(i),
                rollup,
                Message.toBytes32(proposer),
                HUB_DOMAIN,
                Message.toBytes32(targets[i]),
                abi.encodeWithSelector(RollupRegistry.setTreasury.selector, proposer)
            );
            outbox.push(m);
            outboxIds.push(keccak256(m));
        }
        uint64 id = _propose(rollup, 1, RefTree.root(RefTree.build(outboxIds)), 1);
        _attest(id);
        for (uint256 i; i < 2; ++i) {
            bytes32[32] memory b = _branch(i);
            vm.expectRevert();
            scc.proveWithdrawal(rollup, id, outbox[i], i, b);
        }
        assertEq(registry.treasury(), treasury);
        assertEq(scc.bond(rollup), BOND);
    }

    // ------------------------------------------------------------------ close edge cases

    function test_completeClose_graceForAbsentProposer() public {
        uint32 rollup = _bonded(RollupTypes.FinalityMode.Restaked);
        uint64 early = _propose(rollup, 1, OUTBOX, 0);
        _attest(early);
        uint64 later = _propose(rollup, 2, OUTBOX, 0);
        _attest(later);
        vm.warp(block.timestamp + 1);
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        uint64 closingAt = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.CommitmentNotFinal.selector, rollup, 0));
        registry.completeClose(rollup, 0);
        vm.warp(block.timestamp + 7 days);
        // After the grace period only the latest final commitment closes it.
        vm.expectRevert(
            abi.encodeWithSelector(
                RollupRegistry.CommitmentBeforeClose.selector, rollup, early, closingAt - 1, closingAt
            )
        );
        registry.completeClose(rollup, early);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.CommitmentNotFinal.selector, rollup, 0));
        registry.completeClose(rollup, 0);
        registry.completeClose(rollup, later);
        assertEq(uint256(registry.state(rollup)), uint256(RollupTypes.State.Closed));
    }

    function test_completeClose_abandonedWithoutCommitment() public {
        uint32 rollup = _create(RollupTypes.FinalityMode.Restaked);
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        vm.warp(block.timestamp + 7 days);
        registry.completeClose(rollup, 0);
        assertEq(uint256(registry.state(rollup)), uint256(RollupTypes.State.Closed));
    }

    function test_completeClose_rejectsOtherRollupsCommitment() public {
        uint32 a = _bonded(RollupTypes.FinalityMode.Restaked);
        uint32 b = _create(RollupTypes.FinalityMode.Restaked);
        vm.prank(rollupOwner);
        registry.closeRollup(b);
        uint64 id = _propose(a, 1, OUTBOX, 0);
        _attest(id);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.CommitmentNotFinal.selector, b, id));
        registry.completeClose(b, id);
    }
}
