// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {TestRecipient} from "../helpers/MailboxFixture.sol";
import {RefTree} from "../helpers/RefTree.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {Message} from "../../src/libs/Message.sol";
import {RollupTypes} from "../../src/rollups/RollupTypes.sol";
import {IRollupStates, SettlementVerifier} from "../../src/rollups/SettlementVerifier.sol";

/// @dev A rollup's Mailbox (a real Mailbox with the rollup's domain id) dispatches to the hub
/// Mailbox, which takes the rollup's roots from final state commitments through SettlementVerifier.
contract SettlementVerifierTest is RollupFixture {
    address internal mailboxOwner = address(0x0A11CE);
    Mailbox internal hubMailbox;
    Mailbox internal rollupMailbox;
    SettlementVerifier internal settlement;
    TestRecipient internal recipient;
    uint32 internal rollup;
    bytes32[] internal ids;
    bytes[] internal messages;

    function setUp() public override {
        super.setUp();
        rollup = _bonded(RollupTypes.FinalityMode.Both);
        settlement = new SettlementVerifier(scc, IRollupStates(address(registry)), hub);
        hubMailbox = new Mailbox(HUB_DOMAIN, settlement, mailboxOwner, mailboxOwner);
        rollupMailbox = new Mailbox(rollup, hub, mailboxOwner, mailboxOwner);
        vm.prank(mailboxOwner);
        hubMailbox.enrollOrigin(rollup, Message.toBytes32(address(rollupMailbox)));
        recipient = new TestRecipient();
        for (uint256 i; i < 3; ++i) {
            bytes memory body = abi.encode("exit", i);
            ids.push(rollupMailbox.dispatch(HUB_DOMAIN, Message.toBytes32(address(recipient)), body));
            messages.push(
                Message.pack(
                    1,
                    uint32(i),
                    rollup,
                    Message.toBytes32(address(this)),
                    HUB_DOMAIN,
                    Message.toBytes32(address(recipient)),
                    body
                )
            );
        }
    }

    function _commit() internal returns (uint64 id, CheckpointLib.Checkpoint memory cp) {
        (bytes32 root, uint256 count) = rollupMailbox.outboxState(HUB_DOMAIN);
        id = _propose(rollup, 10, root, uint32(count - 1));
        cp = CheckpointLib.Checkpoint({
            origin: rollup, outbox: rollupMailbox.outboxOf(HUB_DOMAIN), root: root, index: uint32(count - 1), epoch: id
        });
    }

    function _none() internal pure returns (Mailbox.Attestation memory a) {}

    function test_finalCommitmentDeliversThroughMailbox() public {
        (uint64 id, CheckpointLib.Checkpoint memory cp) = _commit();
        vm.expectRevert(abi.encodeWithSelector(SettlementVerifier.CommitmentNotFinal.selector, id));
        hubMailbox.submitCheckpoint(cp, _none());
        _attest(id);
        hubMailbox.submitCheckpoint(cp, _none());
        assertEq(hubMailbox.verifiedCount(rollup, cp.root), 3);
        bytes32[] memory proof = RefTree.rangeProof(RefTree.build(ids), 1, 1);
        hubMailbox.process(rollup, cp.root, messages[1], proof);
        assertEq(recipient.received(), 1);
        assertEq(uint256(recipient.lastOrigin()), uint256(rollup));
    }

    function test_refusesAnythingButTheFinalCommitment() public {
        (uint64 id, CheckpointLib.Checkpoint memory cp) = _commit();
        _attest(id);
        CheckpointLib.Checkpoint memory bad = _copy(cp);
        bad.root = bytes32(0);
        vm.expectRevert(SettlementVerifier.ZeroRoot.selector);
        hubMailbox.submitCheckpoint(bad, _none());
        bad = _copy(cp);
        bad.root = keccak256("other");
        vm.expectRevert(abi.encodeWithSelector(SettlementVerifier.RootMismatch.selector, bad.root, cp.root));
        hubMailbox.submitCheckpoint(bad, _none());
        bad = _copy(cp);
        bad.index = cp.index + 1;
        vm.expectRevert(abi.encodeWithSelector(SettlementVerifier.IndexMismatch.selector, cp.index + 1, cp.index));
        hubMailbox.submitCheckpoint(bad, _none());
        bad = _copy(cp);
        bad.epoch = id + 1;
        vm.expectRevert(abi.encodeWithSelector(SettlementVerifier.CommitmentNotFinal.selector, id + 1));
        hubMailbox.submitCheckpoint(bad, _none());
        // Signatures or a set are never accepted on this path.
        Mailbox.Attestation memory a;
        a.signerBitmap = 1;
        vm.expectRevert(SettlementVerifier.UnexpectedAttestation.selector);
        hubMailbox.submitCheckpoint(cp, a);
        a.signerBitmap = 0;
        a.signatures = hex"01";
        vm.expectRevert(SettlementVerifier.UnexpectedAttestation.selector);
        hubMailbox.submitCheckpoint(cp, a);
        a.signatures = "";
        a.set.members = new bytes32[](1);
        vm.expectRevert(SettlementVerifier.UnexpectedAttestation.selector);
        hubMailbox.submitCheckpoint(cp, a);
    }

    function test_refusesAnotherRollupsCommitment() public {
        uint32 other = _bonded(RollupTypes.FinalityMode.Restaked);
        (bytes32 root, uint256 count) = rollupMailbox.outboxState(HUB_DOMAIN);
        uint64 id = _propose(other, 1, root, uint32(count - 1));
        _attest(id);
        CheckpointLib.Checkpoint memory cp = CheckpointLib.Checkpoint({
            origin: rollup, outbox: rollupMailbox.outboxOf(HUB_DOMAIN), root: root, index: uint32(count - 1), epoch: id
        });
        vm.expectRevert(abi.encodeWithSelector(SettlementVerifier.WrongRollup.selector, rollup, other));
        hubMailbox.submitCheckpoint(cp, _none());
    }

    function test_views_forwardToHub() public view {
        assertEq(settlement.operatorSetHash(EPOCH), hub.operatorSetHash(EPOCH));
        assertEq(uint256(settlement.latestEpoch()), uint256(EPOCH));
        assertEq(settlement.maxStaleness(), MAX_STALENESS);
        assertEq(settlement.domainSeparator(), hub.domainSeparator());
    }

    /// @dev A chain that is not a registry rollup keeps the quorum path through the same verifier.
    function test_otherOriginsUseTheHubQuorum() public {
        _checkQuorumPath(7);
    }

    /// @dev A configured chain whose id the registry owner reserved inside the rollup range.
    function test_reservedDomainInRangeUsesTheHubQuorum() public {
        vm.prank(admin);
        registry.reserveDomain(LAST_DOMAIN);
        _checkQuorumPath(LAST_DOMAIN);
    }

    function _checkQuorumPath(uint32 chain) internal {
        Mailbox chainMailbox = new Mailbox(chain, hub, mailboxOwner, mailboxOwner);
        vm.prank(mailboxOwner);
        hubMailbox.enrollOrigin(chain, Message.toBytes32(address(chainMailbox)));
        chainMailbox.dispatch(HUB_DOMAIN, Message.toBytes32(address(recipient)), "hi");
        (bytes32 root,) = chainMailbox.outboxState(HUB_DOMAIN);
        CheckpointLib.Checkpoint memory cp = CheckpointLib.Checkpoint({
            origin: chain, outbox: chainMailbox.outboxOf(HUB_DOMAIN), root: root, index: 0, epoch: EPOCH
        });
        Mailbox.Attestation memory a;
        a.set = operatorSet;
        a.signerBitmap = _firstK(3);
        a.signatures = _sign(_firstK(3), CheckpointLib.digest(hubSeparator, CheckpointLib.structHash(cp)));
        hubMailbox.submitCheckpoint(cp, a);
        assertEq(hubMailbox.verifiedCount(chain, root), 1);
        // Without signatures the quorum path refuses it (no settlement shortcut for a chain).
        vm.expectRevert();
        hubMailbox.submitCheckpoint(cp, _none());
    }

    /// @dev What routing costs an ordinary origin on the hub: the same checkpoint submitted to a
    /// Mailbox whose verifier is the hub itself and to one whose verifier is this router.
    function test_gas_forwardingOverhead() public {
        uint32 chain = 7;
        Mailbox chainMailbox = new Mailbox(chain, hub, mailboxOwner, mailboxOwner);
        Mailbox direct = new Mailbox(HUB_DOMAIN, hub, mailboxOwner, mailboxOwner);
        vm.startPrank(mailboxOwner);
        hubMailbox.enrollOrigin(chain, Message.toBytes32(address(chainMailbox)));
        direct.enrollOrigin(chain, Message.toBytes32(address(chainMailbox)));
        vm.stopPrank();
        chainMailbox.dispatch(HUB_DOMAIN, Message.toBytes32(address(recipient)), "hi");
        (bytes32 root,) = chainMailbox.outboxState(HUB_DOMAIN);
        CheckpointLib.Checkpoint memory cp = CheckpointLib.Checkpoint({
            origin: chain, outbox: chainMailbox.outboxOf(HUB_DOMAIN), root: root, index: 0, epoch: EPOCH
        });
        Mailbox.Attestation memory a;
        a.set = operatorSet;
        a.signerBitmap = _firstK(3);
        a.signatures = _sign(_firstK(3), CheckpointLib.digest(hubSeparator, CheckpointLib.structHash(cp)));
        // Routed first: it meets the hub verifier cold, and the direct call after it meets the
        // hub warm, so the direct figure is ~4.7k (cold account + cold set-hash slot) below cold.
        hubMailbox.submitCheckpoint(cp, a);
        uint256 routedGas = vm.lastCallGas().gasTotalUsed;
        direct.submitCheckpoint(cp, a);
        uint256 directGas = vm.lastCallGas().gasTotalUsed;
        log("submitCheckpoint 3-of-5, hub verifier directly", directGas);
        log("submitCheckpoint 3-of-5, through SettlementVerifier", routedGas);
        // And a settlement checkpoint (final commitment, no signatures).
        (uint64 id, CheckpointLib.Checkpoint memory scp) = _commit();
        _attest(id);
        hubMailbox.submitCheckpoint(scp, _none());
        log("submitCheckpoint, rollup origin (settlement)", vm.lastCallGas().gasTotalUsed);
    }

    function _copy(CheckpointLib.Checkpoint memory c) internal pure returns (CheckpointLib.Checkpoint memory) {
        return
            CheckpointLib.Checkpoint({origin: c.origin, outbox: c.outbox, root: c.root, index: c.index, epoch: c.epoch});
    }
}
