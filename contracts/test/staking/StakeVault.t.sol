// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Test} from "../base/Test.sol";
import {CausewayToken} from "../../src/staking/CausewayToken.sol";
import {IStakeSlasher, IStakeSource} from "../../src/staking/IStakeSource.sol";
import {StakeVault} from "../../src/staking/StakeVault.sol";

/// @dev Stands in for the registry: the wiring views, and a way to call `slash`.
contract SlasherStub {
    IStakeSource public stakeSource;
    uint256 public maxStaleness;
    uint256 public epochLength;

    constructor(IStakeSource source, uint256 maxStaleness_, uint256 epochLength_) {
        stakeSource = source;
        maxStaleness = maxStaleness_;
        epochLength = epochLength_;
    }

    function slash(address operator, uint256 amount, address beneficiary) external returns (uint256) {
        return stakeSource.slash(operator, amount, beneficiary);
    }
}

contract StakeVaultTest is Test {
    uint256 internal constant UNBONDING = 9 days;
    CausewayToken internal token;
    StakeVault internal vault;
    SlasherStub internal slasher;
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal sink = address(0x5111C);

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new CausewayToken(address(this), 1e30);
        vault = new StakeVault(token, UNBONDING);
        slasher = new SlasherStub(vault, 7 days, 1 days);
        vault.setSlasher(IStakeSlasher(address(slasher)));
    }

    function _deposit(address who, uint256 amount) internal {
        token.transfer(who, amount);
        vm.startPrank(who);
        token.approve(address(vault), amount);
        vault.deposit(amount);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ token

    function test_token_fixedSupplyNoMint() public {
        assertEq(token.totalSupply(), 1e30);
        assertEq(token.balanceOf(address(this)), 1e30);
        assertEq(token.name(), "Causeway");
        assertEq(token.symbol(), "CWAY");
        assertEq(uint256(token.decimals()), 18);
        (bool ok,) = address(token).call(abi.encodeWithSignature("mint(address,uint256)", address(this), 1));
        assertFalse(ok, "no mint");
        (ok,) = address(token).call(abi.encodeWithSignature("owner()"));
        assertFalse(ok, "no owner");
    }

    // ------------------------------------------------------------------ construction and wiring

    function test_constructor_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(StakeVault.TokenZero.selector));
        new StakeVault(IERC20(address(0)), UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.UnbondingPeriodZero.selector));
        new StakeVault(token, 0);
    }

    function test_setSlasher_reverts() public {
        StakeVault v = new StakeVault(token, UNBONDING);
        SlasherStub ok = new SlasherStub(v, 7 days, 1 days);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.NotDeployer.selector, alice));
        v.setSlasher(IStakeSlasher(address(ok)));
        // The registry must read from this vault.
        vm.expectRevert(abi.encodeWithSelector(StakeVault.RegistryUsesOtherSource.selector, address(vault)));
        v.setSlasher(IStakeSlasher(address(slasher)));
        // Unbonding must exceed maxStaleness + epoch: 8 + 1 days is not below 9 days.
        SlasherStub tooLong = new SlasherStub(v, 8 days, 1 days);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.UnbondingTooShort.selector, UNBONDING, 9 days));
        v.setSlasher(IStakeSlasher(address(tooLong)));
        vm.expectEmit(address(v));
        emit StakeVault.SlasherSet(address(ok));
        v.setSlasher(IStakeSlasher(address(ok)));
        assertEq(v.slasher(), address(ok));
        vm.expectRevert(abi.encodeWithSelector(StakeVault.SlasherAlreadySet.selector, address(ok)));
        v.setSlasher(IStakeSlasher(address(ok)));
    }

    // ------------------------------------------------------------------ deposit and withdrawal

    function test_deposit() public {
        token.transfer(alice, 5e18);
        vm.startPrank(alice);
        token.approve(address(vault), 5e18);
        vm.expectEmit(address(vault));
        emit StakeVault.Deposited(alice, 5e18);
        vault.deposit(5e18);
        vm.stopPrank();
        assertEq(vault.stakeOf(alice), 5e18);
        assertEq(vault.slashableStakeOf(alice), 5e18);
        assertEq(vault.totalActive(), 5e18);
        assertEq(token.balanceOf(address(vault)), 5e18);
    }

    function test_deposit_reverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.AmountZero.selector));
        vault.deposit(0);
        vm.prank(alice);
        vm.expectRevert(); // no allowance
        vault.deposit(1);
        uint256 big = uint256(type(uint128).max) + 1;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.AmountTooLarge.selector, big));
        vault.deposit(big);
    }

    function test_withdrawal_fullCycle() public {
        _deposit(alice, 10e18);
        uint64 due = uint64(block.timestamp + UNBONDING);
        vm.expectEmit(address(vault));
        emit StakeVault.WithdrawalRequested(alice, 4e18, due);
        vm.prank(alice);
        vault.requestWithdrawal(4e18);
        assertEq(vault.stakeOf(alice), 6e18, "active no longer counts it");
        assertEq(vault.slashableStakeOf(alice), 10e18, "still slashable");
        (uint256 amount, uint64 withdrawableAt) = vault.unbondingOf(alice);
        assertEq(amount, 4e18);
        assertEq(withdrawableAt, due);

        vm.warp(due - 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.StillUnbonding.selector, due, due - 1));
        vault.completeWithdrawal(alice);

        vm.warp(due);
        vm.expectEmit(address(vault));
        emit StakeVault.Withdrawn(alice, bob, 4e18);
        vm.prank(alice);
        assertEq(vault.completeWithdrawal(bob), 4e18);
        assertEq(token.balanceOf(bob), 4e18);
        assertEq(vault.slashableStakeOf(alice), 6e18);
        assertEq(vault.totalUnbonding(), 0);
    }

    function test_withdrawal_secondRequestRestartsClock() public {
        _deposit(alice, 10e18);
        vm.prank(alice);
        vault.requestWithdrawal(1e18);
        vm.warp(block.timestamp + 5 days);
        vm.prank(alice);
        vault.requestWithdrawal(1e18);
        (uint256 amount, uint64 due) = vault.unbondingOf(alice);
        assertEq(amount, 2e18);
        assertEq(due, block.timestamp + UNBONDING);
    }

    function test_withdrawal_reverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.AmountZero.selector));
        vault.requestWithdrawal(0);
        _deposit(alice, 1e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.InsufficientActiveStake.selector, 2e18, 1e18));
        vault.requestWithdrawal(2e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.NothingUnbonding.selector, alice));
        vault.completeWithdrawal(alice);
    }

    // ------------------------------------------------------------------ slashing

    function test_slash_onlySlasher() public {
        _deposit(alice, 1e18);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.NotSlasher.selector, address(this)));
        vault.slash(alice, 1, sink);
        StakeVault unwired = new StakeVault(token, UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.NotSlasher.selector, address(this)));
        unwired.slash(alice, 1, sink);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.BeneficiaryZero.selector));
        slasher.slash(alice, 1, address(0));
    }

    function test_slash_activeFirstThenUnbonding() public {
        _deposit(alice, 10e18);
        vm.prank(alice);
        vault.requestWithdrawal(6e18); // 4 active, 6 unbonding
        vm.expectEmit(address(vault));
        emit IStakeSource.Slashed(alice, 3e18, sink);
        assertEq(slasher.slash(alice, 3e18, sink), 3e18);
        assertEq(vault.stakeOf(alice), 1e18);
        (uint256 unbonding,) = vault.unbondingOf(alice);
        assertEq(unbonding, 6e18);
        assertEq(slasher.slash(alice, 4e18, sink), 4e18);
        assertEq(vault.stakeOf(alice), 0);
        (unbonding,) = vault.unbondingOf(alice);
        assertEq(unbonding, 3e18);
        assertEq(token.balanceOf(sink), 7e18);
        // Capped at what is left.
        assertEq(slasher.slash(alice, 100e18, sink), 3e18);
        assertEq(vault.slashableStakeOf(alice), 0);
        assertEq(slasher.slash(alice, 1, sink), 0);
    }

    /// Slashed unbonding stake is not withdrawn afterwards: the withdrawal pays only what is left.
    function test_slash_unbondingNeverWithdrawable() public {
        _deposit(alice, 10e18);
        vm.prank(alice);
        vault.requestWithdrawal(10e18);
        slasher.slash(alice, 7e18, sink);
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(alice);
        assertEq(vault.completeWithdrawal(alice), 3e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(StakeVault.NothingUnbonding.selector, alice));
        vault.completeWithdrawal(alice);
        assertEq(token.balanceOf(address(vault)), 0);
    }

    function test_slash_doesNotTouchOthers() public {
        _deposit(alice, 10e18);
        _deposit(bob, 10e18);
        slasher.slash(alice, 100e18, sink);
        assertEq(vault.slashableStakeOf(bob), 10e18);
        assertEq(vault.totalSlashable(), 10e18);
    }

    // ------------------------------------------------------------------ fuzz

    function testFuzz_slash_split(uint96 active, uint96 unbonding, uint96 amount) public {
        uint256 total = uint256(active) + unbonding;
        vm.assume(total > 0);
        _deposit(alice, total);
        if (unbonding > 0) {
            vm.prank(alice);
            vault.requestWithdrawal(unbonding);
        }
        uint256 slashed = slasher.slash(alice, amount, sink);
        uint256 expected = amount < total ? amount : total;
        assertEq(slashed, expected);
        uint256 fromActive = amount < active ? amount : active;
        assertEq(vault.stakeOf(alice), active - fromActive);
        assertEq(vault.slashableStakeOf(alice), total - expected);
        assertEq(token.balanceOf(address(vault)), vault.totalActive() + vault.totalUnbonding());
    }
}
