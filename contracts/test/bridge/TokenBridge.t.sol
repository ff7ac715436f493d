// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {BridgeFixture, FeeToken, MockStakeCap} from "./BridgeFixture.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {IMailboxDispatch, TokenBridge} from "../../src/bridge/TokenBridge.sol";
import {IStakeCap} from "../../src/bridge/IStakeCap.sol";
import {SyntheticToken} from "../../src/bridge/SyntheticToken.sol";
import {Message} from "../../src/libs/Message.sol";

contract TokenBridgeTest is BridgeFixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA701);
    address internal stranger = address(0x5747);

    function setUp() public {
        _deploy();
        token.mint(alice, 1_000_000e18);
    }

    // ------------------------------------------------------------------ round trip

    function test_roundTripThroughTwoMailboxes() public {
        _send(A, alice, bob, 400e18);
        assertEq(token.balanceOf(address(bridgeA)), 400e18, "locked on A");
        assertEq(synthetic.totalSupply(), 0, "nothing minted before delivery");
        _relay(A);
        assertEq(synthetic.balanceOf(bob), 400e18, "minted on B");
        assertTrue(mailboxB.delivered(A, 0));

        _send(B, bob, carol, 150e18);
        assertEq(synthetic.balanceOf(bob), 250e18, "burned on B");
        assertEq(synthetic.totalSupply(), 250e18);
        _relay(B);
        assertEq(token.balanceOf(carol), 150e18, "released on A");
        assertEq(token.balanceOf(address(bridgeA)), 250e18);
        assertEq(synthetic.totalSupply(), token.balanceOf(address(bridgeA)), "synthetic == collateral at rest");
    }

    function test_batchOfTransfers() public {
        for (uint256 i; i < 8; ++i) {
            _send(A, alice, address(uint160(0x1000 + i)), (i + 1) * 1e18);
        }
        _relay(A);
        for (uint256 i; i < 8; ++i) {
            assertEq(synthetic.balanceOf(address(uint160(0x1000 + i))), (i + 1) * 1e18);
        }
        assertEq(synthetic.totalSupply(), 36e18);
    }

    function test_replayedDeliveryRefused() public {
        _send(A, alice, bob, 1e18);
        (bytes memory batch, bytes32[] memory proof,) = _pending(A);
        _relay(A);
        (bytes32 root,) = mailboxA.outboxState(B);
        vm.expectRevert(abi.encodeWithSelector(Mailbox.AlreadyDelivered.selector, A, 0));
        mailboxB.processBatch(A, root, batch, proof);
        assertEq(synthetic.totalSupply(), 1e18);
    }

    function testFuzz_roundTripConservesValue(uint256 out, uint256 back) public {
        out = bound(out, 1, CAPACITY);
        back = bound(back, 1, out);
        _send(A, alice, bob, out);
        _relay(A);
        _send(B, bob, carol, back);
        _relay(B);
        assertEq(synthetic.balanceOf(bob), out - back);
        assertEq(token.balanceOf(carol), back);
        assertEq(token.balanceOf(address(bridgeA)), out - back);
        assertEq(synthetic.totalSupply(), token.balanceOf(address(bridgeA)));
    }

    // ------------------------------------------------------------------ handle: who may call

    function test_handle_refusesNonMailbox() public {
        bytes memory body = abi.encodePacked(Message.toBytes32(stranger), uint256(1e18));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.NotMailbox.selector, stranger));
        bridgeB.handle(A, Message.toBytes32(address(bridgeA)), body);
        // Not even the other domain's Mailbox.
        vm.prank(address(mailboxA));
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.NotMailbox.selector, address(mailboxA)));
        bridgeB.handle(A, Message.toBytes32(address(bridgeA)), body);
    }

    function test_handle_refusesUnenrolledRouterThroughRealMailbox() public {
        // An attacker dispatches a well-formed mint message from its own contract on A.
        bytes memory body = abi.encodePacked(Message.toBytes32(stranger), uint256(1e18));
        (, uint256 nonce) = mailboxA.outboxState(B);
        bytes32 id = mailboxA.dispatch(B, Message.toBytes32(address(bridgeB)), body);
        bytes memory m = Message.pack(
            1, uint32(nonce), A, Message.toBytes32(address(this)), B, Message.toBytes32(address(bridgeB)), body
        );
        assertEq(keccak256(m), id);
        logs[A].messages.push(m);
        logs[A].ids.push(id);
        vm.expectRevert(
            abi.encodeWithSelector(TokenBridge.UnenrolledRouter.selector, A, Message.toBytes32(address(this)))
        );
        this.relayExternal(A);
        assertEq(synthetic.totalSupply(), 0);
    }

    function relayExternal(uint32 origin) external {
        _relay(origin);
    }

    function test_handle_refusesUnenrolledOriginAndZeroSender() public {
        bytes memory body = abi.encodePacked(Message.toBytes32(stranger), uint256(1e18));
        vm.startPrank(address(mailboxB));
        vm.expectRevert(
            abi.encodeWithSelector(TokenBridge.UnenrolledRouter.selector, 99, Message.toBytes32(address(bridgeA)))
        );
        bridgeB.handle(99, Message.toBytes32(address(bridgeA)), body);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.UnenrolledRouter.selector, 99, bytes32(0)));
        bridgeB.handle(99, bytes32(0), body);
        vm.stopPrank();
        // A removed router is refused too.
        vm.prank(bridgeOwner);
        bridgeB.enrollRemoteRouter(A, bytes32(0));
        vm.prank(address(mailboxB));
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.UnenrolledRouter.selector, A, bytes32(0)));
        bridgeB.handle(A, bytes32(0), body);
    }

    function test_handle_refusesMalformedBodies() public {
        bytes32 router = Message.toBytes32(address(bridgeA));
        vm.startPrank(address(mailboxB));
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.InvalidBody.selector, 63));
        bridgeB.handle(A, router, new bytes(63));
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.InvalidBody.selector, 65));
        bridgeB.handle(A, router, new bytes(65));
        bytes32 notEvm = bytes32(uint256(1) << 200);
        vm.expectRevert(abi.encodeWithSelector(Message.NotAnEvmAddress.selector, notEvm));
        bridgeB.handle(A, router, abi.encodePacked(notEvm, uint256(1)));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ transferRemote reverts

    function test_transferRemote_reverts() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.UnknownRoute.selector, 9));
        bridgeA.transferRemote(9, Message.toBytes32(bob), 1);
        vm.expectRevert(TokenBridge.ZeroAmount.selector);
        bridgeA.transferRemote(B, Message.toBytes32(bob), 0);
        uint256 huge = uint256(type(uint128).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.AmountTooLarge.selector, huge));
        bridgeA.transferRemote(B, Message.toBytes32(bob), huge);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(bridgeA), 0, 1e18)
        );
        bridgeA.transferRemote(B, Message.toBytes32(bob), 1e18);
        vm.stopPrank();
        // Burning more synthetic than held.
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, bob, 0, 1e18));
        bridgeB.transferRemote(A, Message.toBytes32(bob), 1e18);
    }

    function test_transferRemote_refusesFeeOnTransferCollateral() public {
        FeeToken fee = new FeeToken();
        MockStakeCap cap = new MockStakeCap();
        cap.set(CAP);
        TokenBridge b = new TokenBridge(_init(mailboxA, address(fee), cap));
        vm.prank(bridgeOwner);
        b.enrollRemoteRouter(B, bytes32(uint256(1)));
        fee.mint(alice, 100e18);
        vm.startPrank(alice);
        fee.approve(address(b), 100e18);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.TransferAmountMismatch.selector, 100e18, 99e18));
        b.transferRemote(B, Message.toBytes32(bob), 100e18);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ rate limit

    function test_rateLimit_refusesReleaseAboveBucketThenRefills() public {
        vm.prank(bridgeOwner);
        bridgeB.setRateLimit(A, 100e18, 1e18);
        _send(A, alice, bob, 150e18);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.RateLimited.selector, A, 150e18, 100e18));
        this.relayExternal(A);
        assertEq(synthetic.totalSupply(), 0);
        assertFalse(mailboxB.delivered(A, 0), "stays deliverable");
        vm.warp(block.timestamp + 49);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.RateLimited.selector, A, 150e18, 100e18));
        this.relayExternal(A);
        vm.prank(bridgeOwner);
        bridgeB.setRateLimit(A, 200e18, 1e18); // raising capacity keeps the level (bucket stays at 100)
        assertEq(bridgeB.available(A), 100e18);
        vm.warp(block.timestamp + 50);
        assertEq(bridgeB.available(A), 150e18);
        _relay(A);
        assertEq(synthetic.balanceOf(bob), 150e18);
        assertEq(bridgeB.available(A), 0);
    }

    function test_rateLimit_releaseOnCollateralSide() public {
        _send(A, alice, bob, 500e18);
        _relay(A);
        vm.prank(bridgeOwner);
        bridgeA.setRateLimit(B, 100e18, 0);
        _send(B, bob, carol, 101e18);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.RateLimited.selector, B, 101e18, 100e18));
        this.relayExternal(B);
        assertEq(token.balanceOf(carol), 0);
    }

    function test_rateLimit_zeroCapacityReleasesNothing() public {
        vm.prank(bridgeOwner);
        bridgeB.setRateLimit(A, 0, 1e18);
        vm.warp(block.timestamp + 6 days); // long enough to refill anything; the set stays fresh
        assertEq(bridgeB.available(A), 0);
        _send(A, alice, bob, 1);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.RateLimited.selector, A, 1, 0));
        this.relayExternal(A);
    }

    function test_rateLimit_unconfiguredRouteReleasesNothing() public {
        vm.startPrank(bridgeOwner);
        bridgeB.enrollRemoteRouter(7, Message.toBytes32(address(0x77)));
        vm.stopPrank();
        vm.prank(address(mailboxB));
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.RateLimited.selector, 7, 1, 0));
        bridgeB.handle(7, Message.toBytes32(address(0x77)), abi.encodePacked(Message.toBytes32(bob), uint256(1)));
    }

    function testFuzz_rateLimit_neverReleasesMoreThanBucket(
        uint128 capacity,
        uint128 refill,
        uint32 wait,
        uint256 amount
    ) public {
        capacity = uint128(bound(capacity, 1, CAPACITY));
        refill = uint128(bound(refill, 0, 1e21));
        vm.prank(bridgeOwner);
        bridgeB.setRateLimit(A, capacity, refill);
        vm.prank(address(mailboxB));
        bridgeB.handle(
            A, Message.toBytes32(address(bridgeA)), abi.encodePacked(Message.toBytes32(bob), uint256(capacity))
        );
        vm.warp(block.timestamp + wait);
        uint256 expected = uint256(refill) * wait;
        if (expected > capacity) expected = capacity;
        assertEq(bridgeB.available(A), expected);
        amount = bound(amount, 1, CAPACITY);
        vm.prank(address(mailboxB));
        if (amount > expected) {
            vm.expectRevert(abi.encodeWithSelector(TokenBridge.RateLimited.selector, A, amount, expected));
        }
        bridgeB.handle(A, Message.toBytes32(address(bridgeA)), abi.encodePacked(Message.toBytes32(bob), amount));
    }

    // ------------------------------------------------------------------ value cap

    function test_valueCap_outbound() public {
        capA.set(500e18);
        _send(A, alice, bob, 400e18);
        assertEq(bridgeA.inFlight(), 400e18);
        vm.prank(alice);
        token.approve(address(bridgeA), 200e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.ValueCapExceeded.selector, 200e18, 400e18, 500e18));
        bridgeA.transferRemote(B, Message.toBytes32(bob), 200e18);
        // Still in flight during the next period (each transfer counts for at least a full period).
        vm.warp((block.timestamp / PERIOD + 1) * PERIOD);
        assertEq(bridgeA.inFlight(), 400e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.ValueCapExceeded.selector, 200e18, 400e18, 500e18));
        bridgeA.transferRemote(B, Message.toBytes32(bob), 200e18);
        vm.warp(block.timestamp + PERIOD);
        assertEq(bridgeA.inFlight(), 0);
        _send(A, alice, bob, 500e18);
        assertEq(bridgeA.inFlight(), 500e18);
    }

    function test_valueCap_inboundReleaseRefused() public {
        _send(A, alice, bob, 300e18);
        capB.set(299e18);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.ValueCapExceeded.selector, 300e18, 0, 299e18));
        this.relayExternal(A);
        capB.set(300e18);
        _relay(A);
        assertEq(bridgeB.inFlight(), 300e18);
        // Inbound counts against the cap for outbound too.
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.ValueCapExceeded.selector, 1, 300e18, 300e18));
        bridgeB.transferRemote(A, Message.toBytes32(carol), 1);
    }

    function test_valueCap_followsSlashedStake() public {
        capA.set(1000e18);
        _send(A, alice, bob, 100e18);
        capA.set(50e18); // stake was slashed: the cap drops below what is already in flight
        vm.prank(alice);
        token.approve(address(bridgeA), 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.ValueCapExceeded.selector, 1, 100e18, 50e18));
        bridgeA.transferRemote(B, Message.toBytes32(bob), 1);
    }

    function testFuzz_valueCap_inFlightNeverAboveCap(uint256[6] memory amounts, uint32[6] memory waits) public {
        capA.set(1000e18);
        for (uint256 i; i < 6; ++i) {
            vm.warp(block.timestamp + (waits[i] % (3 * PERIOD)));
            uint256 amount = bound(amounts[i], 1, 600e18);
            vm.prank(alice);
            token.approve(address(bridgeA), amount);
            uint256 before = bridgeA.inFlight();
            vm.prank(alice);
            try bridgeA.transferRemote(B, Message.toBytes32(bob), amount) {
                assertLe(before + amount, 1000e18);
            } catch {
                assertGt(before + amount, 1000e18);
            }
            assertLe(bridgeA.inFlight(), 1000e18);
        }
    }

    // ------------------------------------------------------------------ administration

    function test_admin_onlyOwner() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        bridgeA.enrollRemoteRouter(B, bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        bridgeA.setRateLimit(B, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        bridgeA.setStakeCap(capB);
        vm.stopPrank();
    }

    function test_admin_rejectsBadValues() public {
        vm.startPrank(bridgeOwner);
        vm.expectRevert(abi.encodeWithSelector(TokenBridge.LocalDomain.selector, A));
        bridgeA.enrollRemoteRouter(A, bytes32(uint256(1)));
        vm.expectRevert(TokenBridge.ZeroAddress.selector);
        bridgeA.setStakeCap(IStakeCap(address(0)));
        bridgeA.setStakeCap(capB);
        vm.stopPrank();
        assertEq(address(bridgeA.stakeCap()), address(capB));
        // Lowering capacity clamps the level.
        vm.prank(bridgeOwner);
        bridgeA.setRateLimit(B, 10, 0);
        assertEq(bridgeA.available(B), 10);
        TokenBridge.Route memory r = bridgeA.route(B);
        assertEq(uint256(r.capacity), 10);
        assertEq(bridgeA.routerOf(B), Message.toBytes32(address(bridgeB)));
    }

    function test_constructor_rejectsBadParams() public {
        TokenBridge.Init memory init = _init(mailboxA, address(token), capA);
        init.mailbox = IMailboxDispatch(address(0));
        vm.expectRevert(TokenBridge.ZeroAddress.selector);
        new TokenBridge(init);
        init = _init(mailboxA, address(token), IStakeCap(address(0)));
        vm.expectRevert(TokenBridge.ZeroAddress.selector);
        new TokenBridge(init);
        init = _init(mailboxA, address(token), capA);
        init.settlementPeriod = 0;
        vm.expectRevert(TokenBridge.ZeroPeriod.selector);
        new TokenBridge(init);
    }

    function test_modesAndSyntheticToken() public {
        assertEq(uint256(bridgeA.mode()), uint256(TokenBridge.Mode.Collateral));
        assertEq(uint256(bridgeB.mode()), uint256(TokenBridge.Mode.Synthetic));
        assertEq(address(bridgeA.token()), address(token));
        assertEq(synthetic.minter(), address(bridgeB));
        assertEq(uint256(synthetic.decimals()), 18);
        assertEq(uint256(bridgeA.localDomain()), A);
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(SyntheticToken.NotMinter.selector, stranger));
        synthetic.mint(stranger, 1);
        vm.expectRevert(abi.encodeWithSelector(SyntheticToken.NotMinter.selector, stranger));
        synthetic.burn(bob, 1);
        vm.stopPrank();
    }
}
