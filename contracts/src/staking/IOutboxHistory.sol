// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IOutboxHistory
/// @notice The hub Mailbox's route trees, current and historical, as the `RestakingRegistry` reads
/// them to prove a signed hub-chain checkpoint false.
/// @dev The Mailbox already has `outboxState`; `rootAt` needs its root history (the root and count
/// at the end of every block that dispatched on a route, written once per such block).
interface IOutboxHistory {
    /// @notice The root of the route tree to `destination` when it held `count` leaves, if `count`
    /// was its leaf count at the end of some block; zero otherwise (also when `count` is not
    /// reached yet).
    function rootAt(uint32 destination, uint256 count) external view returns (bytes32 root);

    /// @notice The current root and leaf count of the route tree to `destination`.
    function outboxState(uint32 destination) external view returns (bytes32 root, uint256 count);
}
