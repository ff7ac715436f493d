// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MailboxFixture, NoopRecipient} from "../test/helpers/MailboxFixture.sol";
import {QuorumHarness} from "../test/helpers/QuorumFixture.sol";
import {Mailbox} from "../src/Mailbox.sol";
import {CheckpointLib} from "../src/libs/CheckpointLib.sol";
import {Message} from "../src/libs/Message.sol";
import {QuorumLib} from "../src/libs/QuorumLib.sol";

interface VmBroadcast {
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
}

/// @notice Gas benchmark on a real node: every step is its own transaction, so the receipts'
/// `gasUsed` are what a relayer pays (issue 3's table). Against a throwaway anvil:
///
///     anvil --port 8599 --hardfork osaka &
///     forge script script/GasBench.s.sol:GasBench --rpc-url http://127.0.0.1:8599 --broadcast --slow
///
/// then read `receipts[].gasUsed` in `broadcast/GasBench.s.sol/31337/run-latest.json` (in order:
/// 4 deployments, recordOperatorSet, enrollOrigin, 300 dispatches, 2 processWithCheckpoint — the
/// second is the steady-state number —, submitCheckpoint, processBatch of 1, 8, 32, 128).
/// The verifier is the test harness (a QuorumVerifier with an open `recordOperatorSet`): never
/// point this at a real network. The key is anvil's first default account.
contract GasBench is MailboxFixture {
    VmBroadcast internal constant VMB = VmBroadcast(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 internal constant ANVIL_KEY = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80;

    /// @dev forge runs `setUp` before `run`; the fixture's would deploy outside the broadcast.
    function setUp() public override {}

    function run() external {
        address me = vm.addr(ANVIL_KEY);
        VMB.startBroadcast(ANVIL_KEY);
        verifier = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        origin = new Mailbox(ORIGIN, verifier, me, me);
        dest = new Mailbox(DEST, verifier, me, me);
        NoopRecipient noop = new NoopRecipient();
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 1e18), 6000, 3, EPOCH, 5);
        verifier.recordOperatorSet(s);
        dest.enrollOrigin(ORIGIN, bytes32(uint256(uint160(address(origin)))));
        bytes32 to = Message.toBytes32(address(noop));
        for (uint256 i; i < 300; ++i) {
            bytes memory body = _body(i, 32);
            sentIds.push(origin.dispatch(DEST, to, body));
            sent.push(Message.pack(1, uint32(i), ORIGIN, Message.toBytes32(me), DEST, to, body));
        }
        operatorSet.epoch = s.epoch;
        operatorSet.timestamp = s.timestamp;
        operatorSet.thresholdBps = s.thresholdBps;
        operatorSet.minSigners = s.minSigners;
        operatorSet.totalWeight = s.totalWeight;
        operatorSet.members = s.members;
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        // A single message with its checkpoint; the first creates the bitmap word of nonces
        // 256..511, the second is the steady-state cost.
        dest.processWithCheckpoint(cp, _attest(cp, 0x07), sent[298], _proof(298, 1));
        dest.processWithCheckpoint(cp, _attest(cp, 0x07), sent[299], _proof(299, 1));
        dest.submitCheckpoint(cp, _attest(cp, 0x07));
        // Batches on the verified root (the first creates the bitmap word of nonces 0..255).
        dest.processBatch(ORIGIN, cp.root, _batch(1, 1), _proof(1, 1));
        dest.processBatch(ORIGIN, cp.root, _batch(2, 8), _proof(2, 8));
        dest.processBatch(ORIGIN, cp.root, _batch(10, 32), _proof(10, 32));
        dest.processBatch(ORIGIN, cp.root, _batch(42, 128), _proof(42, 128));
        VMB.stopBroadcast();
    }
}
