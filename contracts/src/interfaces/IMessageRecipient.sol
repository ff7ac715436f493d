// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice What a Mailbox calls to deliver a message; the only call it ever makes on delivery.
interface IMessageRecipient {
    /// @param origin Domain the message was dispatched on.
    /// @param sender The dispatching account on `origin` (an EVM address is left-padded).
    /// @param body The message body.
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external;
}
