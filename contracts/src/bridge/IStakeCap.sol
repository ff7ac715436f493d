// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The bound a `TokenBridge` puts on its value in flight (ADR 0005). The hub sets it to a
/// fraction of the operators' slashable stake, converted into the bridged token's units, so that
/// corrupting a quorum costs more than the value it could move before the fraud is slashed. On
/// other domains it is a contract the bridge owner points at (fed from the hub's figure).
interface IStakeCap {
    /// @notice Most value (in the bridged token's smallest units) that may be in flight at once.
    function valueCap() external view returns (uint256);
}
