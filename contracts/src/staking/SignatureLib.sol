// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumLib} from "../libs/QuorumLib.sol";

/// @title SignatureLib
/// @notice Recovers the signer of one 65-byte `r ‖ s ‖ v` signature with the same rules as the
/// quorum check (`QuorumLib`): exactly 65 bytes, `v` in {27, 28}, low `s`, signer not zero. Used
/// for slashing evidence, so a signature that no verifier would accept is no evidence either, and
/// the malleable twin of a signature is never a second piece of evidence.
library SignatureLib {
    uint256 internal constant SIGNATURE_LENGTH = 65;

    function recover(bytes32 digest, bytes calldata signature) internal view returns (address signer) {
        if (signature.length != SIGNATURE_LENGTH) {
            revert QuorumLib.SignaturesLengthMismatch(signature.length, SIGNATURE_LENGTH);
        }
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (v != 27 && v != 28) revert QuorumLib.SignatureInvalidV(0, v);
        if (uint256(s) > QuorumLib.HALF_N) revert QuorumLib.SignatureHighS(0);
        assembly ("memory-safe") {
            // ecrecover precompile; it returns nothing for an invalid signature, so clear the word.
            let p := mload(0x40)
            mstore(p, digest)
            mstore(add(p, 0x20), v)
            mstore(add(p, 0x40), r)
            mstore(add(p, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        if (signer == address(0)) revert QuorumLib.SignatureRecoversZero(0);
    }
}
