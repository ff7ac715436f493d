// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IOutboxHistory
/// @notice The hub Mailbox's route trees, current and past, as the `RestakingRegistry` reads them
/// to prove a signed hub-chain checkpoint false. The `Mailbox` implements it.
/// @dev No root history is stored (ADR 0003 §4): a past root is recomputed from today's tree, given
/// the last leaf it covered and that leaf's branch in the current tree.
interface IOutboxHistory {
    /// @notice The root of the route tree to `destination` when it held `count` leaves: what an
    /// honest checkpoint with `index = count - 1` signs. Zero when `count` is 0 or the route has
    /// not reached `count` leaves yet (`lastLeaf` and `branch` are then ignored). Otherwise
    /// `lastLeaf` must be leaf `count - 1` and `branch` its 32 siblings in the current tree, and
    /// the call reverts if they do not prove it against the current root.
    function rootAt(uint32 destination, uint256 count, bytes32 lastLeaf, bytes32[32] calldata branch)
        external
        view
        returns (bytes32 root);

    /// @notice The current root and leaf count of the route tree to `destination`.
    function outboxState(uint32 destination) external view returns (bytes32 root, uint256 count);
}
