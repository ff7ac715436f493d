// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {BridgeFixture} from "./BridgeFixture.sol";
import {SyntheticToken} from "../../src/bridge/SyntheticToken.sol";
import {TestToken} from "./BridgeFixture.sol";

/// @dev Deploys both Mailboxes and bridges itself and acts on them: transfers both ways, relays
/// (which may be refused by the rate limit or the cap), time passing. Ghost sums track what is
/// between the two sides.
contract BridgeHandler is BridgeFixture {
    address[3] internal actors = [address(0xA1), address(0xA2), address(0xA3)];
    uint256 public pendingAtoB;
    uint256 public pendingBtoA;
    uint256 public pendingAtoBCount;
    uint256 public pendingBtoACount;
    uint256 public relays;

    constructor() {
        _deploy();
        vm.startPrank(bridgeOwner);
        // Small buckets and cap so that refusals happen.
        bridgeA.setRateLimit(B, 5000e18, 10e18);
        bridgeB.setRateLimit(A, 5000e18, 10e18);
        vm.stopPrank();
        capA.set(10_000e18);
        capB.set(10_000e18);
    }

    function sendAtoB(uint256 actorSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[actorSeed % 3];
        amount = bound(amount, 1, 4000e18);
        token.mint(from, amount);
        _send(A, from, actors[toSeed % 3], amount);
        pendingAtoB += amount;
        ++pendingAtoBCount;
    }

    function sendBtoA(uint256 actorSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[actorSeed % 3];
        uint256 balance = synthetic.balanceOf(from);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        _send(B, from, actors[toSeed % 3], amount);
        pendingBtoA += amount;
        ++pendingBtoACount;
    }

    function relayA() external {
        _relay(A);
        pendingAtoB = 0;
        pendingAtoBCount = 0;
        ++relays;
    }

    function relayB() external {
        _relay(B);
        pendingBtoA = 0;
        pendingBtoACount = 0;
        ++relays;
    }

    function wait(uint256 secondsSeed) external {
        vm.warp(block.timestamp + bound(secondsSeed, 1, 2 hours));
    }

    function collateralToken() external view returns (TestToken) {
        return token;
    }

    function syntheticToken() external view returns (SyntheticToken) {
        return synthetic;
    }

    function collateralBridge() external view returns (address) {
        return address(bridgeA);
    }

    function inFlightA() external view returns (uint256) {
        return bridgeA.inFlight();
    }

    function inFlightB() external view returns (uint256) {
        return bridgeB.inFlight();
    }
}

contract TokenBridgeInvariantTest is Test {
    BridgeHandler internal handler;

    function setUp() public {
        handler = new BridgeHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    function invariant_syntheticNeverAboveCollateral() public view {
        uint256 locked = handler.collateralToken().balanceOf(handler.collateralBridge());
        uint256 supply = handler.syntheticToken().totalSupply();
        assertLe(supply, locked, "synthetic supply <= locked collateral");
        // Exactly: what is locked is minted, or on its way (A -> B undelivered, B -> A burned and undelivered).
        assertEq(locked, supply + handler.pendingAtoB() + handler.pendingBtoA(), "collateral accounting");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    function invariant_inFlightWithinCap() public view {
        assertLe(handler.inFlightA(), 10_000e18);
        assertLe(handler.inFlightB(), 10_000e18);
    }
}
