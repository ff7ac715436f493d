// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "../base/Test.sol";
import {ISlashableStake, ManagedStakeCap, VaultStakeCap} from "../../src/bridge/StakeCaps.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract FakeVault is ISlashableStake {
    uint256 public totalSlashable;

    function set(uint256 v) external {
        totalSlashable = v;
    }
}

contract StakeCapsTest is Test {
    function test_vaultCap_followsSlashableStake() public {
        FakeVault vault = new FakeVault();
        VaultStakeCap cap = new VaultStakeCap(vault, 2500);
        vault.set(1000 ether);
        assertEq(cap.valueCap(), 250 ether);
        // a slash or an exit lowers the cap at once
        vault.set(400 ether);
        assertEq(cap.valueCap(), 100 ether);
    }

    function test_vaultCap_rejectsBadShareAndZeroVault() public {
        FakeVault vault = new FakeVault();
        vm.expectRevert(abi.encodeWithSelector(VaultStakeCap.InvalidShare.selector, uint16(0)));
        new VaultStakeCap(vault, 0);
        vm.expectRevert(abi.encodeWithSelector(VaultStakeCap.InvalidShare.selector, uint16(10_001)));
        new VaultStakeCap(vault, 10_001);
        vm.expectRevert(VaultStakeCap.VaultZero.selector);
        new VaultStakeCap(ISlashableStake(address(0)), 100);
    }

    function testFuzz_vaultCap_neverAboveShare(uint128 slashable, uint16 share) public {
        vm.assume(share > 0 && share <= 10_000);
        FakeVault vault = new FakeVault();
        vault.set(slashable);
        VaultStakeCap cap = new VaultStakeCap(vault, share);
        assertTrue(cap.valueCap() * 10_000 <= uint256(slashable) * share);
    }

    function test_managedCap_ownerSetsWithinMax() public {
        ManagedStakeCap cap = new ManagedStakeCap(address(this), 10, 100);
        assertEq(cap.valueCap(), 10);
        cap.setCap(100);
        assertEq(cap.valueCap(), 100);
        vm.expectRevert(abi.encodeWithSelector(ManagedStakeCap.CapAboveMax.selector, uint256(101), uint256(100)));
        cap.setCap(101);
        vm.expectRevert(abi.encodeWithSelector(ManagedStakeCap.CapAboveMax.selector, uint256(200), uint256(100)));
        new ManagedStakeCap(address(this), 200, 100);
    }

    function test_managedCap_onlyOwner() public {
        ManagedStakeCap cap = new ManagedStakeCap(address(this), 10, 100);
        vm.prank(address(0xbad));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(0xbad)));
        cap.setCap(50);
    }
}
