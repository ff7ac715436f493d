// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {MailboxFixture} from "../helpers/MailboxFixture.sol";
import {RefTree} from "../helpers/RefTree.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {IMessageRecipient} from "../../src/interfaces/IMessageRecipient.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";

/// @dev Counts deliveries per message (the body is the nonce).
contract CountingRecipient is IMessageRecipient {
    mapping(uint256 nonce => uint256) public deliveries;
    uint256 public maxDeliveries;
    uint256 public total;

    function handle(uint32, bytes32, bytes calldata body) external {
        uint256 nonce = abi.decode(body, (uint256));
        uint256 d = ++deliveries[nonce];
        if (d > maxDeliveries) maxDeliveries = d;
        ++total;
    }
}

/// @dev What the fuzzer may do: dispatch, checkpoint, deliver (batches, singles, replays, zero
/// roots). Every call to the Mailbox goes through here so the ghost state stays exact.
contract MailboxHandler is MailboxFixture {
    CountingRecipient public counter;
    bytes32[] public roots; // verified roots, oldest first

    constructor() {
        super.setUp();
        counter = new CountingRecipient();
    }

    /// @dev Deployed once in the constructor; the fuzzer may call this, and it must not redeploy.
    function setUp() public override {}

    function dispatchSome(uint256 nSeed) external {
        if (sent.length >= 200) return; // keeps the reference tree (built per delivery) cheap
        uint256 n = bound(nSeed, 1, 8);
        for (uint256 i; i < n; ++i) {
            uint256 nonce = sent.length;
            bytes memory body = abi.encode(nonce);
            bytes32 id = origin.dispatch(DEST, bytes32(uint256(uint160(address(counter)))), body);
            sent.push(
                abi.encodePacked(
                    uint8(1),
                    uint32(nonce),
                    ORIGIN,
                    bytes32(uint256(uint160(address(this)))),
                    DEST,
                    bytes32(uint256(uint160(address(counter)))),
                    body
                )
            );
            sentIds.push(id);
        }
    }

    function checkpoint() external {
        if (sent.length == 0) return;
        CheckpointLib.Checkpoint memory cp = _submit();
        roots.push(cp.root);
    }

    /// @dev Tries to deliver any range against any verified root; refusals are fine.
    function deliver(uint256 rootSeed, uint256 startSeed, uint256 nSeed) external {
        if (roots.length == 0) return;
        uint256 r = bound(rootSeed, 0, roots.length - 1);
        uint256 count = dest.verifiedCount(ORIGIN, roots[r]);
        uint256 start = bound(startSeed, 0, count - 1);
        uint256 n = bound(nSeed, 1, count - start);
        bytes32[] memory prefix = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            prefix[i] = sentIds[i];
        }
        bytes memory batch = _batch(start, n);
        bytes32[] memory proof = RefTree.rangeProof(RefTree.build(prefix), start, n);
        try dest.processBatch(ORIGIN, roots[r], batch, proof) {} catch {}
    }

    /// @dev Zero-root deliveries must always fail.
    function deliverAgainstZeroRoot(uint256 nonceSeed) external {
        if (sent.length == 0) return;
        uint256 nonce = bound(nonceSeed, 0, sent.length - 1);
        try dest.process(ORIGIN, bytes32(0), sent[nonce], new bytes32[](0)) {
            revert("zero root accepted");
        } catch {}
    }

    function sentCount() external view returns (uint256) {
        return sent.length;
    }

    function destination() external view returns (Mailbox) {
        return dest;
    }
}

contract MailboxInvariantTest is Test {
    MailboxHandler internal handler;

    function setUp() public {
        handler = new MailboxHandler();
    }

    /// @dev forge's invariant runner calls only these contracts.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_deliveredAtMostOnce() public view {
        assertLe(handler.counter().maxDeliveries(), 1);
    }

    function invariant_deliveredBitsMatchDeliveries() public view {
        Mailbox dest = handler.destination();
        uint256 bits;
        uint256 n = handler.sentCount();
        for (uint256 i; i < n; ++i) {
            if (dest.delivered(1, i)) ++bits;
        }
        assertEq(bits, handler.counter().total());
    }

    function invariant_zeroRootNeverVerified() public view {
        assertEq(handler.destination().verifiedCount(1, bytes32(0)), 0);
    }
}
