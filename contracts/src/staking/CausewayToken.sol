// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title CausewayToken
/// @notice The devnet staking token: a plain ERC-20 whose whole supply is minted once, to the
/// deployer's chosen holder. There is no owner and no mint after construction, so the supply
/// operators stake against can never be inflated.
contract CausewayToken is ERC20 {
    /// @param holder Receives the whole supply (the devnet deployer, who hands it to operators).
    /// @param supply Total supply in base units (18 decimals).
    constructor(address holder, uint256 supply) ERC20("Causeway", "CWAY") {
        _mint(holder, supply);
    }
}
