// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title CheckpointLib
/// @notice EIP-712 hashing of checkpoints, identical to `causeway_core`:
///
///     Checkpoint(uint32 origin,bytes32 outbox,bytes32 root,uint32 index,uint64 epoch)
///     domain: name "Causeway", version "1", chainId = the hub chain, verifyingContract = the hub's
///     RestakingRegistry
///
/// `index = count - 1` of the outbox tree whose root is `root`. The domain names the *hub*
/// deployment, not the chain the verifier runs on: a signature is valid for exactly one Causeway
/// deployment, and the same signature is checked on every destination.
library CheckpointLib {
    struct Checkpoint {
        uint32 origin;
        bytes32 outbox;
        bytes32 root;
        uint32 index;
        uint64 epoch;
    }

    bytes32 internal constant CHECKPOINT_TYPEHASH =
        keccak256("Checkpoint(uint32 origin,bytes32 outbox,bytes32 root,uint32 index,uint64 epoch)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Causeway");
    bytes32 internal constant VERSION_HASH = keccak256("1");

    /// @notice The EIP-712 domain separator of the deployment whose registry is
    /// `verifyingContract` on hub chain `chainId`.
    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chainId, verifyingContract));
    }

    /// @notice hashStruct(checkpoint).
    function structHash(Checkpoint memory c) internal pure returns (bytes32) {
        return keccak256(abi.encode(CHECKPOINT_TYPEHASH, c.origin, c.outbox, c.root, c.index, c.epoch));
    }

    /// @notice hashStruct of a checkpoint in calldata, hashed in scratch memory (hot path).
    function structHashCalldata(Checkpoint calldata c) internal pure returns (bytes32 h) {
        uint32 originDomain = c.origin;
        bytes32 outbox = c.outbox;
        bytes32 root_ = c.root;
        uint32 index = c.index;
        uint64 epoch = c.epoch;
        bytes32 typeHash = CHECKPOINT_TYPEHASH;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, typeHash)
            mstore(add(p, 0x20), originDomain)
            mstore(add(p, 0x40), outbox)
            mstore(add(p, 0x60), root_)
            mstore(add(p, 0x80), index)
            mstore(add(p, 0xa0), epoch)
            h := keccak256(p, 0xc0)
        }
    }

    /// @notice The digest operators sign: keccak256(0x1901 ‖ domainSeparator ‖ structHash).
    function digest(bytes32 separator, bytes32 hashOfStruct) internal pure returns (bytes32 d) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, hex"1901")
            mstore(add(p, 0x02), separator)
            mstore(add(p, 0x22), hashOfStruct)
            d := keccak256(p, 0x42)
        }
    }
}
