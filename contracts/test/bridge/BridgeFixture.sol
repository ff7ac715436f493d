// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {QuorumFixture, QuorumHarness} from "../helpers/QuorumFixture.sol";
import {RefTree} from "../helpers/RefTree.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {IMailboxDispatch, TokenBridge} from "../../src/bridge/TokenBridge.sol";
import {IStakeCap} from "../../src/bridge/IStakeCap.sol";
import {SyntheticToken} from "../../src/bridge/SyntheticToken.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {Message} from "../../src/libs/Message.sol";
import {MessageBatch} from "../../src/libs/MessageBatch.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";

/// @dev The collateral token on domain A; anyone may mint.
contract TestToken is ERC20 {
    constructor() ERC20("Test", "TST") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev Keeps 1 % of every transfer: refused by collateral routes.
contract FeeToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @dev The hub's stand-in: a settable cap.
contract MockStakeCap is IStakeCap {
    uint256 public valueCap;

    function set(uint256 cap) external {
        valueCap = cap;
    }
}

/// @dev Two real Mailboxes (A = 1, B = 2) sharing one quorum verifier with 5 test operators (3
/// sign); a collateral bridge on A, a synthetic bridge on B, enrolled with each other; and a
/// relayer: every transfer is logged, `_relay` checkpoints the origin's route tree, has the
/// operators sign it, submits it on the other Mailbox and delivers what is pending as one batch.
abstract contract BridgeFixture is QuorumFixture {
    uint32 internal constant A = 1;
    uint32 internal constant B = 2;
    uint64 internal constant EPOCH = 3;
    uint64 internal constant PERIOD = 1 hours;
    uint128 internal constant CAPACITY = 1_000_000e18;
    uint128 internal constant REFILL = 100e18;
    uint256 internal constant CAP = 10_000_000e18;

    address internal bridgeOwner = address(0xB0A7);
    QuorumHarness internal verifier;
    QuorumLib.OperatorSet internal operatorSet;
    Mailbox internal mailboxA;
    Mailbox internal mailboxB;
    TestToken internal token;
    TokenBridge internal bridgeA;
    TokenBridge internal bridgeB;
    SyntheticToken internal synthetic;
    MockStakeCap internal capA;
    MockStakeCap internal capB;

    struct RouteLog {
        bytes[] messages;
        bytes32[] ids;
        uint256 delivered;
    }

    /// @dev By origin domain.
    mapping(uint32 origin => RouteLog) internal logs;

    function _deploy() internal {
        vm.warp(1_700_000_000);
        verifier = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 1e18), 6000, 3, EPOCH, 5);
        verifier.recordOperatorSet(s);
        operatorSet.epoch = s.epoch;
        operatorSet.timestamp = s.timestamp;
        operatorSet.thresholdBps = s.thresholdBps;
        operatorSet.minSigners = s.minSigners;
        operatorSet.totalWeight = s.totalWeight;
        operatorSet.members = s.members;

        mailboxA = new Mailbox(A, verifier, address(this), address(this));
        mailboxB = new Mailbox(B, verifier, address(this), address(this));
        mailboxA.enrollOrigin(B, Message.toBytes32(address(mailboxB)));
        mailboxB.enrollOrigin(A, Message.toBytes32(address(mailboxA)));

        token = new TestToken();
        capA = new MockStakeCap();
        capB = new MockStakeCap();
        capA.set(CAP);
        capB.set(CAP);
        bridgeA = new TokenBridge(_init(mailboxA, address(token), capA));
        bridgeB = new TokenBridge(_init(mailboxB, address(0), capB));
        synthetic = SyntheticToken(address(bridgeB.token()));
        vm.startPrank(bridgeOwner);
        bridgeA.enrollRemoteRouter(B, Message.toBytes32(address(bridgeB)));
        bridgeB.enrollRemoteRouter(A, Message.toBytes32(address(bridgeA)));
        bridgeA.setRateLimit(B, CAPACITY, REFILL);
        bridgeB.setRateLimit(A, CAPACITY, REFILL);
        vm.stopPrank();
    }

    function _init(Mailbox mailbox, address collateral, IStakeCap cap) internal view returns (TokenBridge.Init memory) {
        return TokenBridge.Init({
            mailbox: IMailboxDispatch(address(mailbox)),
            collateral: ERC20(collateral),
            name: "Synthetic Test",
            symbol: "sTST",
            decimals: 18,
            stakeCap: cap,
            settlementPeriod: PERIOD,
            owner: bridgeOwner
        });
    }

    function _mailbox(uint32 domain) internal view returns (Mailbox) {
        return domain == A ? mailboxA : mailboxB;
    }

    function _bridge(uint32 domain) internal view returns (TokenBridge) {
        return domain == A ? bridgeA : bridgeB;
    }

    /// @dev `from` sends `amount` from `origin`'s bridge to `to` on the other domain; logs the message.
    function _send(uint32 origin, address from, address to, uint256 amount) internal returns (bytes32 id) {
        uint32 dest = origin == A ? B : A;
        TokenBridge bridge = _bridge(origin);
        (, uint256 nonce) = _mailbox(origin).outboxState(dest);
        if (origin == A) {
            vm.prank(from);
            token.approve(address(bridge), amount);
        }
        vm.prank(from);
        id = bridge.transferRemote(dest, Message.toBytes32(to), amount);
        _log(origin, nonce, to, amount, id);
    }

    function _log(uint32 origin, uint256 nonce, address to, uint256 amount, bytes32 id) internal {
        uint32 dest = origin == A ? B : A;
        bytes memory m = Message.pack(
            1,
            uint32(nonce),
            origin,
            Message.toBytes32(address(_bridge(origin))),
            dest,
            Message.toBytes32(address(_bridge(dest))),
            abi.encodePacked(Message.toBytes32(to), amount)
        );
        require(keccak256(m) == id, "message reconstruction");
        logs[origin].messages.push(m);
        logs[origin].ids.push(id);
    }

    /// @dev The checkpoint of `origin`'s route tree to the other domain, signed by 3 of 5.
    function _signedCheckpoint(uint32 origin)
        internal
        view
        returns (CheckpointLib.Checkpoint memory cp, Mailbox.Attestation memory a)
    {
        uint32 dest = origin == A ? B : A;
        Mailbox m = _mailbox(origin);
        (bytes32 root, uint256 count) = m.outboxState(dest);
        cp = CheckpointLib.Checkpoint({
            origin: origin, outbox: m.outboxOf(dest), root: root, index: uint32(count - 1), epoch: EPOCH
        });
        a.set = operatorSet;
        a.signerBitmap = _firstK(3);
        a.signatures = _sign(_firstK(3), _digest(verifier, cp));
    }

    /// @dev The pending messages of `origin` as (batch, proof, root).
    function _pending(uint32 origin) internal view returns (bytes memory batch, bytes32[] memory proof, uint256 n) {
        RouteLog storage log_ = logs[origin];
        uint256 start = log_.delivered;
        n = log_.messages.length - start;
        if (n == 0) return (batch, proof, 0);
        bytes[] memory ms = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            ms[i] = log_.messages[start + i];
        }
        batch = MessageBatch.pack(ms);
        proof = RefTree.rangeProof(RefTree.build(log_.ids), start, n);
    }

    /// @dev Delivers everything pending from `origin` (reverts if any delivery reverts).
    function _relay(uint32 origin) internal {
        (bytes memory batch, bytes32[] memory proof, uint256 n) = _pending(origin);
        if (n == 0) return;
        (CheckpointLib.Checkpoint memory cp, Mailbox.Attestation memory a) = _signedCheckpoint(origin);
        Mailbox dest = _mailbox(origin == A ? B : A);
        dest.submitCheckpoint(cp, a);
        dest.processBatch(origin, cp.root, batch, proof);
        logs[origin].delivered += n;
    }
}
