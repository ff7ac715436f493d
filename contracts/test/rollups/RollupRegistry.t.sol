// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {EthRefuser, RollupFixture} from "./RollupFixture.sol";
import {RollupRegistry} from "../../src/rollups/RollupRegistry.sol";
import {ICommitmentReader, RollupTypes} from "../../src/rollups/RollupTypes.sol";

contract RollupRegistryTest is RollupFixture {
    // ------------------------------------------------------------------ constructor and admin

    function test_constructor_rejectsBadParams() public {
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.InvalidDomainRange.selector, 0, 5));
        new RollupRegistry(admin, 0, 5, RATE, treasury);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.InvalidDomainRange.selector, 9, 5));
        new RollupRegistry(admin, 9, 5, RATE, treasury);
        vm.expectRevert(RollupRegistry.ZeroAddress.selector);
        new RollupRegistry(admin, 1, 5, RATE, address(0));
        vm.expectRevert(RollupRegistry.RentUnset.selector);
        new RollupRegistry(admin, 1, 5, 0, treasury);
    }

    function test_admin_onlyOwner() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        registry.setRent(2);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        registry.setTreasury(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        registry.reserveDomain(FIRST_DOMAIN);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        registry.setCommitmentChain(scc);
        vm.stopPrank();
    }

    function test_admin_rejectsBadValues() public {
        vm.startPrank(admin);
        vm.expectRevert(RollupRegistry.RentUnset.selector);
        registry.setRent(0);
        vm.expectRevert(RollupRegistry.ZeroAddress.selector);
        registry.setTreasury(address(0));
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.CommitmentChainAlreadySet.selector, address(scc)));
        registry.setCommitmentChain(scc);
        RollupRegistry fresh = new RollupRegistry(admin, 1, 5, RATE, treasury);
        vm.expectRevert(RollupRegistry.ZeroAddress.selector);
        fresh.setCommitmentChain(ICommitmentReader(address(0)));
        registry.setRent(7);
        registry.setTreasury(stranger);
        vm.stopPrank();
        assertEq(uint256(registry.rentPerSecond()), 7);
        assertEq(registry.treasury(), stranger);
    }

    // ------------------------------------------------------------------ config validation

    function _expectCreateRevert(RollupTypes.RollupConfig memory c, bytes memory err) internal {
        vm.prank(rollupOwner);
        vm.expectRevert(err);
        registry.createRollup{value: 1000 ether}(c);
    }

    function test_create_rejectsEachInvalidField() public {
        RollupTypes.RollupConfig memory c = _config(RollupTypes.FinalityMode.Both);
        c.vm = 2;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidVm.selector, 2));
        c = _config(RollupTypes.FinalityMode.Both);
        c.stack = 3;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidStack.selector, 3));
        c = _config(RollupTypes.FinalityMode.Both);
        c.da = 4;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidDataAvailability.selector, 4));
        c = _config(RollupTypes.FinalityMode.Both);
        c.finality = 3;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidFinalityMode.selector, 3));
        c = _config(RollupTypes.FinalityMode.Restaked);
        c.challengeWindow = 1;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.ChallengeWindowNotApplicable.selector, 1));
        c = _config(RollupTypes.FinalityMode.Optimistic);
        c.challengeWindow = 1 hours - 1;
        _expectCreateRevert(
            c, abi.encodeWithSelector(RollupRegistry.InvalidChallengeWindow.selector, 1 hours - 1, 1 hours, 30 days)
        );
        c.challengeWindow = 30 days + 1;
        _expectCreateRevert(
            c, abi.encodeWithSelector(RollupRegistry.InvalidChallengeWindow.selector, 30 days + 1, 1 hours, 30 days)
        );
        c = _config(RollupTypes.FinalityMode.Both);
        c.thresholdBps = 6666;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidThreshold.selector, 6666, 6667, 10_000));
        c.thresholdBps = 10_001;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidThreshold.selector, 10_001, 6667, 10_000));
        c = _config(RollupTypes.FinalityMode.Both);
        c.minSigners = 0;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidMinSigners.selector, 0, 256));
        c.minSigners = 257;
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.InvalidMinSigners.selector, 257, 256));
        c = _config(RollupTypes.FinalityMode.Both);
        c.ttl = 1 hours - 1;
        _expectCreateRevert(
            c, abi.encodeWithSelector(RollupRegistry.InvalidTtl.selector, 1 hours - 1, 1 hours, 365 days)
        );
        c.ttl = 365 days + 1;
        _expectCreateRevert(
            c, abi.encodeWithSelector(RollupRegistry.InvalidTtl.selector, 365 days + 1, 1 hours, 365 days)
        );
        c = _config(RollupTypes.FinalityMode.Both);
        c.proposer = address(0);
        _expectCreateRevert(c, abi.encodeWithSelector(RollupRegistry.ZeroProposer.selector));
    }

    function test_create_acceptsEveryEnumValue() public {
        registry = new RollupRegistry(admin, 1, 100, RATE, treasury);
        for (uint8 v; v <= 1; ++v) {
            for (uint8 s; s <= 2; ++s) {
                for (uint8 d; d <= 3; ++d) {
                    RollupTypes.RollupConfig memory c = _config(RollupTypes.FinalityMode(d % 3));
                    c.vm = v;
                    c.stack = s;
                    c.da = d;
                    c.ttl = 1 hours;
                    vm.prank(rollupOwner);
                    registry.createRollup{value: uint256(RATE) * 1 hours}(c);
                }
            }
        }
        assertEq(uint256(registry.nextDomain()), 25, "24 rollups, ids 1..24");
    }

    function test_create_rejectsShortRent() public {
        uint256 rent = uint256(RATE) * TTL;
        vm.prank(rollupOwner);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.InsufficientRent.selector, rent - 1, rent));
        registry.createRollup{value: rent - 1}(_config(RollupTypes.FinalityMode.Both));
    }

    function test_create_refundsExcessAndStoresEverything() public {
        uint256 rent = uint256(RATE) * TTL;
        uint256 before = rollupOwner.balance;
        vm.prank(rollupOwner);
        uint32 rollup = registry.createRollup{value: rent + 5 ether}(_config(RollupTypes.FinalityMode.Both));
        assertEq(rollupOwner.balance, before - rent, "excess refunded");
        assertEq(address(registry).balance, rent);
        assertEq(uint256(rollup), uint256(FIRST_DOMAIN));
        assertEq(registry.ownerOf(rollup), rollupOwner);
        assertEq(registry.proposerOf(rollup), proposer);
        assertEq(uint256(registry.state(rollup)), uint256(RollupTypes.State.Active));
        RollupTypes.RollupConfig memory c = registry.rollupConfig(rollup);
        assertEq(uint256(c.finality), uint256(RollupTypes.FinalityMode.Both));
        assertEq(uint256(c.challengeWindow), WINDOW);
        RollupRegistry.Rollup memory r = registry.rollupInfo(rollup);
        assertEq(uint256(r.expiresAt), block.timestamp + TTL);
        assertEq(uint256(r.rentPaid), rent);
        assertEq(registry.refundIfClosedNow(rollup), rent);
    }

    function test_create_refundFailureReverts() public {
        EthRefuser refuser = new EthRefuser();
        uint256 rent = uint256(RATE) * TTL;
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.RefundFailed.selector, address(refuser), 1));
        refuser.create{value: rent + 1}(registry, _config(RollupTypes.FinalityMode.Both));
        // Exact rent needs no refund, so a refusing owner can still create.
        refuser.create{value: rent}(registry, _config(RollupTypes.FinalityMode.Both));
    }

    // ------------------------------------------------------------------ domains

    function test_domains_sequentialSkipReservedAndExhaust() public {
        vm.startPrank(admin);
        registry.reserveDomain(FIRST_DOMAIN + 1);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.DomainOutOfRange.selector, FIRST_DOMAIN - 1));
        registry.reserveDomain(FIRST_DOMAIN - 1);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.DomainOutOfRange.selector, LAST_DOMAIN + 1));
        registry.reserveDomain(LAST_DOMAIN + 1);
        vm.stopPrank();
        uint32 a = _create(RollupTypes.FinalityMode.Both);
        uint32 b = _create(RollupTypes.FinalityMode.Both);
        assertEq(uint256(a), FIRST_DOMAIN);
        assertEq(uint256(b), FIRST_DOMAIN + 2, "reserved id skipped");
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.DomainAlreadyAssigned.selector, a));
        registry.reserveDomain(a);
        for (uint256 i = FIRST_DOMAIN + 3; i <= LAST_DOMAIN; ++i) {
            _create(RollupTypes.FinalityMode.Both);
        }
        vm.prank(rollupOwner);
        vm.expectRevert(RollupRegistry.DomainsExhausted.selector);
        registry.createRollup{value: uint256(RATE) * TTL}(_config(RollupTypes.FinalityMode.Both));
    }

    function test_domains_rangeMayEndAtMaxUint32() public {
        RollupRegistry r = new RollupRegistry(admin, type(uint32).max, type(uint32).max, RATE, treasury);
        vm.prank(rollupOwner);
        uint32 d = r.createRollup{value: uint256(RATE) * TTL}(_config(RollupTypes.FinalityMode.Both));
        assertEq(uint256(d), type(uint32).max);
        vm.prank(rollupOwner);
        vm.expectRevert(RollupRegistry.DomainsExhausted.selector);
        r.createRollup{value: uint256(RATE) * TTL}(_config(RollupTypes.FinalityMode.Both));
    }

    // ------------------------------------------------------------------ extend

    function test_extend() public {
        uint32 rollup = _create(RollupTypes.FinalityMode.Both);
        uint64 expiresAt = registry.rollupInfo(rollup).expiresAt;
        uint256 before = rollupOwner.balance;
        vm.prank(rollupOwner);
        registry.extend{value: uint256(RATE) * 10 days + 3}(rollup, 10 days);
        assertEq(uint256(registry.rollupInfo(rollup).expiresAt), uint256(expiresAt) + 10 days);
        assertEq(rollupOwner.balance, before - uint256(RATE) * 10 days, "excess refunded");
        assertEq(uint256(registry.rollupInfo(rollup).rentPaid), uint256(RATE) * 40 days);
    }

    function test_extend_reverts() public {
        vm.prank(rollupOwner);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.UnknownRollup.selector, 7));
        registry.extend(7, 1 days);
        uint32 rollup = _create(RollupTypes.FinalityMode.Both);
        vm.deal(stranger, 10 ether);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.NotRollupOwner.selector, rollup, stranger));
        registry.extend{value: 1 ether}(rollup, 1 days);
        vm.startPrank(rollupOwner);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.InvalidTtl.selector, 0, 1, 365 days - 30 days));
        registry.extend{value: 1 ether}(rollup, 0);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.InvalidTtl.selector, 335 days + 1, 1, 365 days - 30 days));
        registry.extend{value: 100 ether}(rollup, 335 days + 1);
        uint256 rent = uint256(RATE) * 1 days;
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.InsufficientRent.selector, rent - 1, rent));
        registry.extend{value: rent - 1}(rollup, 1 days);
        vm.warp(block.timestamp + TTL);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.RollupExpired.selector, rollup, uint64(block.timestamp)));
        registry.extend{value: rent}(rollup, 1 days);
        registry.closeRollup(rollup);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.WrongState.selector, rollup, RollupTypes.State.Closing));
        registry.extend{value: rent}(rollup, 1 days);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ close

    function test_close_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.UnknownRollup.selector, 9));
        registry.closeRollup(9);
        uint32 rollup = _create(RollupTypes.FinalityMode.Both);
        uint64 expiresAt = registry.rollupInfo(rollup).expiresAt;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.NotExpired.selector, rollup, expiresAt));
        registry.closeRollup(rollup);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.WrongState.selector, rollup, RollupTypes.State.Active));
        registry.completeClose(rollup, 1);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.UnknownRollup.selector, 9));
        registry.completeClose(9, 1);
        // Anyone may close once expired; not twice.
        vm.warp(expiresAt);
        vm.prank(stranger);
        registry.closeRollup(rollup);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.WrongState.selector, rollup, RollupTypes.State.Closing));
        registry.closeRollup(rollup);
        assertEq(registry.refundIfClosedNow(rollup), 0, "expired: nothing to refund");
    }

    function test_completeClose_needsCommitmentChain() public {
        RollupRegistry r = new RollupRegistry(admin, FIRST_DOMAIN, LAST_DOMAIN, RATE, treasury);
        vm.startPrank(rollupOwner);
        uint32 rollup = r.createRollup{value: uint256(RATE) * TTL}(_config(RollupTypes.FinalityMode.Both));
        r.closeRollup(rollup);
        vm.stopPrank();
        vm.expectRevert(RollupRegistry.CommitmentChainUnset.selector);
        r.completeClose(rollup, 1);
    }

    function test_withdraw_nothing() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(RollupRegistry.NothingToWithdraw.selector, stranger));
        registry.withdraw();
    }

    function testFuzz_rentAndRefundConserveEth(uint64 ttl, uint64 closeAfter, uint96 excess) public {
        ttl = uint64(bound(ttl, 1 hours, 3 days)); // the operator set stays fresh (7 days)
        closeAfter = uint64(bound(closeAfter, 0, uint256(ttl) * 2));
        RollupTypes.RollupConfig memory c = _config(RollupTypes.FinalityMode.Restaked);
        c.ttl = ttl;
        uint256 rent = uint256(RATE) * ttl;
        vm.deal(rollupOwner, rent + excess);
        vm.prank(rollupOwner);
        uint32 rollup = registry.createRollup{value: rent + excess}(c);
        assertEq(rollupOwner.balance, excess);
        vm.prank(proposer);
        scc.depositBond{value: BOND}(rollup);
        vm.warp(block.timestamp + closeAfter);
        vm.prank(rollupOwner);
        registry.closeRollup(rollup);
        uint64 id = _propose(rollup, 1, bytes32(uint256(1)), 0);
        _attest(id);
        registry.completeClose(rollup, id);
        uint256 unused = closeAfter >= ttl ? 0 : uint256(RATE) * (ttl - closeAfter);
        assertEq(registry.credit(rollupOwner), unused);
        assertEq(registry.credit(treasury), rent - unused);
        assertEq(registry.credit(rollupOwner) + registry.credit(treasury), address(registry).balance);
    }
}
