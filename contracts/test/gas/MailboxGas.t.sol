// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MailboxFixture, NoopRecipient} from "../helpers/MailboxFixture.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {Message} from "../../src/libs/Message.sol";

/// @notice Gas of the Mailbox paths in issue 3, as a transaction pays it (receipt gasUsed).
/// Run with `forge test --match-path 'test/gas/*' --isolate -vv`: each call from the test is then
/// its own transaction (cold accounts and storage, 21,000 + calldata with the EIP-7623 floor) and
/// `vm.lastCallGas` is its gasUsed. Without `--isolate` the numbers are estimates from warm
/// execution plus computed intrinsic gas. 32-byte bodies, a no-op recipient.
contract MailboxGasTest is MailboxFixture {
    NoopRecipient internal noop;

    function setUp() public override {
        super.setUp();
        noop = new NoopRecipient();
    }

    function ping() external {}

    /// @dev Whether forge runs each call as its own transaction (`--isolate`).
    function _isolated() internal returns (bool) {
        this.ping();
        return vm.lastCallGas().gasTotalUsed >= 21_000;
    }

    /// @dev Transaction gas of the last call, whose calldata was `data`.
    function _txGas(bytes memory data, uint256 execution) internal returns (uint256) {
        if (_isolated()) return execution; // lastCallGas is already the transaction's gasUsed
        return _estimate(data, execution);
    }

    function _estimate(bytes memory data, uint256 execution) internal pure returns (uint256) {
        uint256 tokens;
        for (uint256 i; i < data.length; ++i) {
            tokens += data[i] == 0 ? 1 : 4;
        }
        uint256 standard = 21_000 + 4 * tokens + execution;
        uint256 floor = 21_000 + 10 * tokens;
        return standard > floor ? standard : floor;
    }

    function _lastExecution() internal view returns (uint256) {
        return vm.lastCallGas().gasTotalUsed;
    }

    function test_gas_dispatch() public {
        bool isolated = _isolated();
        uint256 total;
        uint256 runs = 256;
        bytes memory body = _body(0, 32);
        bytes32 to = Message.toBytes32(address(noop));
        uint256 first;
        for (uint256 i; i < runs; ++i) {
            origin.dispatch(DEST, to, body);
            uint256 g = _lastExecution();
            if (!isolated) g = _estimate(abi.encodeCall(Mailbox.dispatch, (DEST, to, body)), g);
            if (i == 0) first = g;
            total += g;
        }
        log("dispatch: first (tx gas)", first);
        log("dispatch: average over 256 (tx gas)", total / runs);
        assertLt(total / runs, 60_000);
    }

    function _submitGas(uint256 n, uint16 bps, uint16 k) internal returns (uint256 g) {
        _freshVerifier();
        _setOperators(n, bps, k);
        _dispatch(1, address(this), address(noop), 32);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        Mailbox.Attestation memory a = _attest(cp, _firstK(k));
        dest.submitCheckpoint(cp, a);
        g = _txGas(abi.encodeCall(Mailbox.submitCheckpoint, (cp, a)), _lastExecution());
        log(string.concat("submitCheckpoint ", vm.toString(k), "-of-", vm.toString(n), " (tx gas)"), g);
    }

    function test_gas_submitCheckpoint_3of5() public {
        _submitGas(5, 6000, 3);
    }

    function test_gas_submitCheckpoint_7of10() public {
        _submitGas(10, 6667, 7);
    }

    function test_gas_submitCheckpoint_13of18() public {
        _submitGas(18, 6667, 13);
    }

    /// @dev One message with its 3-of-5 checkpoint in one transaction (target <= 90k). The route
    /// has 1,000 messages before it, and this recipient already received one earlier (its bitmap
    /// word exists), as in steady state.
    function test_gas_processWithCheckpoint_3of5() public {
        _dispatch(1000, address(this), address(noop), 32);
        CheckpointLib.Checkpoint memory cp = _checkpoint();
        dest.processWithCheckpoint(cp, _attest(cp, 0x07), sent[998], _proof(998, 1));
        cp = _checkpoint();
        Mailbox.Attestation memory a = _attest(cp, 0x07);
        bytes32[] memory proof = _proof(999, 1);
        dest.processWithCheckpoint(cp, a, sent[999], proof);
        uint256 g = _txGas(abi.encodeCall(Mailbox.processWithCheckpoint, (cp, a, sent[999], proof)), _lastExecution());
        log("processWithCheckpoint 3-of-5, 1 message (tx gas)", g);
        log("  proof hashes", proof.length);
        assertLt(g, 90_000);
    }

    function _batchGas(uint256 n) internal returns (uint256 perMessage) {
        _dispatch(n + 300, address(this), address(noop), 32);
        CheckpointLib.Checkpoint memory cp = _submit();
        // Steady state: earlier messages of this route were delivered, so the bitmap word exists.
        dest.process(ORIGIN, cp.root, sent[0], _proof(0, 1));
        bytes memory batch = _batch(1, n);
        bytes32[] memory proof = _proof(1, n);
        dest.processBatch(ORIGIN, cp.root, batch, proof);
        uint256 g = _txGas(abi.encodeCall(Mailbox.processBatch, (ORIGIN, cp.root, batch, proof)), _lastExecution());
        perMessage = (g - 21_000) / n;
        log(string.concat("processBatch of ", vm.toString(n), " (tx gas)"), g);
        log("  per message ((gas - 21000) / n)", perMessage);
        log("  proof hashes", proof.length);
    }

    function test_gas_processBatch_1() public {
        _batchGas(1);
    }

    function test_gas_processBatch_8() public {
        _batchGas(8);
    }

    function test_gas_processBatch_32() public {
        assertLt(_batchGas(32), 5000);
    }

    function test_gas_processBatch_128() public {
        assertLt(_batchGas(128), 4500);
    }
}
