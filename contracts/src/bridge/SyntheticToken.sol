// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title SyntheticToken
/// @notice The token a synthetic `TokenBridge` route mints on arrival and burns on departure. Only
/// the bridge (fixed at deployment) mints or burns; its supply is backed one to one by collateral
/// locked on the origin domain.
contract SyntheticToken is ERC20 {
    /// @notice The bridge allowed to mint and burn.
    address public immutable minter;
    uint8 private immutable _decimals;

    error NotMinter(address caller);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address minter_) ERC20(name_, symbol_) {
        minter = minter_;
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns `amount` of `from`'s tokens; the bridge calls it for the account that asked to
    /// send them away.
    function burn(address from, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        _burn(from, amount);
    }
}
