// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "./base/Test.sol";
import {CheckpointLib} from "../src/libs/CheckpointLib.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

contract CheckpointHarness {
    function structHashCalldata(CheckpointLib.Checkpoint calldata c) external pure returns (bytes32) {
        return CheckpointLib.structHashCalldata(c);
    }
}

contract CheckpointLibTest is Test {
    CheckpointHarness internal h;

    function setUp() public {
        h = new CheckpointHarness();
    }

    function test_typeHashes() public pure {
        assertEq(
            CheckpointLib.CHECKPOINT_TYPEHASH,
            keccak256(bytes("Checkpoint(uint32 origin,bytes32 outbox,bytes32 root,uint32 index,uint64 epoch)"))
        );
        assertEq(
            CheckpointLib.DOMAIN_TYPEHASH,
            keccak256(bytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
        );
    }

    function testFuzz_domainSeparator(uint256 chainId, address registry) public pure {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes("Causeway")),
                keccak256(bytes("1")),
                chainId,
                registry
            )
        );
        assertEq(CheckpointLib.domainSeparator(chainId, registry), expected);
    }

    function testFuzz_structHashCalldataMatchesMemory(
        uint32 origin,
        bytes32 outbox,
        bytes32 root,
        uint32 index,
        uint64 epoch
    ) public view {
        CheckpointLib.Checkpoint memory c = CheckpointLib.Checkpoint(origin, outbox, root, index, epoch);
        bytes32 expected = keccak256(abi.encode(CheckpointLib.CHECKPOINT_TYPEHASH, origin, outbox, root, index, epoch));
        assertEq(CheckpointLib.structHash(c), expected);
        assertEq(h.structHashCalldata(c), expected);
    }

    /// @dev Cross-check against OpenZeppelin's EIP-712 implementation.
    function testFuzz_digestMatchesOpenZeppelin(bytes32 separator, bytes32 structHash) public pure {
        assertEq(CheckpointLib.digest(separator, structHash), MessageHashUtils.toTypedDataHash(separator, structHash));
    }

    /// @dev The digest does not disturb memory the caller holds.
    function test_digestLeavesMemoryIntact() public pure {
        bytes memory before = abi.encodePacked(bytes32(uint256(1)), bytes32(uint256(2)));
        CheckpointLib.digest(bytes32(uint256(3)), bytes32(uint256(4)));
        assertEq(before, abi.encodePacked(bytes32(uint256(1)), bytes32(uint256(2))));
    }
}
