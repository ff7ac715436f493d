// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Message
/// @notice The Causeway message format, identical to `causeway_core::Message`:
///
///     version u8 | nonce u32 | origin u32 | sender bytes32 | destination u32 | recipient bytes32 | body
///     0          1           5            9                41                45                  77
///
/// Integers are big-endian. The id of a message is `keccak256` of these packed bytes and is its
/// leaf in the origin's outbox tree.
/// @dev Readers take `bytes calldata` (the delivery hot path) and check the length first: a message
/// shorter than the 77-byte header, or with a body above 64 KiB, is refused with a custom error, so a
/// reader never reads past the end of the message into the calldata that follows it.
library Message {
    /// @notice The only version this code writes and accepts.
    uint8 internal constant VERSION = 1;
    /// @notice Bytes before the body.
    uint256 internal constant HEADER_LENGTH = 77;
    /// @notice Largest body, in bytes (64 KiB).
    uint256 internal constant MAX_BODY_LENGTH = 65_536;

    /// @notice The message is shorter than the 77-byte header.
    error MessageTooShort(uint256 length);
    /// @notice The body is longer than `MAX_BODY_LENGTH`.
    error MessageBodyTooLarge(uint256 bodyLength);

    /// @notice The decoded header of a message.
    struct Header {
        uint8 version;
        uint32 nonce;
        uint32 origin;
        bytes32 sender;
        uint32 destination;
        bytes32 recipient;
    }

    /// @notice Packs a message. Reverts when the body is too large, so nothing unprocessable is
    /// ever written.
    function pack(
        uint8 version,
        uint32 nonce,
        uint32 origin,
        bytes32 sender,
        uint32 destination,
        bytes32 recipient,
        bytes memory messageBody
    ) internal pure returns (bytes memory) {
        if (messageBody.length > MAX_BODY_LENGTH) revert MessageBodyTooLarge(messageBody.length);
        return abi.encodePacked(version, nonce, origin, sender, destination, recipient, messageBody);
    }

    /// @notice The id (outbox leaf) of a packed message.
    function id(bytes memory message) internal pure returns (bytes32) {
        return keccak256(message);
    }

    /// @notice The id (outbox leaf) of a packed message in calldata, without copying it to memory
    /// permanently (the scratch copy is not allocated).
    function idCalldata(bytes calldata message) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, message.offset, message.length)
            result := keccak256(ptr, message.length)
        }
    }

    /// @notice Reverts unless a message of `length` bytes has a complete header and a body of at
    /// most 64 KiB.
    function checkLength(uint256 length) internal pure {
        if (length < HEADER_LENGTH) revert MessageTooShort(length);
        unchecked {
            if (length - HEADER_LENGTH > MAX_BODY_LENGTH) revert MessageBodyTooLarge(length - HEADER_LENGTH);
        }
    }

    /// @notice Decodes the header of a message in calldata (after checking its length).
    function header(bytes calldata message) internal pure returns (Header memory h) {
        checkLength(message.length);
        uint256 w0;
        bytes32 sender;
        uint256 w41;
        bytes32 recipient;
        assembly ("memory-safe") {
            w0 := calldataload(message.offset) // version | nonce | origin | ...
            sender := calldataload(add(message.offset, 9))
            w41 := calldataload(add(message.offset, 41)) // destination | ...
            recipient := calldataload(add(message.offset, 45))
        }
        h.version = uint8(w0 >> 248);
        h.nonce = uint32(w0 >> 216);
        h.origin = uint32(w0 >> 184);
        h.sender = sender;
        h.destination = uint32(w41 >> 224);
        h.recipient = recipient;
    }

    /// @notice The body of a message in calldata (after checking its length).
    function body(bytes calldata message) internal pure returns (bytes calldata) {
        checkLength(message.length);
        return message[HEADER_LENGTH:];
    }

    /// @notice Decodes a message held in memory (tests, tooling, off-chain-style callers).
    function decode(bytes memory message) internal pure returns (Header memory h, bytes memory bodyBytes) {
        checkLength(message.length);
        uint256 w0;
        uint256 w2;
        bytes32 sender;
        bytes32 recipient;
        assembly ("memory-safe") {
            let p := add(message, 0x20)
            w0 := mload(p)
            sender := mload(add(p, 9))
            w2 := mload(add(p, 41))
            recipient := mload(add(p, 45))
        }
        h.version = uint8(w0 >> 248);
        h.nonce = uint32(w0 >> 216);
        h.origin = uint32(w0 >> 184);
        h.sender = sender;
        h.destination = uint32(w2 >> 224);
        h.recipient = recipient;
        uint256 bodyLength = message.length - HEADER_LENGTH;
        bodyBytes = new bytes(bodyLength);
        assembly ("memory-safe") {
            mcopy(add(bodyBytes, 0x20), add(message, add(0x20, 77)), bodyLength)
        }
    }

    /// @notice An EVM address as the 32-byte sender/recipient field (left-padded with zeros).
    function toBytes32(address account) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(account)));
    }

    /// @notice The EVM address in a 32-byte sender/recipient field. Reverts when the upper 12
    /// bytes are not zero, so one address has exactly one encoding.
    function toAddress(bytes32 account) internal pure returns (address) {
        if (uint256(account) >> 160 != 0) revert NotAnEvmAddress(account);
        return address(uint160(uint256(account)));
    }

    /// @notice A 32-byte account field that is not a left-padded EVM address.
    error NotAnEvmAddress(bytes32 account);
}
