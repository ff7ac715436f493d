// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {RollupFixture} from "./RollupFixture.sol";
import {RollupTypes} from "../../src/rollups/RollupTypes.sol";

/// @dev Gas of the rollup entry points, callee side (`vm.lastCallGas`). Printed with `-vv`.
contract RollupGasTest is RollupFixture {
    uint32 internal rollup;
    uint64 internal id;
    bytes internal sigs;

    function setUp() public override {
        super.setUp();
        rollup = _bonded(RollupTypes.FinalityMode.Both);
        id = _propose(rollup, 1, bytes32(uint256(1)), 0);
        sigs = _sigs(_signed(id), _firstK(4));
    }

    function test_gas_createRollup() public {
        RollupTypes.RollupConfig memory c = _config(RollupTypes.FinalityMode.Both);
        vm.prank(rollupOwner);
        registry.createRollup{value: uint256(RATE) * TTL}(c);
        log("createRollup", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_propose() public {
        vm.prank(proposer);
        scc.propose(rollup, 2, keccak256("s"), keccak256("b"), keccak256("o"), 5);
        log("propose", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_attest4of5() public {
        scc.attest(id, operatorSet, _firstK(4), sigs);
        log("attest (4 of 5)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_finalize() public {
        vm.warp(block.timestamp + WINDOW);
        scc.finalize(id);
        log("finalize", vm.lastCallGas().gasTotalUsed);
    }
}
