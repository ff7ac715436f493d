// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IStakeSlasher, IStakeSource} from "./IStakeSource.sol";

/// @title StakeVault
/// @notice Holds operators' staking tokens as slashable collateral for the `RestakingRegistry`.
///
/// An account's stake is either *active* (counted as weight by the registry at the next epoch
/// boundary) or *unbonding* (requested for withdrawal: no longer counted, still slashable). A
/// withdrawal completes only `unbondingPeriod` after its last request, and the period must exceed
/// the registry's `maxStaleness` plus one epoch: every set that counted the stake can verify
/// checkpoints only while the stake is still here to be slashed, with at least one epoch to spare
/// for a watchtower to submit evidence.
///
/// Slashing takes active stake first, then unbonding stake, and sends it out at once: slashed
/// stake is never part of any balance an account can withdraw.
///
/// Invariant: `totalActive + totalUnbonding` equals the tokens this vault received through
/// `deposit` minus what left through `completeWithdrawal` and `slash` (tokens sent here directly
/// are not stake and can never leave).
contract StakeVault is IStakeSource {
    using SafeERC20 for IERC20;

    struct Account {
        uint128 active;
        uint128 unbonding;
        /// @dev Unbonding stake can leave from this time on (0 = nothing requested).
        uint64 withdrawableAt;
    }

    /// @notice The staking token.
    IERC20 public immutable token;
    /// @inheritdoc IStakeSource
    uint256 public immutable unbondingPeriod;
    /// @notice The only address that may wire the vault to its registry, once.
    address public immutable deployer;

    /// @inheritdoc IStakeSource
    address public slasher;

    /// @notice Sum of all accounts' active stake.
    uint256 public totalActive;
    /// @notice Sum of all accounts' unbonding stake.
    uint256 public totalUnbonding;

    mapping(address account => Account) internal _accounts;

    event Deposited(address indexed account, uint256 amount);
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 withdrawableAt);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    event SlasherSet(address indexed slasher);

    error TokenZero();
    error UnbondingPeriodZero();
    error AmountZero();
    error AmountTooLarge(uint256 amount);
    error InsufficientActiveStake(uint256 requested, uint256 active);
    error NothingUnbonding(address account);
    error StillUnbonding(uint64 withdrawableAt, uint256 nowTimestamp);
    error NotDeployer(address caller);
    error SlasherAlreadySet(address slasher);
    /// @notice The registry's sets stay usable for `required` seconds (maxStaleness + one epoch),
    /// at least as long as the unbonding period: stake could leave before evidence arrives.
    error UnbondingTooShort(uint256 unbondingPeriod, uint256 required);
    /// @notice The registry does not read its stake from this vault.
    error RegistryUsesOtherSource(address source);
    error NotSlasher(address caller);
    error BeneficiaryZero();

    /// @param token_ The staking token.
    /// @param unbondingPeriod_ Seconds from a withdrawal request to its completion; checked against
    /// the registry when it is wired (`setSlasher`).
    constructor(IERC20 token_, uint256 unbondingPeriod_) {
        if (address(token_) == address(0)) revert TokenZero();
        if (unbondingPeriod_ == 0) revert UnbondingPeriodZero();
        token = token_;
        unbondingPeriod = unbondingPeriod_;
        deployer = msg.sender;
    }

    // ================================================================== wiring

    /// @notice Makes `registry` the only slasher, once. Reverts unless the registry reads its stake
    /// from this vault and the unbonding period exceeds its `maxStaleness + epochLength`.
    function setSlasher(IStakeSlasher registry) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (slasher != address(0)) revert SlasherAlreadySet(slasher);
        address source = address(registry.stakeSource());
        if (source != address(this)) revert RegistryUsesOtherSource(source);
        uint256 required = registry.maxStaleness() + registry.epochLength();
        if (unbondingPeriod <= required) revert UnbondingTooShort(unbondingPeriod, required);
        slasher = address(registry);
        emit SlasherSet(address(registry));
    }

    // ================================================================== operators

    /// @notice Adds `amount` tokens (approved beforehand) to the caller's active stake.
    function deposit(uint256 amount) external {
        if (amount == 0) revert AmountZero();
        Account storage a = _accounts[msg.sender];
        uint256 active = uint256(a.active) + amount;
        if (active > type(uint128).max) revert AmountTooLarge(amount);
        a.active = uint128(active);
        totalActive += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Moves `amount` of the caller's active stake to unbonding. It stops counting at the
    /// next epoch boundary, stays slashable, and can leave `unbondingPeriod` from now; a further
    /// request adds to it and restarts the clock for the whole unbonding amount.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert AmountZero();
        Account storage a = _accounts[msg.sender];
        uint256 active = a.active;
        if (amount > active) revert InsufficientActiveStake(amount, active);
        uint64 withdrawableAt = uint64(block.timestamp + unbondingPeriod);
        unchecked {
            a.active = uint128(active - amount);
        }
        a.unbonding += uint128(amount); // active + unbonding <= uint128 max (checked at deposit)
        a.withdrawableAt = withdrawableAt;
        totalActive -= amount;
        totalUnbonding += amount;
        emit WithdrawalRequested(msg.sender, amount, withdrawableAt);
    }

    /// @notice Sends the caller's unbonding stake (what slashing left of it) to `to`, once the
    /// unbonding period has passed.
    function completeWithdrawal(address to) external returns (uint256 amount) {
        Account storage a = _accounts[msg.sender];
        amount = a.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        uint64 withdrawableAt = a.withdrawableAt;
        if (block.timestamp < withdrawableAt) revert StillUnbonding(withdrawableAt, block.timestamp);
        a.unbonding = 0;
        a.withdrawableAt = 0;
        totalUnbonding -= amount;
        token.safeTransfer(to, amount);
        emit Withdrawn(msg.sender, to, amount);
    }

    // ================================================================== slashing

    /// @inheritdoc IStakeSource
    function slash(address operator, uint256 amount, address beneficiary) external returns (uint256 slashed) {
        if (msg.sender != slasher) revert NotSlasher(msg.sender); // slasher 0: nobody (msg.sender != 0)
        if (beneficiary == address(0)) revert BeneficiaryZero();
        Account storage a = _accounts[operator];
        uint256 active = a.active;
        uint256 unbonding = a.unbonding;
        uint256 fromActive = amount < active ? amount : active;
        uint256 rest = amount - fromActive;
        uint256 fromUnbonding = rest < unbonding ? rest : unbonding;
        unchecked {
            a.active = uint128(active - fromActive);
            a.unbonding = uint128(unbonding - fromUnbonding);
            totalActive -= fromActive; // each account's stake is part of the totals
            totalUnbonding -= fromUnbonding;
            slashed = fromActive + fromUnbonding;
        }
        if (slashed != 0) {
            token.safeTransfer(beneficiary, slashed);
            emit Slashed(operator, slashed, beneficiary);
        }
    }

    // ================================================================== views

    /// @inheritdoc IStakeSource
    function stakeOf(address operator) external view returns (uint256) {
        return _accounts[operator].active;
    }

    /// @inheritdoc IStakeSource
    function slashableStakeOf(address operator) external view returns (uint256) {
        Account storage a = _accounts[operator];
        return uint256(a.active) + a.unbonding;
    }

    /// @inheritdoc IStakeSource
    function unbondingOf(address operator) external view returns (uint256 amount, uint64 withdrawableAt) {
        Account storage a = _accounts[operator];
        return (a.unbonding, a.withdrawableAt);
    }

    /// @notice Total stake that slashing can still reach (what the bridge's value-in-flight cap is
    /// measured against).
    function totalSlashable() external view returns (uint256) {
        return totalActive + totalUnbonding;
    }
}
