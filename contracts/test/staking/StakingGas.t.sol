// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {StakingFixture} from "./StakingFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {RollupTypes} from "../../src/rollups/RollupTypes.sol";
import {OperatorSetMirror} from "../../src/staking/OperatorSetMirror.sol";

/// @dev Gas of the main staking calls (execution inside the call, as `vm.lastCallGas` reports it;
/// a transaction adds 21,000 + calldata). Printed with `forge test --match-contract StakingGas -vv`.
contract StakingGasTest is StakingFixture {
    function setUp() public {
        _deployStaking();
    }

    function test_gas_registerOperator() public {
        _stake(_account(0), STAKE);
        _stake(_account(1), STAKE);
        _register(0);
        _register(1); // a second one: the list slot is no longer fresh-from-zero for the length
        log("registerOperator (2nd operator)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_advanceEpoch4() public {
        _onboard(4, STAKE);
        vm.warp(registry.nextEpochAt());
        registry.advanceEpoch();
        log("advanceEpoch, 4 operators, first set", vm.lastCallGas().gasTotalUsed);
        _stake(_account(0), 1); // one weight changes
        vm.warp(registry.nextEpochAt());
        registry.advanceEpoch();
        log("advanceEpoch, 4 operators, changed set", vm.lastCallGas().gasTotalUsed);
        vm.warp(registry.nextEpochAt());
        registry.advanceEpoch();
        log("advanceEpoch, 4 operators, unchanged (not recorded)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_slashEquivocation() public {
        _onboard(4, STAKE);
        _advance();
        CheckpointLib.Checkpoint memory a = _remoteCheckpoint(keccak256("a"), 3, 1);
        CheckpointLib.Checkpoint memory b = _remoteCheckpoint(keccak256("b"), 3, 1);
        bytes memory sa = _signCheckpoint(0, a);
        bytes memory sb = _signCheckpoint(0, b);
        vm.prank(reporter);
        registry.slashEquivocation(a, sa, b, sb);
        log("slashEquivocation", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_slashCommitmentEquivocation() public {
        _onboard(4, STAKE);
        _advance();
        RollupTypes.StateCommitment memory a = RollupTypes.StateCommitment({
            rollup: 0x10000000,
            l2Block: 7,
            stateRoot: keccak256("a"),
            blockHash: keccak256("block"),
            outboxRoot: keccak256("outbox"),
            outboxIndex: 3,
            epoch: 1
        });
        RollupTypes.StateCommitment memory b =
            RollupTypes.StateCommitment(a.rollup, a.l2Block, keccak256("b"), a.blockHash, a.outboxRoot, 3, 1);
        bytes32 separator = registry.domainSeparator();
        bytes memory sa = _sig(_signerKey(0), CheckpointLib.digest(separator, RollupTypes.structHash(a)));
        bytes memory sb = _sig(_signerKey(0), CheckpointLib.digest(separator, RollupTypes.structHash(b)));
        vm.prank(reporter);
        registry.slashCommitmentEquivocation(a, sa, b, sb);
        log("slashCommitmentEquivocation", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_slashFalseRoot() public {
        _onboard(4, STAKE);
        _advance();
        _hubDispatch(200, 9);
        CheckpointLib.Checkpoint memory c = _hubCheckpoint(200, 4, keccak256("lie"), 1);
        bytes memory sig = _signCheckpoint(0, c);
        (bytes32 leaf, bytes32[32] memory branch) = _hubBranch(200, 4);
        vm.prank(reporter);
        registry.slashFalseRoot(c, sig, leaf, branch);
        log("slashFalseRoot (past root, 9-leaf route)", vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_updateSet() public {
        _onboard(5, STAKE);
        _advance();
        QuorumLib.OperatorSet memory first = hubSet;
        OperatorSetMirror m = new OperatorSetMirror(block.chainid, address(registry), MAX_STALENESS, first);
        vm.prank(_account(4));
        registry.exit();
        _advance();
        OperatorSetMirror.Attestation memory att;
        att.set = first;
        att.signerBitmap = 0x0f; // 4 of 5 (66.67% needs 4)
        att.signatures = _signMembers(first, 0x0f, _handoverDigest(m.domainSeparator(), 1, hubSet));
        m.updateSet(hubSet, att);
        log("updateSet, 4-of-5 handover to 4 members", vm.lastCallGas().gasTotalUsed);
    }
}
