// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title RollupTypes
/// @notice The types the rollup registry and the state commitment chain share (ADR 0005).
library RollupTypes {
    /// @notice The execution environment of a rollup (`RollupConfig.vm`).
    enum Vm {
        Evm,
        Wasm
    }

    /// @notice The rollup framework (`RollupConfig.stack`).
    enum Stack {
        Op,
        Arbitrum,
        Zk
    }

    /// @notice Where the rollup publishes its data (`RollupConfig.da`).
    enum DataAvailability {
        EthereumCalldata,
        EthereumBlobs,
        Celestia,
        EigenDa
    }

    /// @notice How a commitment becomes final (`RollupConfig.finality`): by a restaked quorum's
    /// attestation, by surviving its challenge window, or by whichever comes first.
    enum FinalityMode {
        Restaked,
        Optimistic,
        Both
    }

    /// @notice Lifecycle of a rollup. `Closing` stops rent from accruing and waits for a final
    /// commitment proposed at or after the close; `Closed` freezes the commitment chain.
    enum State {
        None,
        Active,
        Closing,
        Closed
    }

    /// @notice Lifecycle of a state commitment.
    enum CommitmentStatus {
        None,
        Pending,
        Final,
        Removed
    }

    /// @notice What `createRollup` takes. The enum-like fields are `uint8` so that an out-of-range
    /// value is refused with a named error instead of an ABI-decoding failure.
    struct RollupConfig {
        /// @dev A `Vm` value.
        uint8 vm;
        /// @dev A `Stack` value.
        uint8 stack;
        /// @dev A `DataAvailability` value.
        uint8 da;
        /// @dev A `FinalityMode` value.
        uint8 finality;
        /// @dev Seconds a commitment waits before `finalize` (optimistic modes); 0 for `Restaked`.
        uint64 challengeWindow;
        /// @dev Share of the hub set's weight an attestation or a challenge must carry (bps). The
        /// hub set's own threshold applies too; the stricter one wins.
        uint16 thresholdBps;
        /// @dev Distinct hub operators an attestation or a challenge must carry (besides the set's own minimum).
        uint16 minSigners;
        /// @dev Seconds of life paid for at creation.
        uint64 ttl;
        /// @dev The only account that may propose commitments.
        address proposer;
    }

    /// @notice A proposed state commitment, as stored (four slots).
    struct Commitment {
        uint32 rollup;
        uint64 l2Block;
        uint32 outboxIndex;
        uint64 proposedAt;
        CommitmentStatus status;
        bytes32 stateRoot;
        bytes32 blockHash;
        /// @dev Root of the rollup Mailbox's route tree to the hub domain (ADR 0005).
        bytes32 outboxRoot;
    }

    /// @notice What hub operators sign (EIP-712, under the hub registry's domain separator):
    /// `StateCommitment(uint32 rollup,uint64 l2Block,bytes32 stateRoot,bytes32 blockHash,bytes32 outboxRoot,uint32 outboxIndex,uint64 epoch)`.
    struct StateCommitment {
        uint32 rollup;
        uint64 l2Block;
        bytes32 stateRoot;
        bytes32 blockHash;
        bytes32 outboxRoot;
        uint32 outboxIndex;
        uint64 epoch;
    }

    bytes32 internal constant STATE_COMMITMENT_TYPEHASH = keccak256(
        "StateCommitment(uint32 rollup,uint64 l2Block,bytes32 stateRoot,bytes32 blockHash,bytes32 outboxRoot,uint32 outboxIndex,uint64 epoch)"
    );

    /// @notice hashStruct(commitment).
    function structHash(StateCommitment memory c) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                STATE_COMMITMENT_TYPEHASH,
                c.rollup,
                c.l2Block,
                c.stateRoot,
                c.blockHash,
                c.outboxRoot,
                c.outboxIndex,
                c.epoch
            )
        );
    }

    /// @notice The signed form of a stored commitment for operator-set `epoch`.
    function toSigned(Commitment memory c, uint64 epoch) internal pure returns (StateCommitment memory) {
        return StateCommitment({
            rollup: c.rollup,
            l2Block: c.l2Block,
            stateRoot: c.stateRoot,
            blockHash: c.blockHash,
            outboxRoot: c.outboxRoot,
            outboxIndex: c.outboxIndex,
            epoch: epoch
        });
    }
}

/// @notice What the registry reads from the state commitment chain to close a rollup.
interface ICommitmentReader {
    /// @notice The stored commitment `id` (status `None` if it does not exist).
    function commitment(uint64 id) external view returns (RollupTypes.Commitment memory);

    /// @notice The final commitment of `rollup` with the highest l2Block (0 if none).
    function latestFinal(uint32 rollup) external view returns (uint64);
}
