// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {BridgeFixture} from "./BridgeFixture.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {Message} from "../../src/libs/Message.sol";
import {RefTree} from "../helpers/RefTree.sol";

/// @dev Gas of the bridge's entry points, callee side (`vm.lastCallGas`), cold storage as in a fresh
/// transaction. A measurement printed with `-vv`, not a test of a bound.
contract BridgeGasTest is BridgeFixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function setUp() public {
        _deploy();
        token.mint(alice, 1000e18);
        vm.prank(alice);
        token.approve(address(bridgeA), type(uint256).max);
        // Warm the route trees and balances the way a live bridge has them.
        _send(A, alice, bob, 10e18);
        _relay(A);
    }

    function test_gas_transferRemoteCollateralOut() public {
        vm.prank(alice);
        token.approve(address(bridgeA), 1e18);
        vm.prank(alice);
        bridgeA.transferRemote(B, Message.toBytes32(bob), 1e18);
        log("transferRemote (collateral lock + dispatch)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_transferRemoteSyntheticOut() public {
        vm.prank(bob);
        bridgeB.transferRemote(A, Message.toBytes32(alice), 1e18);
        log("transferRemote (synthetic burn + dispatch)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_handleMintIn() public {
        vm.prank(address(mailboxB));
        bridgeB.handle(A, Message.toBytes32(address(bridgeA)), abi.encodePacked(Message.toBytes32(bob), uint256(1e18)));
        log("handle (synthetic mint, existing holder)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_handleReleaseIn() public {
        vm.prank(address(mailboxA));
        bridgeA.handle(B, Message.toBytes32(address(bridgeB)), abi.encodePacked(Message.toBytes32(bob), uint256(1e18)));
        log("handle (collateral release, new holder)", vm.lastCallGas().gasTotalUsed);
    }

    /// @dev One transfer in, end to end: checkpoint verified (3 of 5) and delivered in one call.
    function test_gas_processWithCheckpointMintIn() public {
        _send(A, alice, bob, 1e18);
        (CheckpointLib.Checkpoint memory cp, Mailbox.Attestation memory a) = _signedCheckpoint(A);
        RouteLog storage l = logs[A];
        bytes32[] memory proof = RefTree.rangeProof(RefTree.build(l.ids), 1, 1);
        bytes memory m = l.messages[1];
        mailboxB.processWithCheckpoint(cp, a, m, proof);
        log("processWithCheckpoint + handle (mint), 3-of-5", vm.lastCallGas().gasTotalUsed);
    }
}
