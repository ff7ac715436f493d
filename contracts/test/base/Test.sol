// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The forge cheatcodes Causeway's tests use, and nothing else.
/// @dev forge-std cannot be installed offline (it is cloned from GitHub), so this is our own
/// declaration of the cheatcode interface. Signatures follow forge 1.7.1; add one here when a test
/// needs it. The address is keccak256("hevm cheat code")[12:].
interface Vm {
    // Keys and signatures
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    // Environment
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function deal(address account, uint256 balance) external;
    function chainId(uint256 newChainId) external;
    function label(address account, string calldata name) external;
    function getNonce(address account) external view returns (uint64 nonce);
    function computeCreateAddress(address deployer, uint256 nonce) external pure returns (address);

    // Expectations
    function expectRevert() external;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(address emitter) external;
    function assume(bool condition) external pure;
    /// @dev Marks the running test as skipped (reported as [SKIP], not as passed).
    function skip(bool skipTest) external;

    // Gas measurement
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    /// @dev Gas used inside the last call made by the test (callee side: no caller-side encoding).
    function lastCallGas() external view returns (Gas memory);
    function pauseGasMetering() external;
    function resumeGasMetering() external;

    // Files and JSON (vectors)
    function projectRoot() external view returns (string memory);
    function readFile(string calldata path) external view returns (string memory);
    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);
    function parseJson(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function parseJsonBytes32Array(string calldata json, string calldata key) external pure returns (bytes32[] memory);

    // Formatting (used only to build failure messages)
    function toString(uint256 value) external pure returns (string memory);
    function toString(int256 value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(bool value) external pure returns (string memory);
}

/// @notice Minimal test base: the cheatcode handle and assertions that revert with a message
/// naming both sides. A test fails by reverting; forge prints the reason.
abstract contract Test {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @dev secp256k1 group order; private keys must be in [1, SECP256K1_N).
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ------------------------------------------------------------------ logging

    /// @dev forge's console address; `forge test -vv` prints what is sent here.
    address private constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory label, uint256 value) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok; // logging never fails a test
    }

    // ------------------------------------------------------------------ failures

    function fail(string memory reason) internal pure {
        revert(reason);
    }

    function _failPair(string memory what, string memory left, string memory right, string memory err) private pure {
        string memory base = string.concat(what, " failed: left=", left, " right=", right);
        if (bytes(err).length != 0) base = string.concat(err, ": ", base);
        revert(base);
    }

    // ------------------------------------------------------------------ booleans

    function assertTrue(bool condition) internal pure {
        if (!condition) revert("assertTrue failed");
    }

    function assertTrue(bool condition, string memory err) internal pure {
        if (!condition) revert(string.concat(err, ": assertTrue failed"));
    }

    function assertFalse(bool condition) internal pure {
        if (condition) revert("assertFalse failed");
    }

    function assertFalse(bool condition, string memory err) internal pure {
        if (condition) revert(string.concat(err, ": assertFalse failed"));
    }

    // ------------------------------------------------------------------ equality

    function assertEq(uint256 left, uint256 right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(uint256 left, uint256 right, string memory err) internal pure {
        if (left != right) _failPair("assertEq(uint256)", vm.toString(left), vm.toString(right), err);
    }

    function assertEq(int256 left, int256 right) internal pure {
        if (left != right) _failPair("assertEq(int256)", vm.toString(left), vm.toString(right), "");
    }

    function assertEq(bytes32 left, bytes32 right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(bytes32 left, bytes32 right, string memory err) internal pure {
        if (left != right) _failPair("assertEq(bytes32)", vm.toString(left), vm.toString(right), err);
    }

    function assertEq(address left, address right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(address left, address right, string memory err) internal pure {
        if (left != right) _failPair("assertEq(address)", vm.toString(left), vm.toString(right), err);
    }

    function assertEq(bool left, bool right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(bool left, bool right, string memory err) internal pure {
        if (left != right) _failPair("assertEq(bool)", vm.toString(left), vm.toString(right), err);
    }

    function assertEq(bytes memory left, bytes memory right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(bytes memory left, bytes memory right, string memory err) internal pure {
        if (keccak256(left) != keccak256(right)) {
            _failPair("assertEq(bytes)", vm.toString(left), vm.toString(right), err);
        }
    }

    function assertEq(string memory left, string memory right) internal pure {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) _failPair("assertEq(string)", left, right, "");
    }

    function assertNotEq(bytes32 left, bytes32 right) internal pure {
        assertNotEq(left, right, "");
    }

    function assertNotEq(bytes32 left, bytes32 right, string memory err) internal pure {
        if (left == right) _failPair("assertNotEq(bytes32)", vm.toString(left), vm.toString(right), err);
    }

    function assertNotEq(uint256 left, uint256 right) internal pure {
        if (left == right) _failPair("assertNotEq(uint256)", vm.toString(left), vm.toString(right), "");
    }

    // ------------------------------------------------------------------ ordering

    function assertGt(uint256 left, uint256 right) internal pure {
        assertGt(left, right, "");
    }

    function assertGt(uint256 left, uint256 right, string memory err) internal pure {
        if (left <= right) _failPair("assertGt", vm.toString(left), vm.toString(right), err);
    }

    function assertGe(uint256 left, uint256 right) internal pure {
        assertGe(left, right, "");
    }

    function assertGe(uint256 left, uint256 right, string memory err) internal pure {
        if (left < right) _failPair("assertGe", vm.toString(left), vm.toString(right), err);
    }

    function assertLt(uint256 left, uint256 right) internal pure {
        assertLt(left, right, "");
    }

    function assertLt(uint256 left, uint256 right, string memory err) internal pure {
        if (left >= right) _failPair("assertLt", vm.toString(left), vm.toString(right), err);
    }

    function assertLe(uint256 left, uint256 right) internal pure {
        assertLe(left, right, "");
    }

    function assertLe(uint256 left, uint256 right, string memory err) internal pure {
        if (left > right) _failPair("assertLe", vm.toString(left), vm.toString(right), err);
    }

    // ------------------------------------------------------------------ fuzz helpers

    /// @dev Maps any value into [min, max] without discarding runs (unlike `vm.assume`).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev A valid secp256k1 private key derived from any seed.
    function boundKey(uint256 seed) internal pure returns (uint256) {
        return bound(seed, 1, SECP256K1_N - 1);
    }
}
