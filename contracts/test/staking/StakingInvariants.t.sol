// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {StakingFixture} from "./StakingFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {CausewayToken} from "../../src/staking/CausewayToken.sol";
import {RestakingRegistry} from "../../src/staking/RestakingRegistry.sol";
import {StakeVault} from "../../src/staking/StakeVault.sol";

/// @dev Random deposits, withdrawal requests and completions, time, epochs and equivocation
/// slashes by four registered operators, with ghost accounting per staking account.
contract StakingHandler is Test {
    CausewayToken internal token;
    StakeVault internal vault;
    RestakingRegistry internal registry;
    address[] public accounts;
    uint256[] internal signerKeys;
    address internal reporter;

    mapping(address account => uint256) public deposited;
    mapping(address account => uint256) public withdrawn;
    mapping(address account => uint256) public slashed;
    uint256 public totalSlashed;

    constructor(
        CausewayToken token_,
        StakeVault vault_,
        RestakingRegistry registry_,
        address[] memory accounts_,
        uint256[] memory keys_,
        address reporter_,
        uint256 initialStake
    ) {
        token = token_;
        vault = vault_;
        registry = registry_;
        accounts = accounts_;
        signerKeys = keys_;
        reporter = reporter_;
        for (uint256 i; i < accounts_.length; ++i) {
            deposited[accounts_[i]] = initialStake; // staked by the fixture before the handler took over
        }
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function deposit(uint256 who, uint256 amount) external {
        address a = accounts[who % accounts.length];
        amount = bound(amount, 1, 1e24);
        token.transfer(a, amount);
        vm.startPrank(a);
        token.approve(address(vault), amount);
        vault.deposit(amount);
        vm.stopPrank();
        deposited[a] += amount;
    }

    function requestWithdrawal(uint256 who, uint256 amount) external {
        address a = accounts[who % accounts.length];
        uint256 active = vault.stakeOf(a);
        if (active == 0) return;
        amount = bound(amount, 1, active);
        vm.prank(a);
        vault.requestWithdrawal(amount);
    }

    function completeWithdrawal(uint256 who) external {
        address a = accounts[who % accounts.length];
        (uint256 amount, uint64 due) = vault.unbondingOf(a);
        if (amount == 0 || block.timestamp < due) return;
        vm.prank(a);
        withdrawn[a] += vault.completeWithdrawal(a);
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 days));
    }

    function advance() external {
        if (block.timestamp < registry.nextEpochAt() && !registry.ejectionPending()) return;
        try registry.advanceEpoch() {} catch {} // may lack operators after ejections
    }

    /// @dev Operator `who` signs two roots for one slot of epoch 1; a reporter slashes it.
    function slashEquivocation(uint256 who, uint32 index) external {
        uint256 i = who % accounts.length;
        address a = accounts[i];
        CheckpointLib.Checkpoint memory c1 = CheckpointLib.Checkpoint({
            origin: 7, outbox: bytes32(uint256(0xB0B)), root: keccak256("one"), index: index, epoch: 1
        });
        CheckpointLib.Checkpoint memory c2 = CheckpointLib.Checkpoint({
            origin: 7, outbox: bytes32(uint256(0xB0B)), root: keccak256("two"), index: index, epoch: 1
        });
        bytes32 sep = registry.domainSeparator();
        bytes memory s1 = _sig(signerKeys[i], CheckpointLib.digest(sep, CheckpointLib.structHash(c1)));
        bytes memory s2 = _sig(signerKeys[i], CheckpointLib.digest(sep, CheckpointLib.structHash(c2)));
        address key = vm.addr(signerKeys[i]);
        bytes32 evidence = keccak256(abi.encode(bytes32("equivocation"), key, c1.origin, c1.outbox, c1.index, c1.epoch));
        if (registry.evidenceUsed(evidence)) return;
        uint256 before = vault.slashableStakeOf(a);
        vm.prank(reporter);
        uint256 s = registry.slashEquivocation(c1, s1, c2, s2);
        require(before - vault.slashableStakeOf(a) == s, "slashed amount");
        slashed[a] += s;
        totalSlashed += s;
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}

contract StakingInvariantsTest is StakingFixture {
    StakingHandler internal handler;

    function setUp() public {
        _deployStaking();
        _onboard(4, STAKE);
        _advance();
        address[] memory accounts = new address[](4);
        uint256[] memory skeys = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            accounts[i] = _account(i);
            skeys[i] = _signerKey(i);
        }
        handler = new StakingHandler(token, vault, registry, accounts, skeys, reporter, STAKE);
        token.transfer(address(handler), 1e29);
    }

    /// @dev forge reads this (forge-std's StdInvariant is not available): fuzz only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function test_handlerSlashWorks() public {
        handler.slashEquivocation(1, 5);
        assertEq(handler.totalSlashed(), STAKE / 2);
    }

    /// Every token a staking account put in is still staked, was withdrawn, or was slashed, and
    /// nothing slashed was ever withdrawn: withdrawn <= deposited - slashed.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    function invariant_perAccountConservation() public view {
        for (uint256 i; i < handler.accountCount(); ++i) {
            address a = handler.accounts(i);
            uint256 dep = handler.deposited(a);
            uint256 wd = handler.withdrawn(a);
            uint256 sl = handler.slashed(a);
            assertEq(dep, wd + sl + vault.slashableStakeOf(a), "deposited = withdrawn + slashed + staked");
            assertLe(wd, dep - sl, "slashed stake withdrawn");
        }
    }

    /// The vault holds exactly the stake it accounts for; the totals are the sum of the accounts.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    function invariant_vaultTotals() public view {
        uint256 active;
        uint256 unbonding;
        for (uint256 i; i < handler.accountCount(); ++i) {
            address a = handler.accounts(i);
            active += vault.stakeOf(a);
            (uint256 u,) = vault.unbondingOf(a);
            unbonding += u;
        }
        assertEq(vault.totalActive(), active, "active");
        assertEq(vault.totalUnbonding(), unbonding, "unbonding");
        assertEq(token.balanceOf(address(vault)), active + unbonding, "balance");
    }

    /// Everything slashed went to the reporter (bounty) and the treasury, nowhere else.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    function invariant_slashedGoesToReporterAndTreasury() public view {
        assertEq(token.balanceOf(reporter) + token.balanceOf(treasury), handler.totalSlashed());
    }
}
