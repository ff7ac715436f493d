// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumFixture, QuorumHarness} from "../helpers/QuorumFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {RollupRegistry} from "../../src/rollups/RollupRegistry.sol";
import {RollupTypes} from "../../src/rollups/RollupTypes.sol";
import {StateCommitmentChain} from "../../src/rollups/StateCommitmentChain.sol";

/// @dev Refuses ETH: a rollup owner whose refund cannot be pushed.
contract EthRefuser {
    function create(RollupRegistry registry, RollupTypes.RollupConfig calldata config)
        external
        payable
        returns (uint32)
    {
        return registry.createRollup{value: msg.value}(config);
    }
}

/// @dev Hub verifier (5 operators, 60 %, at least 3), a registry, a commitment chain; rollups ask
/// for 2/3 of the weight and 3 signers, so 4 of the 5 operators must sign.
abstract contract RollupFixture is QuorumFixture {
    uint32 internal constant HUB_DOMAIN = 100;
    uint32 internal constant FIRST_DOMAIN = 0x10000000;
    uint32 internal constant LAST_DOMAIN = 0x1000000F;
    uint64 internal constant EPOCH = 3;
    uint128 internal constant RATE = 1 gwei;
    uint256 internal constant BOND = 1 ether;
    uint64 internal constant TTL = 30 days;
    uint64 internal constant WINDOW = 1 days;

    address internal admin = address(0xAD);
    address internal treasury = address(0x7EA5);
    address internal rollupOwner = address(0x0E1);
    address internal proposer = address(0xB0B);
    address internal challenger = address(0xC4A1);
    address internal stranger = address(0x5747);

    QuorumHarness internal hub;
    RollupRegistry internal registry;
    StateCommitmentChain internal scc;
    QuorumLib.OperatorSet internal operatorSet;
    bytes32 internal hubSeparator;

    /// @dev Bounties paid to the test contract itself.
    receive() external payable {}

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        hub = new QuorumHarness(HUB_CHAIN_ID, HUB_REGISTRY, MAX_STALENESS);
        QuorumLib.OperatorSet memory s = _makeSet(5, _equalWeights(5, 1e18), 6000, 3, EPOCH, 5);
        hub.recordOperatorSet(s);
        operatorSet.epoch = s.epoch;
        operatorSet.timestamp = s.timestamp;
        operatorSet.thresholdBps = s.thresholdBps;
        operatorSet.minSigners = s.minSigners;
        operatorSet.totalWeight = s.totalWeight;
        operatorSet.members = s.members;
        hubSeparator = hub.domainSeparator();
        registry = new RollupRegistry(admin, FIRST_DOMAIN, LAST_DOMAIN, RATE, treasury);
        scc = new StateCommitmentChain(registry, hub, HUB_DOMAIN, BOND);
        vm.prank(admin);
        registry.setCommitmentChain(scc);
        vm.deal(rollupOwner, 1000 ether);
        vm.deal(proposer, 1000 ether);
    }

    function _config(RollupTypes.FinalityMode mode) internal view returns (RollupTypes.RollupConfig memory c) {
        c = RollupTypes.RollupConfig({
            vm: uint8(RollupTypes.Vm.Evm),
            stack: uint8(RollupTypes.Stack.Op),
            da: uint8(RollupTypes.DataAvailability.EthereumBlobs),
            finality: uint8(mode),
            challengeWindow: mode == RollupTypes.FinalityMode.Restaked ? 0 : WINDOW,
            thresholdBps: 6667,
            minSigners: 3,
            ttl: TTL,
            proposer: proposer
        });
    }

    function _create(RollupTypes.FinalityMode mode) internal returns (uint32 rollup) {
        vm.prank(rollupOwner);
        rollup = registry.createRollup{value: uint256(RATE) * TTL}(_config(mode));
    }

    /// @dev A bonded rollup.
    function _bonded(RollupTypes.FinalityMode mode) internal returns (uint32 rollup) {
        rollup = _create(mode);
        vm.prank(proposer);
        scc.depositBond{value: BOND}(rollup);
    }

    function _propose(uint32 rollup, uint64 l2Block, bytes32 outboxRoot, uint32 outboxIndex)
        internal
        returns (uint64 id)
    {
        vm.prank(proposer);
        id = scc.propose(
            rollup,
            l2Block,
            keccak256(abi.encode("state", l2Block)),
            keccak256(abi.encode("block", l2Block)),
            outboxRoot,
            outboxIndex
        );
    }

    function _signed(uint64 id) internal view returns (RollupTypes.StateCommitment memory) {
        return RollupTypes.toSigned(scc.commitment(id), EPOCH);
    }

    /// @dev Makes no external call (only cheatcodes), so it may sit inside an `expectRevert`ed call.
    function _sigs(RollupTypes.StateCommitment memory sc, uint256 bitmap) internal view returns (bytes memory) {
        return _sign(bitmap, CheckpointLib.digest(hubSeparator, RollupTypes.structHash(sc)));
    }

    /// @dev Attests with the lowest 4 of 5 operators (80 % ≥ 2/3).
    function _attest(uint64 id) internal {
        scc.attest(id, operatorSet, _firstK(4), _sigs(_signed(id), _firstK(4)));
    }
}
