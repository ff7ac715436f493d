// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "./base/Test.sol";
import {Message} from "../src/libs/Message.sol";

contract MessageHarness {
    function pack(
        uint8 version,
        uint32 nonce,
        uint32 origin,
        bytes32 sender,
        uint32 destination,
        bytes32 recipient,
        bytes memory messageBody
    ) external pure returns (bytes memory) {
        return Message.pack(version, nonce, origin, sender, destination, recipient, messageBody);
    }

    function header(bytes calldata message) external pure returns (Message.Header memory) {
        return Message.header(message);
    }

    function body(bytes calldata message) external pure returns (bytes memory) {
        return Message.body(message);
    }

    function idCalldata(bytes calldata message) external pure returns (bytes32) {
        return Message.idCalldata(message);
    }

    function decode(bytes memory message) external pure returns (Message.Header memory, bytes memory) {
        return Message.decode(message);
    }

    function toAddress(bytes32 account) external pure returns (address) {
        return Message.toAddress(account);
    }
}

contract MessageTest is Test {
    MessageHarness internal h;

    function setUp() public {
        h = new MessageHarness();
    }

    function _assertHeader(
        Message.Header memory got,
        uint8 version,
        uint32 nonce,
        uint32 origin,
        bytes32 sender,
        uint32 destination,
        bytes32 recipient
    ) internal pure {
        assertEq(got.version, version, "version");
        assertEq(got.nonce, nonce, "nonce");
        assertEq(got.origin, origin, "origin");
        assertEq(got.sender, sender, "sender");
        assertEq(got.destination, destination, "destination");
        assertEq(got.recipient, recipient, "recipient");
    }

    function test_layout() public view {
        bytes memory m =
            h.pack(1, 0x01020304, 0x05060708, bytes32(uint256(0x09)), 0x0a0b0c0d, bytes32(uint256(0x0e)), hex"ff");
        assertEq(m.length, 78);
        assertEq(
            m,
            abi.encodePacked(
                hex"01", hex"01020304", hex"05060708", bytes32(uint256(9)), hex"0a0b0c0d", bytes32(uint256(14)), hex"ff"
            )
        );
    }

    function testFuzz_roundTrip(
        uint8 version,
        uint32 nonce,
        uint32 origin,
        bytes32 sender,
        uint32 destination,
        bytes32 recipient,
        bytes memory body
    ) public view {
        bytes memory m = h.pack(version, nonce, origin, sender, destination, recipient, body);
        assertEq(m.length, Message.HEADER_LENGTH + body.length);
        _assertHeader(h.header(m), version, nonce, origin, sender, destination, recipient);
        assertEq(h.body(m), body, "calldata body");
        (Message.Header memory hm, bytes memory bm) = h.decode(m);
        _assertHeader(hm, version, nonce, origin, sender, destination, recipient);
        assertEq(bm, body, "memory body");
        assertEq(h.idCalldata(m), keccak256(m), "id");
        assertEq(Message.id(m), keccak256(m), "id");
    }

    function test_bodyAtLimit() public view {
        bytes memory body = new bytes(Message.MAX_BODY_LENGTH);
        bytes memory m = h.pack(1, 0, 1, 0, 2, 0, body);
        assertEq(h.body(m).length, Message.MAX_BODY_LENGTH);
        assertEq(h.header(m).destination, 2);
    }

    function test_packRevertsOnOversizeBody() public {
        bytes memory body = new bytes(Message.MAX_BODY_LENGTH + 1);
        vm.expectRevert(abi.encodeWithSelector(Message.MessageBodyTooLarge.selector, Message.MAX_BODY_LENGTH + 1));
        h.pack(1, 0, 1, 0, 2, 0, body);
    }

    function test_readersRevertOnOversizeBody() public {
        bytes memory m = new bytes(Message.HEADER_LENGTH + Message.MAX_BODY_LENGTH + 1);
        bytes memory err = abi.encodeWithSelector(Message.MessageBodyTooLarge.selector, Message.MAX_BODY_LENGTH + 1);
        vm.expectRevert(err);
        h.header(m);
        vm.expectRevert(err);
        h.body(m);
        vm.expectRevert(err);
        h.decode(m);
    }

    function testFuzz_readersRevertOnShortInput(uint256 lengthSeed) public {
        uint256 length = bound(lengthSeed, 0, Message.HEADER_LENGTH - 1);
        bytes memory m = new bytes(length);
        bytes memory err = abi.encodeWithSelector(Message.MessageTooShort.selector, length);
        vm.expectRevert(err);
        h.header(m);
        vm.expectRevert(err);
        h.body(m);
        vm.expectRevert(err);
        h.decode(m);
    }

    function test_emptyBody() public view {
        bytes memory m = h.pack(1, 0, 1, 0, 2, 0, "");
        assertEq(m.length, 77);
        assertEq(h.body(m).length, 0);
    }

    function testFuzz_addressRoundTrip(address a) public view {
        assertEq(h.toAddress(Message.toBytes32(a)), a);
    }

    function testFuzz_toAddressRevertsOnDirtyUpperBytes(bytes32 account) public {
        vm.assume(uint256(account) >> 160 != 0);
        vm.expectRevert(abi.encodeWithSelector(Message.NotAnEvmAddress.selector, account));
        h.toAddress(account);
    }
}
