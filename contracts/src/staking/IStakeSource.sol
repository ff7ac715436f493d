// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IStakeSource
/// @notice Where the `RestakingRegistry` reads an operator's collateral and takes it when slashing.
/// @dev `StakeVault` implements it with the staking token; an EigenLayer-style allocation source
/// (stake allocated to this service, slashed through the allocation manager) can replace it
/// without touching the registry. Operators are identified by their *staking account*, not by
/// their signing key. Rules every implementation must keep:
/// - `stakeOf` is what counts as voting weight; stake that is unbonding never counts.
/// - stake leaves the source only after `unbondingPeriod`, and stays slashable until it has left;
/// - only `slasher()` may call `slash`, and slashed stake is never returned to the operator.
interface IStakeSource {
    /// @notice `amount` of `operator`'s stake was taken and sent to `beneficiary`.
    event Slashed(address indexed operator, uint256 amount, address indexed beneficiary);

    /// @notice Active stake of `operator`: what the registry counts as its weight.
    function stakeOf(address operator) external view returns (uint256);

    /// @notice Everything `slash` can still take from `operator`: active plus unbonding stake.
    function slashableStakeOf(address operator) external view returns (uint256);

    /// @notice Stake of `operator` on its way out, and the time from which it can leave.
    function unbondingOf(address operator) external view returns (uint256 amount, uint64 withdrawableAt);

    /// @notice Seconds between a withdrawal request and the earliest moment the stake can leave.
    function unbondingPeriod() external view returns (uint256);

    /// @notice The only address allowed to call `slash` (the registry); zero until wired.
    function slasher() external view returns (address);

    /// @notice Takes up to `amount` of `operator`'s stake, active stake first, then unbonding
    /// stake, and sends it to `beneficiary`. Only `slasher()` may call it.
    /// @return slashed What was actually taken (less than `amount` if the stake ran out).
    function slash(address operator, uint256 amount, address beneficiary) external returns (uint256 slashed);
}

/// @notice What a stake source needs to know about the registry it is wired to, to check that
/// its unbonding period outlasts every checkpoint the registry's sets can verify.
interface IStakeSlasher {
    function stakeSource() external view returns (IStakeSource);
    function maxStaleness() external view returns (uint256);
    function epochLength() external view returns (uint256);
}
