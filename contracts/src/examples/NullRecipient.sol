// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IMessageRecipient} from "../interfaces/IMessageRecipient.sol";

/// @title NullRecipient
/// @notice Accepts every message and does nothing: what the gas benchmark delivers to, so its
/// numbers are the Mailbox's cost without any recipient's own work.
contract NullRecipient is IMessageRecipient {
    /// @inheritdoc IMessageRecipient
    function handle(uint32, bytes32, bytes calldata) external {}
}
