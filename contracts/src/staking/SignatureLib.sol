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
        return QuorumLib.recoverAt(digest, signature, 0);
    }
}
