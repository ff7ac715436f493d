// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title QuorumLib
/// @notice Operator sets and the stake-weighted quorum check over checkpoint signatures.
///
/// An operator set travels in calldata and is checked against the hash a verifier stored for its
/// epoch (see docs/adr/0002-operator-set-representation.md). Its hash is the EIP-712 struct hash
///
///     OperatorSet(uint64 epoch,uint64 timestamp,uint16 thresholdBps,uint16 minSigners,
///                 uint128 totalWeight,bytes32[] members)
///
/// where each member is `address << 96 | weight` (weight a uint96), members strictly ascending (so
/// ascending by address), at most 256 of them. `causeway_core` computes the same hash.
///
/// Signatures are 65-byte `r ‖ s ‖ v` values, concatenated, one per set bit of a signer bitmap
/// (bit j = member j), in ascending member order, which is ascending signer address order.
library QuorumLib {
    struct OperatorSet {
        uint64 epoch;
        /// @dev Hub time (unix seconds) at which this set took effect; staleness counts from it.
        uint64 timestamp;
        uint16 thresholdBps;
        uint16 minSigners;
        uint128 totalWeight;
        bytes32[] members;
    }

    bytes32 internal constant OPERATOR_SET_TYPEHASH = keccak256(
        "OperatorSet(uint64 epoch,uint64 timestamp,uint16 thresholdBps,uint16 minSigners,uint128 totalWeight,bytes32[] members)"
    );

    uint256 internal constant MAX_MEMBERS = 256;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant SIGNATURE_LENGTH = 65;
    /// @dev secp256k1n / 2: signatures with a larger s are malleable copies and are refused.
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    // ------------------------------------------------------------------ errors: signatures

    /// @notice Bitmap bit `memberIndex` is set but the set has only `setSize` members.
    error SignerIndexOutOfRange(uint256 memberIndex, uint256 setSize);
    /// @notice The signatures are not exactly 65 bytes for each bit of the signer bitmap.
    error SignaturesLengthMismatch(uint256 length, uint256 expected);
    /// @notice Signature `signatureIndex` has a `v` other than 27 or 28.
    error SignatureInvalidV(uint256 signatureIndex, uint8 v);
    /// @notice Signature `signatureIndex` has s > secp256k1n/2 (malleable form).
    error SignatureHighS(uint256 signatureIndex);
    /// @notice Signature `signatureIndex` does not recover to any address.
    error SignatureRecoversZero(uint256 signatureIndex);
    /// @notice Signature `signatureIndex` recovers to `signer`, not above the previous signer:
    /// signers must be strictly ascending (no signer counted twice).
    error SignerNotAscending(uint256 signatureIndex, address signer, address previous);
    /// @notice Signature `signatureIndex` recovers to `signer`, which is not member `memberIndex`.
    error SignerNotInSet(uint256 signatureIndex, address signer, uint256 memberIndex);
    /// @notice Fewer distinct signers than the set's `minSigners`.
    error TooFewSigners(uint256 signers, uint256 minSigners);
    /// @notice Signed weight below `thresholdBps` of the set's total weight.
    error InsufficientWeight(uint256 signedWeight, uint256 totalWeight, uint256 thresholdBps);

    // ------------------------------------------------------------------ errors: set shape

    error OperatorSetEmpty();
    error OperatorSetTooLarge(uint256 members);
    error OperatorSetThresholdInvalid(uint256 thresholdBps);
    error OperatorSetMinSignersInvalid(uint256 minSigners, uint256 members);
    /// @notice Member `memberIndex` is the zero address, has zero weight, or is not above the one
    /// before it.
    error OperatorSetMemberInvalid(uint256 memberIndex);
    error OperatorSetTotalWeightMismatch(uint256 stated, uint256 actual);

    // ------------------------------------------------------------------ members

    function packMember(address operator, uint96 weight) internal pure returns (bytes32) {
        return bytes32((uint256(uint160(operator)) << 96) | weight);
    }

    function memberAddress(bytes32 member) internal pure returns (address) {
        return address(uint160(uint256(member) >> 96));
    }

    function memberWeight(bytes32 member) internal pure returns (uint96) {
        return uint96(uint256(member));
    }

    // ------------------------------------------------------------------ hashing and validation

    /// @notice The set's EIP-712 struct hash (what verifiers store and mirrors accept).
    function hash(OperatorSet calldata set) internal pure returns (bytes32) {
        bytes32 membersHash;
        bytes32[] calldata members = set.members;
        assembly ("memory-safe") {
            let p := mload(0x40)
            let len := shl(5, members.length)
            calldatacopy(p, members.offset, len)
            membersHash := keccak256(p, len)
        }
        return keccak256(
            abi.encode(
                OPERATOR_SET_TYPEHASH,
                set.epoch,
                set.timestamp,
                set.thresholdBps,
                set.minSigners,
                set.totalWeight,
                membersHash
            )
        );
    }

    /// @notice Same as `hash`, for a set in memory.
    function hashMemory(OperatorSet memory set) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                OPERATOR_SET_TYPEHASH,
                set.epoch,
                set.timestamp,
                set.thresholdBps,
                set.minSigners,
                set.totalWeight,
                keccak256(abi.encodePacked(set.members))
            )
        );
    }

    /// @notice Reverts unless the set is well formed: 1..256 members, strictly ascending, no zero
    /// address or zero weight, 0 < thresholdBps <= 10,000, 1 <= minSigners <= members, and
    /// `totalWeight` the sum of the weights. Run whenever a set is accepted, so that verification
    /// can rely on the stored hash alone.
    function validate(OperatorSet memory set) internal pure {
        uint256 n = set.members.length;
        if (n == 0) revert OperatorSetEmpty();
        if (n > MAX_MEMBERS) revert OperatorSetTooLarge(n);
        if (set.thresholdBps == 0 || set.thresholdBps > BPS) revert OperatorSetThresholdInvalid(set.thresholdBps);
        if (set.minSigners == 0 || set.minSigners > n) revert OperatorSetMinSignersInvalid(set.minSigners, n);
        uint256 total;
        uint256 previous;
        for (uint256 i; i < n; ++i) {
            uint256 member = uint256(set.members[i]);
            // Ascending packed words with distinct addresses = ascending addresses; `previous`
            // compares addresses only, so two entries for one address are refused.
            if (member >> 96 == 0 || uint96(member) == 0 || member >> 96 <= previous) {
                revert OperatorSetMemberInvalid(i);
            }
            previous = member >> 96;
            total += uint96(member);
        }
        if (total != set.totalWeight) revert OperatorSetTotalWeightMismatch(set.totalWeight, total);
    }

    // ------------------------------------------------------------------ verification

    /// @notice Reverts unless `signatures` carry a quorum of `set` over `digest`.
    /// @dev The caller has checked that `set` is the stored set (by hash) and not stale. Every
    /// signature given is checked, even past the threshold: no unverified bytes are accepted.
    /// Cost per signer: ≈ 3,900 gas, of which 3,000 is the ecrecover precompile (`view` because it
    /// is called with `staticcall`); the set costs its calldata and one hash.
    /// @return signers The number of distinct signers.
    /// @return signedWeight Their total weight.
    function verify(bytes32 digest, OperatorSet calldata set, uint256 signerBitmap, bytes calldata signatures)
        internal
        view
        returns (uint256 signers, uint256 signedWeight)
    {
        bytes32[] calldata members = set.members;
        if (members.length < MAX_MEMBERS && signerBitmap >> members.length != 0) {
            revert SignerIndexOutOfRange(_highestBit(signerBitmap), members.length);
        }
        address previous;
        uint256 bits = signerBitmap;
        uint256 memberIndex;
        while (bits != 0) {
            if (bits & 1 == 1) {
                if ((signers + 1) * SIGNATURE_LENGTH > signatures.length) {
                    revert SignaturesLengthMismatch(signatures.length, _popcount(signerBitmap) * SIGNATURE_LENGTH);
                }
                address signer = recoverAt(digest, signatures, signers);
                if (signer <= previous) revert SignerNotAscending(signers, signer, previous);
                uint256 member = uint256(members[memberIndex]);
                if (address(uint160(member >> 96)) != signer) revert SignerNotInSet(signers, signer, memberIndex);
                unchecked {
                    signedWeight += uint96(member); // <= 256 * 2^96: no overflow
                    ++signers;
                }
                previous = signer;
            }
            bits >>= 1;
            unchecked {
                ++memberIndex;
            }
        }
        if (signatures.length != signers * SIGNATURE_LENGTH) {
            revert SignaturesLengthMismatch(signatures.length, signers * SIGNATURE_LENGTH);
        }
        if (signers < set.minSigners || signers == 0) revert TooFewSigners(signers, set.minSigners);
        uint256 total = set.totalWeight;
        uint256 bps = set.thresholdBps;
        // A zero threshold or weight never passes (a default-valued set is not a quorum).
        if (bps == 0 || total == 0 || signedWeight * BPS < total * bps) {
            revert InsufficientWeight(signedWeight, total, bps);
        }
    }

    /// @dev Signer of signature `i` (bytes [65 i, 65 i + 65) of `signatures`, which the caller has
    /// checked exist): v in {27, 28}, low s, and not the zero address.
    function recoverAt(bytes32 digest, bytes calldata signatures, uint256 i) internal view returns (address signer) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            let p := add(signatures.offset, mul(i, 65))
            r := calldataload(p)
            s := calldataload(add(p, 0x20))
            v := byte(0, calldataload(add(p, 0x40)))
        }
        if (v != 27 && v != 28) revert SignatureInvalidV(i, v);
        if (uint256(s) > HALF_N) revert SignatureHighS(i);
        assembly ("memory-safe") {
            // ecrecover precompile (0x01) on (digest, v, r, s) in free memory; it returns nothing
            // for an invalid signature, so the output word is cleared first.
            let p := mload(0x40)
            mstore(p, digest)
            mstore(add(p, 0x20), v)
            mstore(add(p, 0x40), r)
            mstore(add(p, 0x60), s)
            mstore(0x00, 0)
            pop(staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20))
            signer := mload(0x00)
        }
        if (signer == address(0)) revert SignatureRecoversZero(i);
    }

    function _popcount(uint256 x) private pure returns (uint256 c) {
        while (x != 0) {
            x &= x - 1;
            unchecked {
                ++c;
            }
        }
    }

    function _highestBit(uint256 x) private pure returns (uint256 i) {
        while (x > 1) {
            x >>= 1;
            unchecked {
                ++i;
            }
        }
    }
}
