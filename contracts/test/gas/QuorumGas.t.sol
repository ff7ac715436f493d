// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumFixture, QuorumHarness} from "../helpers/QuorumFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";

/// @notice Gas of `verifyCheckpoint` (execution inside the call only: no 21,000 base, no calldata)
/// for the quorum sizes in issue 3. The set-hash slot is warm without `--isolate`, cold (+2,000)
/// with it. The bounds are regression guards, not targets. `forge test --match-path 'test/gas/*' -vv`
/// prints the numbers.
contract QuorumGasTest is QuorumFixture {
    QuorumHarness internal verifier;

    function setUp() public {
        vm.warp(1_700_000_000);
        verifier = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
    }

    function _measure(uint256 n, uint256 k, uint16 bps) internal returns (uint256 used) {
        QuorumLib.OperatorSet memory set = _makeSet(n, _equalWeights(n, 1e18), bps, uint16(k), 1, n);
        verifier.recordOperatorSet(set);
        CheckpointLib.Checkpoint memory cp = CheckpointLib.Checkpoint(1, bytes32(uint256(0xAB)), keccak256("r"), 99, 1);
        bytes memory sigs = _sign(_firstK(k), _digest(verifier, cp));
        verifier.verifyCheckpoint(cp, set, _firstK(k), sigs);
        used = vm.lastCallGas().gasTotalUsed;
        bytes memory data = abi.encodeCall(verifier.verifyCheckpoint, (cp, set, _firstK(k), sigs));
        log(string.concat("verifyCheckpoint ", vm.toString(k), "-of-", vm.toString(n), " gas"), used);
        log("  calldata bytes", data.length);
    }

    function test_gas_verify_3of5() public {
        assertLt(_measure(5, 3, 6000), 20_000);
    }

    function test_gas_verify_7of10() public {
        assertLt(_measure(10, 7, 6667), 36_000);
    }

    function test_gas_verify_13of18() public {
        assertLt(_measure(18, 13, 6667), 60_000);
    }
}
