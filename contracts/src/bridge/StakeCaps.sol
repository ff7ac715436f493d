// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IStakeCap} from "./IStakeCap.sol";

/// @notice The part of `StakeVault` a cap reads.
interface ISlashableStake {
    function totalSlashable() external view returns (uint256);
}

/// @title VaultStakeCap
/// @notice The hub's value-in-flight cap: a fixed share of the stake slashing can still reach, so
/// the value a corrupt quorum could move at once never exceeds what it would lose (cost of
/// corruption above value at risk). Read live: a slash or an exit lowers the cap at once.
contract VaultStakeCap is IStakeCap {
    uint256 internal constant BPS = 10_000;

    ISlashableStake public immutable vault;
    /// @notice Share of slashable stake allowed in flight, in basis points (1..=10,000).
    uint16 public immutable shareBps;

    error InvalidShare(uint16 shareBps);
    error VaultZero();

    constructor(ISlashableStake vault_, uint16 shareBps_) {
        if (address(vault_) == address(0)) revert VaultZero();
        if (shareBps_ == 0 || shareBps_ > BPS) revert InvalidShare(shareBps_);
        vault = vault_;
        shareBps = shareBps_;
    }

    /// @inheritdoc IStakeCap
    function valueCap() external view returns (uint256) {
        return vault.totalSlashable() * shareBps / BPS;
    }
}

/// @title ManagedStakeCap
/// @notice The cap on a domain without a stake vault: a value its owner sets from the hub's
/// `VaultStakeCap` (by the deployment's operator process). `maxCap`, fixed at deployment, bounds
/// what the owner can set, so a compromised owner key cannot lift the cap without limit.
contract ManagedStakeCap is IStakeCap, Ownable2Step {
    /// @notice The current cap.
    uint256 public cap;
    /// @notice Upper bound fixed at deployment (e.g. the hub's cap at launch times a margin).
    uint256 public immutable maxCap;

    event CapSet(uint256 cap);

    error CapAboveMax(uint256 cap, uint256 maxCap);

    constructor(address owner_, uint256 cap_, uint256 maxCap_) Ownable(owner_) {
        maxCap = maxCap_;
        _set(cap_);
    }

    /// @inheritdoc IStakeCap
    function valueCap() external view returns (uint256) {
        return cap;
    }

    function setCap(uint256 cap_) external onlyOwner {
        _set(cap_);
    }

    function _set(uint256 cap_) internal {
        if (cap_ > maxCap) revert CapAboveMax(cap_, maxCap);
        cap = cap_;
        emit CapSet(cap_);
    }
}
