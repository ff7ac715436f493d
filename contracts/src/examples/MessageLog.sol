// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IMessageRecipient} from "../interfaces/IMessageRecipient.sol";

/// @title MessageLog
/// @notice The simplest recipient: accepts messages from its Mailbox only and records them. Used
/// by the devnet demo and the end-to-end tests to show a message arrived.
contract MessageLog is IMessageRecipient {
    /// @notice The only caller `handle` accepts.
    address public immutable mailbox;
    /// @notice Messages received so far.
    uint256 public received;
    /// @notice keccak256 of the last body received.
    bytes32 public lastBodyHash;

    event Received(uint32 indexed origin, bytes32 indexed sender, bytes body);

    error NotMailbox(address caller);

    constructor(address mailbox_) {
        mailbox = mailbox_;
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external {
        if (msg.sender != mailbox) revert NotMailbox(msg.sender);
        unchecked {
            ++received;
        }
        lastBodyHash = keccak256(body);
        emit Received(origin, sender, body);
    }
}
